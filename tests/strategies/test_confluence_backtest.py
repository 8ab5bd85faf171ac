"""`confluence_15m` through real backtests and a paper replay of the REAL 30-day 1m
klines of ETHUSDT (and BTCUSDT, its regime reference) with their funding rates
(shared/data/real), resampled to 15m.

The klines carry no order flow, book or open interest: without `degraded` the run is
refused; degraded it runs on what the fallbacks give (funding only), records that, and —
with three of five layers missing — never reaches the seed's MEDIUM 65, so it does not
trade (DECISIONS.md §4: honest). With the thresholds opened (a research run, not the
seed's rules) the whole path runs: layer scores, tiers, the ladder and its stop rules,
the 8-bar max hold, the declared breakers (the low-hours one blocks) and the score-band
sizing; the same run replayed through paper trading gives exactly the backtest's
signals, trades and metrics, and a bar-by-bar run (the look-ahead check's) the same.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest

from scalplab.backtests.integrity import check_lookahead
from scalplab.backtests.runner import run_backtest
from scalplab.data.candles import CandleStore
from scalplab.data.funding import FundingStore
from scalplab.errors import ScalpLabError
from scalplab.orders.runs import RunRequest
from scalplab.simulation.cli import run_simulation
from scalplab.strategies.confluence_15m import Confluence15mStrategy
from scalplab.strategies.confluence_external import ExternalView
from scalplab.strategies.confluence_score import ExternalLayers, LayerReading
from scalplab.strategies.registry import Registry, discover
from tests.conftest import make_settings, real_funding, real_klines

START = datetime(2025, 5, 26, tzinfo=UTC)
END = datetime(2025, 6, 24, tzinfo=UTC)
OPENED = {"medium_threshold": 40.0, "high_threshold": 55.0, "warmup_bars": 250}
SEED_FLOOR = {"min_rr": 2.0}  # the seed's MIN_RR_RATIO; the ladder averages 2.4R


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("confluence_store")
    candles, funding = CandleStore(data_dir), FundingStore(data_dir)
    for symbol in ("ETHUSDT", "BTCUSDT"):
        candles.merge(symbol, "1m", real_klines(symbol))
        funding.merge(symbol, real_funding(symbol))
    return data_dir


def request(
    params: dict[str, object] | None = None,
    degraded: bool = True,
    risk: dict[str, object] | None = None,
) -> RunRequest:
    return RunRequest(
        "ETHUSDT",
        "confluence_15m",
        "15m",
        START,
        END,
        params=params or {},
        degraded=degraded,
        risk=SEED_FLOOR if risk is None else risk,
    )


def test_the_plugin_is_discovered_with_the_seed_s_numbers() -> None:
    info = discover(None).get("confluence_15m")
    defaults = {name: spec.default for name, spec in info.params.items()}
    assert (defaults["high_threshold"], defaults["medium_threshold"]) == (80.0, 65.0)
    assert (defaults["atr_sl_mult"], defaults["sl_floor_pct"], defaults["sl_max_pct"]) == (
        1.5,
        0.3,
        3.0,
    )
    assert (defaults["tp1_r"], defaults["tp2_r"], defaults["tp3_r"]) == (1.5, 2.5, 4.0)
    assert defaults["max_hold_candles"] == 8 and "external" not in defaults
    assert "§1.4" in info.params["weight_technical"].description
    assert [str(feed) for feed in info.feeds] == ["1m", "5m", "1h", "BTCUSDT:15m"]


def test_without_order_flow_the_run_is_refused_in_one_line(store_dir: Path) -> None:
    with pytest.raises(ScalpLabError) as refused:
        run_backtest(request(degraded=False), make_settings(store_dir))
    message = str(refused.value)
    assert "confluence_15m needs aggTrades for ETHUSDT" in message and "\n" not in message


def test_degraded_at_the_seed_s_thresholds_nothing_reaches_medium(store_dir: Path) -> None:
    result = run_backtest(request(), make_settings(store_dir))
    degraded = result["degraded"]
    assert isinstance(degraded, list)
    assert any(d.startswith("funding") and "funding store" in d for d in degraded)
    assert any(d.startswith("depth20") and "missing" in d for d in degraded)
    assert result["signals"] == [] and result["metrics"]["trades"] == 0  # type: ignore[index]


def test_opened_up_it_trades_the_ladder_and_paper_agrees(store_dir: Path) -> None:
    settings = make_settings(store_dir, RISK_PER_TRADE_PCT=1.5)
    backtest = run_backtest(request(OPENED), settings)
    signals = backtest["signals"]
    assert isinstance(signals, list) and len(signals) > 20
    accepted = [s for s in signals if s["status"] == "accepted"]
    blocked = [s for s in signals if s["status"] == "blocked"]
    assert accepted and blocked
    assert {s["breaker"] for s in blocked} >= {"conf_low_hours"}
    first = accepted[0]
    breakdown = first["breakdown"]
    # three of five layers missing: × 0.7 of the weighted agreement
    assert breakdown["missing_layers"] == 3.0 and breakdown["missing_penalty"] == 0.7
    assert {"onchain_missing", "sentiment_missing", "backtest_missing"} <= set(breakdown)
    assert first["score"] == round(breakdown["confluence_raw"] * 0.7)
    assert breakdown["orderflow_coverage"] == pytest.approx(0.15)  # funding alone
    assert first["tier"] in ("HIGH", "MEDIUM") and "missing layers" in " ".join(first["reasons"])
    # the stop: 1.5 × ATR, at least 0.3 %; the last leg at 4R
    entry, stop = first["entry"], first["stop_loss"]
    risk = abs(entry - stop)
    assert risk / entry * 100 >= 0.3 - 1e-6
    assert abs(first["take_profit"] - entry) == pytest.approx(4.0 * risk, abs=0.02)
    assert "size × 0.5" in first["reason"]  # a score under 75 trades half the risk
    metrics = backtest["metrics"]
    assert isinstance(metrics, dict) and metrics["trades"] > 10
    exits = metrics["exits"]
    assert exits["tp"] > 0 and exits["sl"] > 0 and exits["max_hold"] > 0
    # the backtest score joins once a setup has 5 closed positions: their win rate
    scored = [s for s in signals if "backtest_score" in s["breakdown"]]
    assert scored and all(s["breakdown"]["missing_layers"] == 2.0 for s in scored)
    assert any(reason.startswith("backtest: ") for reason in scored[0]["reasons"])
    # no provider snapshots in this store: layers 3 and 4 are missing for the whole run
    assert [line.split(":")[0] for line in backtest["external_missing"]] == [  # type: ignore[union-attr]
        "onchain",
        "sentiment",
    ]
    simulated = run_simulation(request(OPENED), settings, speed=None)
    for key in ("signals", "trades", "metrics", "degraded", "external_missing"):
        assert simulated[key] == backtest[key], key


def test_a_bar_by_bar_run_gives_the_same_signals(store_dir: Path) -> None:
    settings = make_settings(store_dir, RISK_PER_TRADE_PCT=1.5)
    short = RunRequest(
        "ETHUSDT",
        "confluence_15m",
        "15m",
        START,
        datetime(2025, 6, 6, tzinfo=UTC),
        params=OPENED,
        degraded=True,
        risk=SEED_FLOOR,
    )
    report = check_lookahead(short, settings)
    assert report.clean, report.message


class WithLayers(Confluence15mStrategy):
    """The plugin with layers 3 and 4 and the backtest score given, bullish (as if the
    providers' readings and a setup's history said so)."""

    name = "confluence_with_layers"

    def external_view(self, open_ms: int) -> ExternalView:
        return ExternalView(
            ExternalLayers(
                onchain=LayerReading(90.0, 1.0, ("whale withdrawals",)),
                sentiment=LayerReading(80.0, 0.7),
                backtest=LayerReading(70.0),
                regime="RISK_ON",
            )
        )


def test_with_every_layer_given_the_seed_s_thresholds_are_reached(store_dir: Path) -> None:
    registry = Registry()
    registry.add_module(sys.modules[__name__], "tests/strategies/test_confluence_backtest.py")
    run = RunRequest(
        "ETHUSDT", "confluence_with_layers", "15m", START, END, degraded=True, risk=SEED_FLOOR
    )
    result = run_backtest(run, make_settings(store_dir), registry=registry)
    signals = result["signals"]
    assert isinstance(signals, list) and signals
    assert {s["side"] for s in signals} == {"long"}  # the layers lean long: no short reaches 65
    assert {s["tier"] for s in signals} >= {"HIGH"}
    first = signals[0]["breakdown"]
    assert first["missing_layers"] == 0.0 and first["missing_penalty"] == 1.0
    assert first["regime_modifier"] == 1.1
    assert (first["onchain_score"], first["sentiment_freshness"]) == (90.0, 0.7)
    assert first["sentiment_agreement"] == pytest.approx(71.0)  # 50 + 30 × 0.7
    assert "onchain: whale withdrawals" in signals[0]["reasons"]


class FollowWatcher(Confluence15mStrategy):
    """Records, at each 15m close, the last close it followed on each extra feed."""

    name = "confluence_follow_watcher"
    seen: ClassVar[list[tuple[int, float | None, float | None, float | None, int]]] = []

    def generate_signal(self) -> None:  # type: ignore[override]
        open_ms = int(self.data.open_ms[0])
        m1 = self._m1.closes[-1] if self._m1.closes else None
        type(self).seen.append(
            (open_ms, m1, self._m5.last_close, self._h1.last_close, len(self._m1.closes))
        )


def test_every_extra_bar_is_followed_once_it_has_closed(store_dir: Path) -> None:
    registry = Registry()
    registry.add_module(sys.modules[__name__], "tests/strategies/test_confluence_backtest.py")
    FollowWatcher.seen = []
    end = datetime(2025, 5, 28, tzinfo=UTC)
    run = RunRequest("ETHUSDT", "confluence_follow_watcher", "15m", START, end, degraded=True)
    run_backtest(run, make_settings(store_dir), registry=registry)
    minute = real_klines("ETHUSDT").set_index("open_time")["close"]
    store = CandleStore(store_dir)
    five = store.read("ETHUSDT", "5m", None, None).set_index("open_time")["close"]
    hour = store.read("ETHUSDT", "1h", None, None).set_index("open_time")["close"]
    seen = FollowWatcher.seen
    assert len(seen) == 2 * 96 - 3  # every 15m bar once the 1h feed has a closed bar
    for open_ms, m1, m5, h1, count in seen:
        close_ms = open_ms + 15 * 60_000
        assert m1 == minute[close_ms - 60_000]  # the 1m bar closing with it
        assert m5 == five[close_ms - 5 * 60_000]
        assert h1 == hour[close_ms // 3_600_000 * 3_600_000 - 3_600_000]
        assert count == 60  # the seed's last 60 1m candles
