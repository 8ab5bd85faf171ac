"""Every circuit breaker, hand-computed: blocks exactly at its threshold, releases on time.

Times are bar-clock epoch milliseconds; D0 is 2025-06-17T00:00:00Z.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from scalplab.config import Settings
from scalplab.data.bars import Bar
from scalplab.errors import ConfigError, DataError, InputError
from scalplab.orders.risk import (
    BREAKERS,
    NO_SPREAD_DATA,
    AtrTracker,
    RiskContext,
    RiskDecision,
    RiskEvent,
    RiskGate,
    RiskSettings,
    day_start_ms,
)
from tests.conftest import make_settings, real_klines

MIN = 60_000
HOUR = 3_600_000
DAY = 86_400_000
D0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z


def ctx(**fields: Any) -> RiskContext:
    """A context every breaker lets through; override one field to trip one breaker."""
    base: dict[str, Any] = {
        "symbol": "BTCUSDT",
        "side": "long",
        "reward_risk": 3.5,
        "now_ms": D0 + 10 * HOUR,
        "equity": 10_000.0,
        "day_start_equity": 10_000.0,
        "open_positions": 0,
        "recent_closed": (),
        "entries_last_hour": 0,
        "spread_pct": 0.02,
        "atr": 10.0,
        "atr_avg": 10.0,
    }
    base.update(fields)
    return RiskContext(**base)


def gate(**settings: Any) -> RiskGate:
    return RiskGate(RiskSettings(**settings))


# ----- settings ----------------------------------------------------------------------------


def test_defaults_come_from_the_app_settings() -> None:
    app = Settings(_env_file=None)
    risk = RiskSettings()
    assert risk == RiskSettings.from_settings(app)
    assert (
        risk.min_rr,
        risk.max_open_positions,
        risk.daily_loss_limit_pct,
        risk.loss_streak_limit,
        risk.loss_streak_cooldown_minutes,
        risk.max_trades_per_hour,
        risk.max_spread_pct,
        risk.extreme_volatility_atr_mult,
    ) == (3.0, 5, 2.5, 3, 10, 25, 0.1, 3.0)
    assert all(risk.active(name) for name in BREAKERS)


def test_from_settings_takes_the_configured_limits(tmp_path: Path) -> None:
    app = make_settings(
        tmp_path,
        MIN_RR=2,
        MAX_OPEN_POSITIONS=2,
        DAILY_LOSS_LIMIT_PCT=5,
        LOSS_STREAK_LIMIT=4,
        LOSS_STREAK_COOLDOWN_MINUTES=30,
        MAX_TRADES_PER_HOUR=0,
        MAX_SPREAD_PCT=0.5,
        EXTREME_VOLATILITY_ATR_MULT=4,
    )
    risk = RiskSettings.from_settings(app)
    assert (risk.min_rr, risk.max_open_positions, risk.daily_loss_limit_pct) == (2.0, 2, 5.0)
    assert (risk.loss_streak_limit, risk.loss_streak_cooldown_minutes) == (4, 30)
    assert (risk.max_spread_pct, risk.extreme_volatility_atr_mult) == (0.5, 4.0)
    assert not risk.active("overtrading")  # 0 disables


def test_from_settings_refuses_a_value_out_of_the_gate_bounds(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid risk settings: min_rr"):
        RiskSettings.from_settings(make_settings(tmp_path, MIN_RR=5000))


def test_parse_and_update_are_bounded_and_strict() -> None:
    risk = RiskSettings()
    changed = risk.updated({"max_open_positions": 2, "spread_enabled": False})
    assert (changed.max_open_positions, changed.spread_enabled) == (2, False)
    assert risk.max_open_positions == 5  # the original is untouched (frozen)
    with pytest.raises(InputError, match="max_open_positions: Input should be less than or"):
        risk.updated({"max_open_positions": 1001})
    with pytest.raises(InputError, match="daily_loss_limit_pct: Input should be greater"):
        risk.updated({"daily_loss_limit_pct": -1})
    with pytest.raises(InputError, match="leverage: Extra inputs are not permitted"):
        RiskSettings.parse({"leverage": 5})
    with pytest.raises(InputError, match="must be a JSON object"):
        RiskSettings.parse([1])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="must be a JSON object"):
        risk.updated("x")  # type: ignore[arg-type]
    assert RiskSettings.parse(risk.to_dict()) == risk
    assert json.loads(json.dumps(risk.to_dict())) == risk.to_dict()


def test_fields_are_strict_and_finite() -> None:
    for patch, problem in (
        ({"spread_enabled": "yes"}, "spread_enabled: Input should be a valid boolean"),
        ({"spread_enabled": 0}, "spread_enabled: Input should be a valid boolean"),
        ({"max_open_positions": "3"}, "max_open_positions: Input should be a valid integer"),
        ({"max_open_positions": 2.5}, "max_open_positions: Input should be a valid integer"),
        ({"min_rr": "3"}, "min_rr: Input should be a valid number"),
        ({"min_rr": float("nan")}, "min_rr: must be a finite number"),
        ({"max_spread_pct": float("inf")}, "max_spread_pct: must be a finite number"),
    ):
        with pytest.raises(InputError, match=f"^invalid risk settings: {problem}"):
            RiskSettings().updated(patch)
    assert RiskSettings().updated({"min_rr": 2}).min_rr == 2  # an int is a fine float


def test_active_flags() -> None:
    assert not RiskSettings(spread_enabled=False).active("spread")
    assert not RiskSettings(max_spread_pct=0).active("spread")
    assert not RiskSettings(loss_streak_cooldown_minutes=0).active("loss_streak")
    assert not RiskSettings(min_rr=0).active("min_rr")
    with pytest.raises(InputError, match="unknown breaker 'revenge'"):
        RiskSettings().active("revenge")


# ----- min_rr -------------------------------------------------------------------------------


def test_min_rr_blocks_below_and_passes_at_the_minimum() -> None:
    g = gate()
    assert g.check(ctx(reward_risk=3.0)).allowed
    decision = g.check(ctx(reward_risk=2.99))
    assert decision == RiskDecision(False, "min_rr", "reward/risk 2.99 is below the minimum 3")
    assert g.check(ctx(reward_risk=None)).allowed  # no bracket: not applicable
    assert gate(min_rr_enabled=False).check(ctx(reward_risk=1.0)).allowed
    assert gate(min_rr=0).check(ctx(reward_risk=0.1)).allowed


# ----- max_open_positions ---------------------------------------------------------------


def test_max_open_positions_blocks_at_the_limit() -> None:
    g = gate()
    assert g.check(ctx(open_positions=4)).allowed
    assert g.check(ctx(open_positions=5)) == RiskDecision(
        False, "max_open_positions", "5 open positions reach the limit of 5"
    )
    assert gate(max_open_positions=0).check(ctx(open_positions=50)).allowed
    assert gate(max_open_positions_enabled=False).check(ctx(open_positions=50)).allowed


# ----- daily_loss_limit ---------------------------------------------------------------------


def test_daily_loss_blocks_at_the_limit_until_the_next_utc_day() -> None:
    g = gate()
    # 10 000 → 9 750.01 is a 2.4999 % loss: allowed
    assert g.check(ctx(equity=9_750.01)).allowed
    # 10 000 → 9 750 is exactly 2.5 %: blocked until 2025-06-18T00:00:00Z
    decision = g.check(ctx(equity=9_750.0))
    assert decision == RiskDecision(
        False,
        "daily_loss_limit",
        "equity 9750.00 is down 2.50 % from 10000.00 at the UTC day start (limit 2.5 %); "
        "blocked until 2025-06-18T00:00:00Z",
    )
    # the equity recovers the same day: still blocked
    recovered = g.check(ctx(equity=10_100.0, now_ms=D0 + DAY - 1))
    assert (recovered.allowed, recovered.breaker) == (False, "daily_loss_limit")
    assert recovered.reason == (
        "daily loss limit 2.5 % was reached today; blocked until 2025-06-18T00:00:00Z"
    )
    assert g.blocked_until(D0 + DAY - 1) == {"daily_loss_limit": D0 + DAY}
    # 00:00 UTC next day, with that day's start equity: allowed again
    assert g.check(ctx(equity=9_750.0, day_start_equity=9_750.0, now_ms=D0 + DAY)).allowed
    assert g.blocked_until(D0 + DAY) == {}


def test_daily_loss_disabled_or_without_a_start_equity() -> None:
    assert gate(daily_loss_limit_pct=0).check(ctx(equity=1.0)).allowed
    assert gate(daily_loss_limit_enabled=False).check(ctx(equity=1.0)).allowed
    assert gate().check(ctx(equity=1.0, day_start_equity=0.0)).allowed


def test_day_start_equity_is_the_first_equity_seen_each_utc_day() -> None:
    g = gate()
    assert g.observe_equity(D0 + 5 * MIN, 10_000.0) == 10_000.0
    assert g.observe_equity(D0 + 23 * HOUR, 9_000.0) == 10_000.0
    assert g.observe_equity(D0 + DAY, 9_100.0) == 9_100.0
    assert g.observe_equity(D0 + DAY + HOUR, 9_900.0) == 9_100.0
    assert day_start_ms(D0 + DAY + HOUR) == D0 + DAY


# ----- loss_streak ---------------------------------------------------------------------------


def test_loss_streak_cooldown_starts_at_the_third_loss_and_lasts_ten_minutes() -> None:
    g = gate()
    t3 = D0 + 2 * HOUR
    two = ((t3 - 20 * MIN, -12.0), (t3, -7.5))
    three = ((t3 - 40 * MIN, -3.0), *two)
    assert g.check(ctx(recent_closed=two, now_ms=t3 + MIN)).allowed
    blocked = g.check(ctx(recent_closed=three, now_ms=t3 + MIN))
    assert blocked == RiskDecision(
        False,
        "loss_streak",
        "3 consecutive losing trades (limit 3); cooldown of 10 min until "
        "2025-06-17T02:10:00Z (9m00s left)",
    )
    assert not g.check(ctx(recent_closed=three, now_ms=t3 + 10 * MIN - 1)).allowed
    assert g.check(ctx(recent_closed=three, now_ms=t3 + 10 * MIN)).allowed


def test_a_win_breaks_the_streak_and_a_further_loss_restarts_the_cooldown() -> None:
    g = gate()
    t = D0 + 3 * HOUR
    broken = ((t - 30 * MIN, -1.0), (t - 20 * MIN, -1.0), (t - 10 * MIN, 5.0), (t, -1.0))
    assert g.check(ctx(recent_closed=broken, now_ms=t + MIN)).allowed
    zero = ((t - 30 * MIN, -1.0), (t - 20 * MIN, 0.0), (t, -1.0))  # break-even is no loss
    assert g.check(ctx(recent_closed=zero, now_ms=t + MIN)).allowed
    four = ((t - 30 * MIN, -1.0), (t - 20 * MIN, -1.0), (t - 15 * MIN, -1.0), (t, -1.0))
    decision = g.check(ctx(recent_closed=four, now_ms=t + 2 * MIN))
    assert decision.breaker == "loss_streak"
    assert decision.reason.startswith("4 consecutive losing trades (limit 3)")
    assert g.blocked_until(t + 2 * MIN) == {"loss_streak": t + 10 * MIN}


def test_loss_streak_ignores_trades_closing_after_now_and_can_be_disabled() -> None:
    t = D0 + 3 * HOUR
    three = ((t - 2 * MIN, -1.0), (t - MIN, -1.0), (t + 5 * MIN, -1.0))
    assert gate().check(ctx(recent_closed=three, now_ms=t)).allowed
    losing = ((t - 2 * MIN, -1.0), (t - MIN, -1.0), (t, -1.0))
    assert gate(loss_streak_limit=0).check(ctx(recent_closed=losing, now_ms=t)).allowed
    assert gate(loss_streak_enabled=False).check(ctx(recent_closed=losing, now_ms=t)).allowed
    assert gate(loss_streak_cooldown_minutes=0).check(ctx(recent_closed=losing, now_ms=t)).allowed


# ----- overtrading -----------------------------------------------------------------------------


def test_overtrading_blocks_the_26th_entry_of_the_hour() -> None:
    g = gate()
    assert g.check(ctx(entries_last_hour=24)).allowed
    assert g.check(ctx(entries_last_hour=25)) == RiskDecision(
        False, "overtrading", "25 entries in the last hour reach the limit of 25 per hour"
    )
    assert gate(max_trades_per_hour=0).check(ctx(entries_last_hour=500)).allowed
    assert gate(overtrading_enabled=False).check(ctx(entries_last_hour=500)).allowed


def test_entries_are_counted_over_a_rolling_hour() -> None:
    g = gate(max_trades_per_hour=2)
    t = D0 + 5 * HOUR
    g.record_entry(t)
    g.record_entry(t + 30 * MIN)
    assert g.entries_last_hour(t + 30 * MIN) == 2
    assert not g.check(ctx(entries_last_hour=g.entries_last_hour(t + 59 * MIN))).allowed
    # at t + 60 min the first entry leaves the window (now − 1 h, now]
    assert g.entries_last_hour(t + 60 * MIN) == 1
    assert g.check(ctx(entries_last_hour=g.entries_last_hour(t + 60 * MIN))).allowed
    assert g.entries_last_hour(t + 90 * MIN) == 0


# ----- spread -------------------------------------------------------------------------------


def test_spread_blocks_at_the_limit_and_passes_without_data() -> None:
    g = gate()
    assert g.check(ctx(spread_pct=0.0999)) == RiskDecision(True, None, "")
    assert g.check(ctx(spread_pct=0.1)) == RiskDecision(
        False, "spread", "spread 0.1000 % of BTCUSDT reaches the limit 0.1 %"
    )
    assert g.check(ctx(spread_pct=None)) == RiskDecision(True, None, NO_SPREAD_DATA)
    assert gate(spread_enabled=False).check(ctx(spread_pct=None)) == RiskDecision(True, None, "")
    assert gate(max_spread_pct=0).check(ctx(spread_pct=5.0)).allowed


# ----- extreme_volatility ------------------------------------------------------------------------


def test_extreme_volatility_blocks_at_three_times_the_average_atr() -> None:
    g = gate()
    assert g.check(ctx(atr=29.99, atr_avg=10.0)).allowed
    assert g.check(ctx(atr=30.0, atr_avg=10.0)) == RiskDecision(
        False,
        "extreme_volatility",
        "ATR(14) 30 of BTCUSDT is 3.00× its 20-bar average 10 (limit 3×)",
    )
    assert g.check(ctx(atr=None, atr_avg=None)).allowed  # warming up
    assert g.check(ctx(atr=30.0, atr_avg=0.0)).allowed
    assert gate(extreme_volatility_atr_mult=0).check(ctx(atr=99.0, atr_avg=1.0)).allowed
    assert gate(extreme_volatility_enabled=False).check(ctx(atr=99.0, atr_avg=1.0)).allowed


# ----- the gate as a whole ---------------------------------------------------------------------


def bad_everywhere() -> RiskContext:
    t = D0 + 3 * HOUR
    return ctx(
        reward_risk=1.0,
        open_positions=9,
        equity=5_000.0,
        recent_closed=((t - 2 * MIN, -1.0), (t - MIN, -1.0), (t, -1.0)),
        now_ms=t,
        entries_last_hour=99,
        spread_pct=1.0,
        atr=100.0,
        atr_avg=1.0,
    )


def test_breakers_are_checked_in_order_the_first_decides() -> None:
    settings = RiskSettings()
    seen = []
    for name in BREAKERS:
        decision = RiskGate(settings).check(bad_everywhere())
        assert not decision.allowed
        seen.append(decision.breaker)
        settings = settings.updated({f"{name}_enabled": False})
    assert seen == list(BREAKERS)
    assert RiskGate(settings).check(bad_everywhere()) == RiskDecision(True, None, "")


def test_every_breaker_off_by_a_zero_limit() -> None:
    zeros = RiskSettings(
        min_rr=0,
        max_open_positions=0,
        daily_loss_limit_pct=0,
        loss_streak_limit=0,
        max_trades_per_hour=0,
        max_spread_pct=0,
        extreme_volatility_atr_mult=0,
    )
    assert RiskGate(zeros).check(bad_everywhere()).allowed


def test_reduce_only_orders_are_never_blocked() -> None:
    decision = gate().check(replace(bad_everywhere(), reduce_only=True))
    assert decision == RiskDecision(True, None, "reduce-only orders are not gated")


def test_a_block_becomes_a_risk_event() -> None:
    context = ctx(open_positions=5)
    decision = gate().check(context)
    event = RiskEvent.from_decision(context, decision)
    assert event == RiskEvent(D0 + 10 * HOUR, "BTCUSDT", "max_open_positions", decision.reason)
    assert event.to_dict() == {
        "time_ms": D0 + 10 * HOUR,
        "time": "2025-06-17T10:00:00Z",
        "symbol": "BTCUSDT",
        "breaker": "max_open_positions",
        "reason": "5 open positions reach the limit of 5",
    }
    assert decision.to_dict() == {
        "allowed": False,
        "breaker": "max_open_positions",
        "reason": "5 open positions reach the limit of 5",
    }
    with pytest.raises(InputError, match="only a blocking risk decision"):
        RiskEvent.from_decision(context, RiskDecision(True, None, ""))


def test_state_survives_a_restart() -> None:
    g = gate(max_trades_per_hour=3)
    t = D0 + 3 * HOUR
    losing = ((t - 2 * MIN, -1.0), (t - MIN, -1.0), (t, -1.0))
    assert not g.check(ctx(recent_closed=losing, now_ms=t)).allowed
    assert not g.check(ctx(equity=9_000.0, now_ms=t)).allowed
    g.observe_equity(t, 10_000.0)
    g.record_entry(t - 30 * MIN)
    g.record_entry(t - 10 * MIN)
    state = json.loads(json.dumps(g.state()))
    restored = RiskGate.from_state(g.settings, state)
    assert restored.state() == g.state()
    # the trips hold without the trades that caused them
    assert restored.check(ctx(now_ms=t + 5 * MIN)).breaker == "daily_loss_limit"
    assert restored.blocked_until(t + 5 * MIN) == {
        "daily_loss_limit": D0 + DAY,
        "loss_streak": t + 10 * MIN,
    }
    assert restored.entries_last_hour(t) == 2
    assert restored.observe_equity(t + HOUR, 1.0) == 10_000.0


@pytest.mark.parametrize(
    "state",
    [
        {},
        {"version": 2},
        {
            "version": 1,
            "daily_block_until_ms": "soon",
            "streak_block_until_ms": None,
            "day_ms": None,
            "day_start_equity": None,
            "entries_ms": [],
        },
        "not a dict",
    ],
)
def test_malformed_gate_state(state: Any) -> None:
    with pytest.raises(DataError, match="malformed risk gate state"):
        RiskGate.from_state(RiskSettings(), state)


# ----- ATR tracker ----------------------------------------------------------------------------


def bar(i: int, high: float, low: float, close: float) -> Bar:
    return Bar(D0 + i * MIN, close, high, low, close)


def test_atr_by_hand() -> None:
    tracker = AtrTracker(period=3, window=2)
    # true ranges: 2 (first bar: high − low), 2, 3 → first ATR = 7/3
    assert tracker.update("X", bar(0, 10, 8, 9)) is None
    assert tracker.update("X", bar(1, 11, 9, 10)) is None
    assert tracker.update("X", bar(2, 12, 9, 11)) == pytest.approx(7 / 3)
    assert tracker.atr_avg("X") is None
    # TR max(3, |13 − 11|, |10 − 11|) = 3 → ATR (7/3 × 2 + 3) / 3 = 23/9
    assert tracker.update("X", bar(3, 13, 10, 12)) == pytest.approx(23 / 9)
    assert tracker.atr_avg("X") is None  # one earlier ATR, the window needs two
    # a gap: TR max(10, |30 − 12|, |20 − 12|) = 18 → ATR (23/9 × 2 + 18) / 3 = 208/27
    assert tracker.update("X", bar(4, 30, 20, 25)) == pytest.approx(208 / 27)
    # average of the two ATRs before it: (7/3 + 23/9) / 2 = 22/9; ratio 208/66 ≈ 3.15
    assert tracker.atr_avg("X") == pytest.approx(22 / 9)
    context = ctx(atr=tracker.atr("X"), atr_avg=tracker.atr_avg("X"))
    decision = RiskGate(RiskSettings(atr_period=3, atr_average_window=2)).check(context)
    assert decision.breaker == "extreme_volatility"
    assert "3.15×" in decision.reason
    # a repeated bar (same open time) is ignored
    assert tracker.update("X", bar(4, 99, 1, 50)) == pytest.approx(208 / 27)
    assert tracker.atr("unknown") is None
    assert tracker.atr_avg("unknown") is None


def real_bars(count: int) -> list[Bar]:
    frame = real_klines("BTCUSDT").iloc[:count]
    rows: list[Any] = list(frame.itertuples())
    return [
        Bar(int(r.open_time), float(r.open), float(r.high), float(r.low), float(r.close))
        for r in rows
    ]


def test_atr_on_real_bars_restarts_exactly() -> None:
    bars = real_bars(600)
    whole = AtrTracker()
    for b in bars:
        whole.update("BTCUSDT", b)
    first = AtrTracker()
    for b in bars[:250]:
        first.update("BTCUSDT", b)
    resumed = AtrTracker.from_state(json.loads(json.dumps(first.state())))
    for b in bars[200:]:  # the overlap is skipped, as after a restart
        resumed.update("BTCUSDT", b)
    assert resumed.atr("BTCUSDT") == whole.atr("BTCUSDT")
    assert resumed.atr_avg("BTCUSDT") == whole.atr_avg("BTCUSDT")
    atr, avg = whole.atr("BTCUSDT"), whole.atr_avg("BTCUSDT")
    assert atr is not None and avg is not None
    # a calm stretch of real 1m BTC bars: ATR within a few dollars of its recent average
    assert 0 < atr < 500
    assert 0.3 < atr / avg < 3.0
    assert RiskGate().check(ctx(atr=atr, atr_avg=avg)).allowed


def test_atr_tracker_state_is_validated() -> None:
    with pytest.raises(InputError, match="must be >= 1"):
        AtrTracker(period=0)
    with pytest.raises(DataError, match="malformed ATR tracker state"):
        AtrTracker.from_state({"period": 14})
    partial = AtrTracker(period=3, window=2)
    partial.update("X", bar(0, 10, 8, 9))
    restored = AtrTracker.from_state(partial.state())
    assert restored.update("X", bar(1, 11, 9, 10)) is None
    assert restored.update("X", bar(2, 12, 9, 11)) == pytest.approx(7 / 3)
