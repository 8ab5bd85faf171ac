"""The runner on real candles: determinism, engine modes, look-ahead, funding, bad input."""

from __future__ import annotations

import itertools
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scalplab.backtests.integrity import check_lookahead
from scalplab.backtests.runner import EngineMode, run_backtest
from scalplab.config import Settings
from scalplab.data.candles import CandleStore
from scalplab.errors import InputError, NoDataError, NotFoundError, StrategyError
from scalplab.orders.risk import BREAKERS
from scalplab.orders.runs import RunRequest
from scalplab.strategies.registry import Registry, discover
from tests.backtests import plugins
from tests.conftest import make_settings, real_funding, real_klines

START = datetime(2025, 6, 17, tzinfo=UTC)
END = datetime(2025, 6, 24, tzinfo=UTC)
H = 3_600_000
END_MS = int(END.timestamp() * 1000)


@pytest.fixture(scope="module")
def registry() -> Registry:
    reg = discover(None)
    reg.add_module(sys.modules[plugins.__name__], "tests/backtests/plugins.py")
    return reg


def request(strategy: str = "sma_cross", tf: str = "15m", **params: object) -> RunRequest:
    return RunRequest("BTCUSDT", strategy, tf, START, END, params)


def test_result_shape_and_bar_count(real_week_dir: Path, registry: Registry) -> None:
    result = run_backtest(request(), make_settings(real_week_dir), registry=registry)
    assert result["metrics"]["bars"] == 7 * 96  # 15m bars resampled from 1m
    assert result["first_bar"] == "2025-06-17T00:00:00Z"
    assert result["last_bar"] == "2025-06-23T23:45:00Z"
    for key in ("id", "metrics", "rejected", "trades", "equity", "result_hash"):
        assert key in result
    trade = result["trades"][0]
    assert set(trade) >= {
        "side",
        "entry_time",
        "exit_time",
        "entry_price",
        "exit_price",
        "qty",
        "exit_reason",
        "fees",
        "funding",
        "pnl",
    }
    assert trade["exit_reason"] in {"tp", "sl", "liquidation", "end", "max_hold", "manual"}
    json.dumps(result, allow_nan=False)
    m = result["metrics"]
    assert m["final_equity"] == pytest.approx(10_000 + sum(t["pnl"] for t in result["trades"]))
    assert m["fees"] == pytest.approx(sum(t["fees"] for t in result["trades"]))
    assert m["funding"] == pytest.approx(sum(t["funding"] for t in result["trades"]))
    # every signal has one fate; a block (circuit breaker) is not a rejection
    assert m["signals_generated"] == (
        m["signals_accepted"] + m["signals_rejected"] + m["signals_blocked"] + m["signals_dropped"]
    )
    assert m["signals_blocked"] == sum(result["blocked"].values())
    assert m["signals_rejected"] == sum(result["rejected"].values())
    assert result["symbol_rules"]["source"] == "bundled_exchange_info_2021"
    assert result["symbol_rules"]["step_size"] == "0.001"


def test_same_result_hash_on_a_second_run(real_week_dir: Path, registry: Registry) -> None:
    settings = make_settings(real_week_dir)
    first = run_backtest(request(tf="5m"), settings, registry=registry)
    second = run_backtest(request(tf="5m"), settings, registry=registry)
    assert first["id"] != second["id"]
    assert first["result_hash"] == second["result_hash"]
    assert first["trades"] == second["trades"]


@pytest.mark.parametrize(("runonce", "preload"), [(True, False), (False, True), (False, False)])
def test_results_do_not_depend_on_the_engine_mode(
    real_week_dir: Path, registry: Registry, runonce: bool, preload: bool
) -> None:
    settings = make_settings(real_week_dir)
    default = run_backtest(request(), settings, registry=registry)
    other = run_backtest(request(), settings, mode=EngineMode(runonce, preload), registry=registry)
    assert other["trades"] == default["trades"]
    assert other["result_hash"] == default["result_hash"]


