"""The nine circuit breakers of seed 002 §9 (and the §8 sizing and heat rules) as
`confluence_15m` declares them, each through the risk gate on the bar clock,
hand-computed. The platform's own breakers are off (the research switch): the
strategy's bind whatever the settings. D0 is 2025-06-17T00:00:00Z; T = D0 + 10 h.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from scalplab.data.providers.asof import LiveReadings, RunReadings
from scalplab.data.providers.reading import ProviderReading
from scalplab.orders.risk import RiskContext, RiskDecision, RiskGate, RiskSettings
from scalplab.orders.risk_records import OpenBook
from scalplab.strategies.breakers import (
    Breaker,
    BreakerInputs,
    BreakerWatch,
    ExternalChange,
    FeedChange,
)
from scalplab.strategies.confluence_15m import BTC_FEED, Confluence15mStrategy

SEC, MIN, HOUR, DAY = 1000, 60_000, 3_600_000, 86_400_000
D0 = 1_750_118_400_000
T = D0 + 10 * HOUR
OFF = RiskSettings(min_rr=2.0).without_breakers()  # the seed's floor: 2.4R passes
NAME = "confluence_15m"
BREAKERS = {breaker.name: breaker for breaker in Confluence15mStrategy.breakers}


def declared(*names: str) -> tuple[Breaker, ...]:
    return tuple(BREAKERS[name] for name in names)


def ctx(
    *names: str,
    now: int = T,
    symbol: str = "ETHUSDT",
    side: str = "long",
    score: float | None = 70.0,
    moves: tuple[FeedChange, ...] = (),
    external: tuple[ExternalChange, ...] = (),
    **fields: Any,
) -> RiskContext:
    base: dict[str, Any] = {"reward_risk": 2.4, "equity": 10_000.0, "open_positions": 0}
    base.update(fields)
    inputs = BreakerInputs(declared(*names), (), moves, external)
    return RiskContext(symbol, NAME, side, now_ms=now, score=score, declared=inputs, **base)


def blocked(decision: RiskDecision) -> tuple[str | None, str, str, int | None]:
    assert not decision.allowed
    return decision.breaker, decision.scope, decision.effect, decision.until_ms


def test_the_plugin_declares_the_nine_breakers_and_the_sizing_rules_in_order() -> None:
    assert list(BREAKERS) == [
        "conf_revenge",
        "conf_overtrading",
        "conf_daily_drawdown",
        "conf_win_streak",
        "conf_correlation",
        "conf_low_hours",
        "conf_max_positions",
        "conf_volatility",
        "conf_macro_danger",
        "conf_macro_spx",
        "conf_macro_dxy",
        "conf_size_75_85",
        "conf_size_0_75",
        "conf_heat",
    ]


def test_1_revenge_blocks_the_symbol_for_900_s_after_a_stop_loss() -> None:
    gate = RiskGate(OFF)
    gate.record_close(T, "ETHUSDT", NAME, -40.0, "sl", flat=True)
    decision = gate.check(ctx("conf_revenge", now=T + 899 * SEC))
    assert blocked(decision) == ("conf_revenge", "symbol", "block_signal", T + 900 * SEC)
    assert decision.reason.startswith(
        "a stop-loss of symbol ETHUSDT filled in the bar of 2025-06-17T10:00:00Z, 899 s ago, "
        "within the cooldown of 900 s"
    )
    assert gate.check(ctx("conf_revenge", now=T + 900 * SEC)).allowed
    assert gate.check(ctx("conf_revenge", now=T + SEC, symbol="SOLUSDT")).allowed
    gate.record_close(T + HOUR, "ETHUSDT", NAME, 80.0, "tp", flat=True)  # a target: no cooldown
    assert gate.check(ctx("conf_revenge", now=T + HOUR)).allowed


def test_2_overtrading_ten_entries_in_the_rolling_hour() -> None:
    gate = RiskGate(OFF)
    for i in range(10):
        gate.record_entry(T + i * 5 * MIN, f"S{i}USDT", NAME)
    decision = gate.check(ctx("conf_overtrading", now=T + 50 * MIN))
    assert blocked(decision) == ("conf_overtrading", "strategy", "block_signal", T + HOUR)
    assert gate.check(ctx("conf_overtrading", now=T + HOUR)).allowed  # the first one left


def test_3_daily_drawdown_pauses_every_entry_until_a_person_resumes() -> None:
    gate = RiskGate(OFF)
    gate.on_bar(D0, lambda: 10_000.0)  # the UTC day's start equity
    assert gate.check(ctx("conf_daily_drawdown", equity=9_500.01)).allowed  # −4.9999 %
    decision = gate.check(ctx("conf_daily_drawdown", equity=9_500.0))  # −5 %
    assert blocked(decision) == ("conf_daily_drawdown", "global", "pause", None)
    assert decision.reason.startswith(
        "equity 9500.00 is down 5.00 % from 10000.00 at the UTC day start (limit 5 %)"
    )
    later = gate.check(ctx(now=D0 + DAY + HOUR, equity=10_500.0))  # a new day, any signal
    assert later.breaker == "conf_daily_drawdown" and "until trading is resumed" in later.reason
    assert gate.resume() is not None
    assert gate.check(ctx(now=D0 + DAY + HOUR, equity=10_500.0)).allowed


def test_4_a_win_streak_of_five_halves_the_size() -> None:
    gate = RiskGate(OFF)
    for i in range(4):
        gate.record_close(T - (5 - i) * HOUR, "ETHUSDT", NAME, 10.0, "tp", flat=True)
    assert gate.check(ctx("conf_win_streak", score=None)).scale is None
    gate.record_close(T - 30 * MIN, "SOLUSDT", NAME, 25.0, "tp", flat=False)  # leg of a win
    gate.record_close(T - 20 * MIN, "SOLUSDT", NAME, -5.0, "sl", flat=True)  # +20 overall
    decision = gate.check(ctx("conf_win_streak", score=None))
    assert decision.allowed and decision.scale is not None
    assert (decision.scale.factor, decision.scale.breakers) == (0.5, ("conf_win_streak",))
    assert decision.scale.reason == (
        "conf_win_streak: the last 5 closed positions of strategy confluence_15m all won "
        "(limit 5); size × 0.5"
    )
    gate.record_close(T - 10 * MIN, "ETHUSDT", NAME, -1.0, "max_hold", flat=True)
    assert gate.check(ctx("conf_win_streak", score=None)).scale is None


def hourly(gate: RiskGate, symbol: str, returns: list[float], start: float = 100.0) -> None:
    """Hourly closes of `symbol` from D0 on: `start`, then each return in turn."""
    price = start
    gate.record_bar(symbol, D0, price)
    for hour, change in enumerate(returns, start=1):
        price *= 1 + change
        gate.record_bar(symbol, D0 + hour * HOUR, price)


def test_5_correlation_with_an_open_same_side_position() -> None:
    gate = RiskGate(OFF)
    moves = [0.01, -0.02, 0.015, -0.005, 0.02, -0.01] * 5  # 30 hourly returns
    hourly(gate, "ETHUSDT", moves)
    hourly(gate, "SOLUSDT", [2 * r for r in moves], start=150.0)  # correlation 1
    hourly(gate, "XRPUSDT", [-r for r in moves], start=2.0)  # correlation −1
    now = D0 + 32 * HOUR  # hours 1..30 completed before it
    sol = OpenBook("SOLUSDT", "other", "long", 50.0)
    decision = gate.check(ctx("conf_correlation", now=now, open_books=(sol,)))
    assert blocked(decision)[:2] == ("conf_correlation", "global")
    assert decision.reason.startswith(
        "ETHUSDT correlates 1.00 with the open long of SOLUSDT (other) over 30 hourly returns "
        "(limit 0.85)"
    )
    assert gate.check(ctx("conf_correlation", now=now, side="short", open_books=(sol,))).allowed
    xrp = OpenBook("XRPUSDT", "other", "long", 50.0)
    assert gate.check(ctx("conf_correlation", now=now, open_books=(xrp,))).allowed
    # fewer than 24 common hours: not measured
    assert gate.check(ctx("conf_correlation", now=D0 + 20 * HOUR, open_books=(sol,))).allowed


@pytest.mark.parametrize(
    ("hour", "score", "allowed"),
    [(4, 69.9, False), (4, 70.0, True), (7, 69.0, False), (8, 66.0, True), (23, 65.0, False)],
)
def test_6_low_quality_hours_raise_the_score_needed_by_5(
    hour: int, score: float, allowed: bool
) -> None:
    decision = RiskGate(OFF).check(ctx("conf_low_hours", now=D0 + hour * HOUR, score=score))
    assert decision.allowed is allowed
    if not allowed:
        assert decision.breaker == "conf_low_hours"
        assert decision.reason.endswith("is under the raised threshold 65 + 5")


def test_7_five_open_positions_block_the_sixth() -> None:
    books = tuple(OpenBook(f"S{i}USDT", NAME, "long", 10.0) for i in range(5))
    decision = RiskGate(OFF).check(ctx("conf_max_positions", open_books=books))
    assert blocked(decision)[0] == "conf_max_positions"
    assert decision.reason.startswith("5 open positions of all books reach the limit of 5")
    assert RiskGate(OFF).check(ctx("conf_max_positions", open_books=books[:4])).allowed


def test_8_extreme_volatility_is_an_atr_over_three_times_its_mean() -> None:
    decision = RiskGate(OFF).check(ctx("conf_volatility", atr=3.1, atr_avg=1.0))
    assert blocked(decision)[:2] == ("conf_volatility", "symbol")
    assert decision.reason.startswith("ATR 3.1 of ETHUSDT is 3.10× its recent average 1")
    assert RiskGate(OFF).check(ctx("conf_volatility", atr=3.0, atr_avg=1.0)).allowed  # "> 3×"
    assert RiskGate(OFF).check(ctx("conf_volatility", atr=9.0, atr_avg=None)).allowed


def test_9_macro_danger_btc_moving_5_pct_in_an_hour_pauses_entries_for_an_hour() -> None:
    gate = RiskGate(OFF)
    calm = (FeedChange(BTC_FEED, 4, 5.0),)
    assert gate.check(ctx("conf_macro_danger", moves=calm)).allowed  # not over 5 %
    crash = (FeedChange(BTC_FEED, 4, -5.2),)
    decision = gate.check(ctx("conf_macro_danger", moves=crash))
    assert blocked(decision) == ("conf_macro_danger", "global", "pause_until", T + HOUR)
    assert decision.reason.startswith(
        "feed BTCUSDT:15m moved -5.20 % over the last 60 min (limit ±5 %)"
    )
    assert not gate.check(ctx(now=T + 59 * MIN, symbol="SOLUSDT")).allowed  # paused
    assert gate.check(ctx(now=T + HOUR, symbol="SOLUSDT")).allowed


def macro(fetched: int, spx: float, dxy: float) -> ProviderReading:
    return ProviderReading(
        "macro", "macro", fetched, "http://stooq/q/l/",
        metrics={"spx.close": spx, "dxy.close": dxy}, observed_at=fetched - MIN,
    )  # fmt: skip


def macro_inputs(*readings: ProviderReading, open_ms: int = T - 15 * MIN) -> BreakerInputs:
    """What the plugin hands the gate at the close T of its 15m bar, the macro readings
    polled (or recorded) as given."""
    live = LiveReadings()
    live.extend(readings)
    watch = BreakerWatch(Confluence15mStrategy.breakers, Confluence15mStrategy.feeds)
    external = RunReadings(live, 15 * MIN, ("whale_alert", "fear_greed", "macro"))
    return watch.inputs([[] for _ in range(5)], open_ms, external)  # no BTC bars: no BTC move


def test_9_macro_danger_also_watches_the_s_and_p_and_the_dxy_over_an_hour() -> None:
    # §9: S&P 500 down more than 2 % or DXY up more than 1 % in an hour pauses every entry
    # for an hour. At the close T: 6000 → 5868 is −2.20 %, 98.0 → 98.5 is +0.5102 %.
    hour_ago, now = macro(T - 62 * MIN, 6000.0, 98.0), macro(T - 2 * MIN, 5868.0, 98.5)
    after_close = macro(T + MIN, 5000.0, 120.0)  # fetched after the close: never used
    inputs = macro_inputs(hour_ago, now, after_close)
    spx = inputs.external("macro", "spx.close", 60)
    dxy = inputs.external("macro", "dxy.close", 60)
    assert spx is not None and spx.change_pct == pytest.approx(-2.2)
    assert dxy is not None and dxy.change_pct == pytest.approx(0.5 / 98.0 * 100)
    gate = RiskGate(OFF)
    context = RiskContext("ETHUSDT", NAME, "long", now_ms=T - 15 * MIN, score=70.0,
                          declared=inputs, reward_risk=2.4, equity=10_000.0,
                          open_positions=0)  # fmt: skip
    decision = gate.check(context)
    assert blocked(decision) == ("conf_macro_spx", "global", "pause_until", T - 15 * MIN + HOUR)
    assert decision.reason.startswith(
        "macro spx.close moved -2.20 % over the last 60 min (limit −2 %)"
    )
    # 5890 is −1.83 % (under 2 %), 99.0 is +1.0204 % (over 1 %): the DXY trips
    calm_spx = macro_inputs(hour_ago, macro(T - 2 * MIN, 5890.0, 99.0))
    decision = RiskGate(OFF).check(replace(context, declared=calm_spx))
    assert blocked(decision)[0] == "conf_macro_dxy"
    assert "dxy.close moved +1.02 % over the last 60 min (limit +1 %)" in decision.reason
    # a rise of the S&P and a fall of the DXY never trip, however large
    rally = macro_inputs(hour_ago, macro(T - 2 * MIN, 6300.0, 90.0))
    assert RiskGate(OFF).check(replace(context, declared=rally)).allowed
    # no reading fetched within the hour before the close: nothing is known, nothing trips
    stale = macro_inputs(hour_ago, macro(T - 61 * MIN, 5000.0, 120.0))
    assert stale.external("macro", "spx.close", 60).change_pct is None  # type: ignore[union-attr]
    assert RiskGate(OFF).check(replace(context, declared=stale)).allowed
    # without readings (no provider in this run) the breaker watches nothing
    assert macro_inputs().external("macro", "dxy.close", 60).change_pct is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("score", "factor"), [(90.0, None), (85.0, None), (80.0, 0.75), (70.0, 0.5)]
)
def test_the_score_bands_size_the_entry(score: float, factor: float | None) -> None:
    decision = RiskGate(OFF).check(ctx("conf_size_75_85", "conf_size_0_75", score=score))
    assert decision.allowed
    assert (None if decision.scale is None else decision.scale.factor) == factor


def test_the_heat_cap_of_6_pct_after_the_size_scales() -> None:
    books = (OpenBook("BTCUSDT", "other", "long", 450.0),)  # 4.5 % of 10 000
    names = ("conf_size_75_85", "conf_size_0_75", "conf_heat")
    # score 90: full size, 1.5 % → exactly 6 %: allowed as it is
    full = RiskGate(OFF).check(ctx(*names, score=90.0, entry_risk=150.0, open_books=books))
    assert full.allowed and full.scale is None
    # score 70: × 0.5 → 2 % of 4 % sized; 4.5 + 2 > 6: shrunk to 1.5 / 2
    shrunk = RiskGate(OFF).check(ctx(*names, score=70.0, entry_risk=400.0, open_books=books))
    assert shrunk.scale is not None
    assert shrunk.scale.factor == pytest.approx(0.375)
    assert shrunk.scale.breakers == ("conf_size_0_75", "conf_heat")
    hot = (OpenBook("BTCUSDT", "other", "long", 520.0),)  # 5.2 %: 0.8 % left < 1 %
    refused = RiskGate(OFF).check(ctx(*names, score=90.0, entry_risk=150.0, open_books=hot))
    assert blocked(refused)[0] == "conf_heat"