def test_look_ahead_strategy_differs_from_its_honest_twin_and_is_caught(
    real_week_dir: Path, registry: Registry
) -> None:
    settings = make_settings(real_week_dir)
    cheat = run_backtest(request("peeking"), settings, registry=registry)
    honest = run_backtest(request("honest_twin"), settings, registry=registry)
    assert cheat["trades"] != honest["trades"]
    # Knowing the next close wins far more often than the honest rule does.
    assert cheat["metrics"]["win_rate"] > honest["metrics"]["win_rate"] + 10
    verdict = check_lookahead(request("peeking"), settings, registry)
    assert not verdict.clean and "look-ahead suspected" in verdict.message
    assert check_lookahead(request("honest_twin"), settings, registry).clean


def test_scripted_entry_next_open_and_real_funding(real_week_dir: Path, registry: Registry) -> None:
    # Signal on the close of the 2025-06-17 06:00 1h bar; held across 08:00 and 16:00.
    signal_ms = int(datetime(2025, 6, 17, 6, tzinfo=UTC).timestamp() * 1000)
    script = json.dumps({str(signal_ms): ["long", 100_000.0, 90_000.0, 200_000.0]})
    settings = make_settings(real_week_dir)
    result = run_backtest(request("scripted", tf="1h", script=script), settings, registry=registry)
    [trade] = result["trades"]
    assert trade["entry_time"] == "2025-06-17T07:00:00Z"
    assert trade["exit_reason"] == "end"
    assert trade["exit_time"] == "2025-06-23T23:00:00Z"
    rates = real_funding("BTCUSDT")
    instants = rates[
        (rates.funding_time >= 1_750_147_200_000) & (rates.funding_time < END.timestamp() * 1000)
    ]
    assert len(instants) == 20  # 08:00 17 Jun … 16:00 23 Jun
    assert result["metrics"]["funding_default_instants"] == 0
    # qty = min(10000 × 1 % / 10000, 10000 × 5 / 100000) = 0.01 → 0.01 (step 0.001)
    assert trade["qty"] == 0.01
    # Each settlement: qty × the open of the first bar at/after it × the recorded rate.
    candles = real_klines("BTCUSDT").set_index("open_time")
    instant_ms = (instants.funding_time // (8 * H)) * (8 * H)
    opens = candles.loc[instant_ms.to_numpy(), "open"].to_numpy()
    expected = float((0.01 * opens * instants.funding_rate.to_numpy()).sum())
    assert trade["funding"] == pytest.approx(expected, rel=1e-12)
    assert result["metrics"]["funding"] == pytest.approx(expected, rel=1e-12)


def test_progress_is_reported_up_to_one(real_week_dir: Path, registry: Registry) -> None:
    seen: list[float] = []
    run_backtest(request(tf="1m"), make_settings(real_week_dir), seen.append, registry=registry)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 3


def test_bad_inputs_give_clear_errors(real_week_dir: Path, registry: Registry) -> None:
    settings = make_settings(real_week_dir)
    with pytest.raises(NotFoundError, match="unknown strategy 'nope'"):
        run_backtest(request("nope"), settings, registry=registry)
    with pytest.raises(InputError, match="unknown param bogus"):
        run_backtest(request(bogus=1), settings, registry=registry)
    with pytest.raises(InputError, match="param fast expects int"):
        run_backtest(request(fast="ten"), settings, registry=registry)
    with pytest.raises(InputError, match="below its minimum"):
        run_backtest(request(fast=0), settings, registry=registry)
    with pytest.raises(InputError, match="timeframe"):
        run_backtest(request(tf="7m"), settings, registry=registry)
    with pytest.raises(NoDataError):
        run_backtest(
            RunRequest("ETHUSDT", "sma_cross", "1m", START, END), settings, registry=registry
        )
    with pytest.raises(NoDataError):
        late = datetime(2026, 1, 1, tzinfo=UTC)
        run_backtest(
            RunRequest("BTCUSDT", "sma_cross", "1m", late, late.replace(day=5)),
            settings,
            registry=registry,
        )
    with pytest.raises(InputError, match="must be before"):
        run_backtest(
            RunRequest("BTCUSDT", "sma_cross", "1m", END, START), settings, registry=registry
        )
    with pytest.raises(InputError, match=r"needs 201 bars of warm-up .* only 168 1h bars"):
        run_backtest(request(tf="1h", slow=200), settings, registry=registry)
    with pytest.raises(InputError, match="needs 201 bars of warm-up"):
        run_backtest(
            request(tf="1h", slow=200), settings, mode=EngineMode(False, False), registry=registry
        )
    with pytest.raises(StrategyError, match=r"exploding.*ZeroDivisionError"):
        run_backtest(request("exploding"), settings, registry=registry)


def test_settings_drive_the_economics(real_week_dir: Path, registry: Registry) -> None:
    base = run_backtest(request(), make_settings(real_week_dir), registry=registry)
    costly = run_backtest(
        request(),
        make_settings(real_week_dir, TAKER_FEE_PCT=0.1, SLIPPAGE_PCT=0.05),
        registry=registry,
    )
    assert costly["settings"]["taker_fee_pct"] == 0.1
    assert costly["metrics"]["fees"] > base["metrics"]["fees"]
    assert costly["metrics"]["slippage"] > base["metrics"]["slippage"]


# ----- the risk gate in a backtest: every breaker on bar time --------------------------------


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def only(breaker: str, **limits: object) -> dict[str, object]:
    """Risk overrides switching every circuit breaker off but `breaker` (MIN_RR stays)."""
    off = {f"{name}_enabled": False for name in BREAKERS if name not in ("min_rr", breaker)}
    return {**off, **limits}


@pytest.fixture
def settings(real_week_dir: Path) -> Settings:
    return make_settings(real_week_dir)


def run_with(
    settings: Settings,
    tf: str,
    risk: dict[str, object],
    *,
    breakers: bool = True,
    **params: object,
) -> dict[str, Any]:
    """sma_cross on the real week with these risk overrides (settings from the env)."""
    request = RunRequest("BTCUSDT", "sma_cross", tf, START, END, params, risk, breakers)
    return run_backtest(request, settings)


def fates(result: dict[str, Any], breaker: str) -> tuple[list[int], list[int]]:
    """Bar times of the accepted signals and of those `breaker` blocked."""
    signals = result["signals"]
    accepted = [_ms(s["time"]) for s in signals if s["status"] == "accepted"]
    blocked = [_ms(s["time"]) for s in signals if s["breaker"] == breaker]
    assert blocked, f"{breaker} never bound: the check proves nothing"
    assert all(s["status"] == "blocked" for s in signals if s["breaker"] == breaker)
    assert result["blocked"] == {breaker: len(blocked)}
    assert result["metrics"]["signals_blocked"] == len(blocked)
    return accepted, blocked


def test_overtrading_binds_on_bar_time(settings: Settings) -> None:
    result = run_with(settings, "1m", only("overtrading", max_trades_per_hour=1), fast=3, slow=5)
    accepted, blocked = fates(result, "overtrading")
    # blocked: an entry was accepted in the rolling hour (t − 1 h, t] of the bar clock
    for t in blocked:
        assert any(t - H < a <= t for a in accepted)
    # accepted: none was
    for earlier, later in itertools.pairwise(accepted):
        assert later - earlier >= H


def test_loss_streak_binds_on_bar_time(settings: Settings) -> None:
    cooldown = 180
    risk = only("loss_streak", loss_streak_limit=1, loss_streak_cooldown_minutes=cooldown)
    result = run_with(settings, "15m", risk)
    accepted, blocked = fates(result, "loss_streak")
    closed = [(_ms(t["exit_time"]), t["pnl"]) for t in result["trades"]]
    window = cooldown * 60_000
    for t in blocked:  # a loss closed by t, its cooldown still running
        assert any(pnl < 0 and exit_ms <= t < exit_ms + window for exit_ms, pnl in closed)
    for t in accepted:  # the latest trade closed by t is no loss still cooling down
        before = [(exit_ms, pnl) for exit_ms, pnl in closed if exit_ms <= t]
        if before:
            exit_ms, pnl = before[-1]
            assert pnl >= 0 or t >= exit_ms + window


def test_daily_loss_limit_binds_on_bar_time(settings: Settings) -> None:
    limit = 0.5
    result = run_with(settings, "1m", only("daily_loss_limit", daily_loss_limit_pct=limit))
    accepted, blocked = fates(result, "daily_loss_limit")
    equity = [(_ms(iso), value) for iso, value in result["equity"]]
    day = 86_400_000

    def low_of_day(t: int) -> tuple[float, float]:
        """The day's start equity (before its first bar) and its lowest equity up to t."""
        start = next((value for ms, value in reversed(equity) if ms < t - t % day), 10_000.0)
        lowest = min(value for ms, value in equity if t - t % day <= ms <= t)
        return start, lowest

    for t in blocked:
        start, lowest = low_of_day(t)
        assert (start - lowest) / start * 100 >= limit - 1e-9
    for t in accepted:
        value = next(value for ms, value in equity if ms == t)
        start, _ = low_of_day(t)
        assert (start - value) / start * 100 < limit
        # and no signal of that day was blocked before it (the block lasts the UTC day)
        assert not any(t - t % day <= b < t for b in blocked)


def test_extreme_volatility_binds_on_the_runs_own_bars(
    settings: Settings, real_week_dir: Path
) -> None:
    mult = 1.2
    result = run_with(settings, "15m", only("extreme_volatility", extreme_volatility_atr_mult=mult))
    accepted, blocked = fates(result, "extreme_volatility")
    # ATR(14) by hand on the 15m bars: Wilder, seeded with the mean of the first 14 true
    # ranges (the first bar's is high − low); the average of the 20 ATRs before it.
    bars = CandleStore(real_week_dir).read("BTCUSDT", "15m", _ms("2025-06-17T00:00:00Z"), END_MS)
    highs, lows, closes = (bars[c].to_numpy() for c in ("high", "low", "close"))
    ranges = [highs[0] - lows[0]] + [
        max(highs[i] - lows[i], abs(highs[i] - closes[i - 1]), abs(lows[i] - closes[i - 1]))
        for i in range(1, len(bars))
    ]
    atr: list[float | None] = [None] * 13 + [sum(ranges[:14]) / 14]
    for i in range(14, len(bars)):
        atr.append((atr[-1] * 13 + ranges[i]) / 14)  # type: ignore[operator]
    ratio = {}
    for i in range(33, len(bars)):
        before = atr[i - 20 : i]
        ratio[int(bars.open_time.iloc[i])] = atr[i] / (sum(before) / 20)  # type: ignore[arg-type, operator]
    for t in blocked:
        assert ratio[t] >= mult - 1e-9
    for t in accepted:
        assert ratio.get(t, 0.0) < mult


def test_the_result_records_the_risk_settings_and_the_research_switch(
    settings: Settings,
) -> None:
    tight = {"max_trades_per_hour": 1, "daily_loss_limit_pct": 0.5}
    on = run_with(settings, "1m", tight, fast=3, slow=5)
    assert on["metrics"]["signals_blocked"] > 0
    assert set(on["blocked"]) <= set(BREAKERS) - {"min_rr"}
    assert on["risk"]["breakers_on"] == list(BREAKERS)
    assert (on["risk"]["max_trades_per_hour"], on["risk"]["daily_loss_limit_pct"]) == (1, 0.5)
    off = run_with(settings, "1m", tight, breakers=False, fast=3, slow=5)
    assert off["blocked"] == {} and off["metrics"]["signals_blocked"] == 0
    assert off["risk"]["breakers_on"] == ["min_rr"]
    assert off["settings"]["min_rr"] == 3.0
    # without breakers more entries go through; MIN_RR still rejects
    assert off["metrics"]["signals_accepted"] > on["metrics"]["signals_accepted"]
    assert off["rejected"].get("min_rr", 0) > 0
    # a block is a fate of its own in the signal list, with its breaker and reason
    first = next(s for s in on["signals"] if s["status"] == "blocked")
    assert first["breaker"] in on["blocked"] and first["reason"]
