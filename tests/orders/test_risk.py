"""Every circuit breaker, hand-computed: blocks exactly at its threshold, releases on time.

Times are bar-clock epoch milliseconds; D0 is 2025-06-17T00:00:00Z. What the gate has
seen before a decision (the UTC day's start equity, accepted entries, closed trades) it
keeps itself: tests feed it through `on_bar`, `record_entry` and `record_trade`, as the
order pipeline does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from scalplab.config import Settings
from scalplab.errors import ConfigError, DataError, InputError
from scalplab.orders.risk import (
    BREAKERS,
    NO_SPREAD_DATA,
    RiskContext,
    RiskDecision,
    RiskEvent,
    RiskGate,
    RiskSettings,
    day_start_ms,
)
from tests.conftest import make_settings

MIN = 60_000
HOUR = 3_600_000
DAY = 86_400_000
D0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z


def ctx(**fields: Any) -> RiskContext:
    """A context every breaker lets through; override one field to trip one breaker."""
    base: dict[str, Any] = {
        "symbol": "BTCUSDT",
        "strategy": "smc",
        "side": "long",
        "reward_risk": 3.5,
        "now_ms": D0 + 10 * HOUR,
        "equity": 10_000.0,
        "open_positions": 0,
        "spread_pct": 0.02,
        "atr": 10.0,
        "atr_avg": 10.0,
    }
    base.update(fields)
    return RiskContext(**base)


def gate(
    day_start_equity: float | None = 10_000.0,
    trades: Iterable[tuple[int, float]] = (),
    entries: Iterable[int] = (),
    **settings: Any,
) -> RiskGate:
    """A gate that has seen D0's first bar at `day_start_equity`, then `trades` closed
    `(exit_ms, pnl)` and entries accepted at `entries`."""
    g = RiskGate(RiskSettings(**settings))
    if day_start_equity is not None:
        g.on_bar(D0, lambda: day_start_equity)
    for exit_ms, pnl in trades:
        g.record_trade(exit_ms, pnl)
    for moment in entries:
        g.record_entry(moment)
    return g


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
    assert RiskSettings().active_breakers() == list(BREAKERS)
    assert RiskSettings(spread_enabled=False, max_trades_per_hour=0).active_breakers() == [
        "min_rr",
        "max_open_positions",
        "daily_loss_limit",
        "loss_streak",
        "extreme_volatility",
    ]


def test_without_breakers_is_the_research_switch_and_keeps_min_rr() -> None:
    tight = RiskSettings(min_rr=2.5, max_open_positions=1, daily_loss_limit_pct=0.1)
    off = tight.without_breakers()
    assert off.active_breakers() == ["min_rr"] and off.min_rr == 2.5
    # the limits stay as they were: switching a breaker back on restores it
    assert off.max_open_positions == 1 and off.updated({"max_open_positions_enabled": True})
    assert RiskGate(off).check(bad_everywhere()) == RiskDecision(
        False, "min_rr", "reward/risk 1.00 is below the minimum 2.5"
    )
    assert RiskSettings(min_rr_enabled=False).without_breakers().active_breakers() == []


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
    # 00:00 UTC next day: the first equity of that day (9 750) is its start, allowed again
    assert g.check(ctx(equity=9_750.0, now_ms=D0 + DAY)).allowed
    assert g.blocked_until(D0 + DAY) == {}


def test_daily_loss_disabled_or_without_a_start_equity() -> None:
    assert gate(daily_loss_limit_pct=0).check(ctx(equity=1.0)).allowed
    assert gate(daily_loss_limit_enabled=False).check(ctx(equity=1.0)).allowed
    assert gate(day_start_equity=0.0).check(ctx(equity=1.0)).allowed
    # a gate that saw no bar of the day takes the equity it is asked about as the start
    assert gate(day_start_equity=None).check(ctx(equity=1.0)).allowed


def test_day_start_equity_is_the_equity_before_the_first_bar_of_each_utc_day() -> None:
    g = RiskGate()
    asked: list[int] = []

    def equity(value: float) -> Any:
        def read() -> float:
            asked.append(1)
            return value

        return read

    g.on_bar(D0 + 5 * MIN, equity(10_000.0))
    g.on_bar(D0 + 23 * HOUR, equity(9_000.0))  # same day: not even read
    assert g.day_start_equity(D0 + 23 * HOUR, 1.0) == 10_000.0
    g.on_bar(D0 + DAY, equity(9_100.0))
    g.on_bar(D0 + DAY + HOUR, equity(9_900.0))
    assert g.day_start_equity(D0 + DAY + HOUR, 1.0) == 9_100.0
    assert len(asked) == 2
    # an older bar (a second book lagging behind) does not move the day back
    g.on_bar(D0 + 10 * HOUR, equity(1.0))
    assert g.day_start_equity(D0 + DAY + 2 * HOUR, 1.0) == 9_100.0
    assert day_start_ms(D0 + DAY + HOUR) == D0 + DAY


# ----- loss_streak ---------------------------------------------------------------------------


def test_loss_streak_cooldown_starts_at_the_third_loss_and_lasts_ten_minutes() -> None:
    t3 = D0 + 2 * HOUR
    two = ((t3 - 20 * MIN, -12.0), (t3, -7.5))
    three = ((t3 - 40 * MIN, -3.0), *two)
    assert gate(trades=two).check(ctx(now_ms=t3 + MIN)).allowed
    g = gate(trades=three)
    blocked = g.check(ctx(now_ms=t3 + MIN))
    assert blocked == RiskDecision(
        False,
        "loss_streak",
        "3 consecutive losing trades (limit 3); cooldown of 10 min until "
        "2025-06-17T02:10:00Z (9m00s left)",
    )
    assert not g.check(ctx(now_ms=t3 + 10 * MIN - 1)).allowed
    assert g.check(ctx(now_ms=t3 + 10 * MIN)).allowed


def test_a_win_breaks_the_streak_and_a_further_loss_restarts_the_cooldown() -> None:
    t = D0 + 3 * HOUR
    broken = ((t - 30 * MIN, -1.0), (t - 20 * MIN, -1.0), (t - 10 * MIN, 5.0), (t, -1.0))
    assert gate(trades=broken).check(ctx(now_ms=t + MIN)).allowed
    zero = ((t - 30 * MIN, -1.0), (t - 20 * MIN, 0.0), (t, -1.0))  # break-even is no loss
    assert gate(trades=zero).check(ctx(now_ms=t + MIN)).allowed
    g = gate(trades=((t - 30 * MIN, -1.0), (t - 20 * MIN, -1.0), (t - 15 * MIN, -1.0)))
    assert g.blocked_until(t - 14 * MIN) == {}  # nothing is tripped until a check
    assert not g.check(ctx(now_ms=t - 14 * MIN)).allowed
    assert g.blocked_until(t - 14 * MIN) == {"loss_streak": t - 5 * MIN}  # third loss + 10 min
    assert g.check(ctx(now_ms=t - 5 * MIN)).allowed
    g.record_trade(t, -1.0)  # a fourth loss restarts the cooldown from its exit
    decision = g.check(ctx(now_ms=t + 2 * MIN))
    assert decision.breaker == "loss_streak"
    assert decision.reason.startswith("4 consecutive losing trades (limit 3)")
    assert g.blocked_until(t + 2 * MIN) == {"loss_streak": t + 10 * MIN}


def test_loss_streak_ignores_trades_closing_after_now_and_can_be_disabled() -> None:
    t = D0 + 3 * HOUR
    three = ((t - 2 * MIN, -1.0), (t - MIN, -1.0), (t + 5 * MIN, -1.0))
    assert gate(trades=three).check(ctx(now_ms=t)).allowed
    losing = ((t - 2 * MIN, -1.0), (t - MIN, -1.0), (t, -1.0))
    assert gate(trades=losing, loss_streak_limit=0).check(ctx(now_ms=t)).allowed
    assert gate(trades=losing, loss_streak_enabled=False).check(ctx(now_ms=t)).allowed
    assert gate(trades=losing, loss_streak_cooldown_minutes=0).check(ctx(now_ms=t)).allowed
    # the gate keeps the latest 1000 closed trades: enough for the largest limit
    many = gate(trades=[(t - MIN, -1.0)] * 1200, loss_streak_limit=1000)
    decision = many.check(ctx(now_ms=t))
    assert decision.reason.startswith("1000 consecutive losing trades (limit 1000)")


# ----- overtrading -----------------------------------------------------------------------------


def test_overtrading_blocks_the_26th_entry_of_the_hour() -> None:
    now = D0 + 10 * HOUR
    minutes = [now - m * 2 * MIN for m in range(24, -1, -1)]  # 25 entries, 2 min apart
    assert gate(entries=minutes[1:]).check(ctx(now_ms=now)).allowed  # 24
    assert gate(entries=minutes).check(ctx(now_ms=now)) == RiskDecision(
        False, "overtrading", "25 entries in the last hour reach the limit of 25 per hour"
    )
    assert gate(entries=[now] * 500, max_trades_per_hour=0).check(ctx(now_ms=now)).allowed
    assert gate(entries=[now] * 500, overtrading_enabled=False).check(ctx(now_ms=now)).allowed


def test_entries_are_counted_over_a_rolling_hour() -> None:
    t = D0 + 5 * HOUR
    g = gate(entries=(t, t + 30 * MIN), max_trades_per_hour=2)
    assert g.entries_last_hour(t + 30 * MIN) == 2
    assert not g.check(ctx(now_ms=t + 59 * MIN)).allowed
    # at t + 60 min the first entry leaves the window (now − 1 h, now]
    assert g.entries_last_hour(t + 60 * MIN) == 1
    assert g.check(ctx(now_ms=t + 60 * MIN)).allowed
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


BAD_T = D0 + 3 * HOUR


def bad_everywhere() -> RiskContext:
    """Trips every breaker of a `bad_gate`."""
    return ctx(
        reward_risk=1.0,
        open_positions=9,
        equity=5_000.0,
        now_ms=BAD_T,
        spread_pct=1.0,
        atr=100.0,
        atr_avg=1.0,
    )


def bad_gate(settings: RiskSettings) -> RiskGate:
    """A gate that saw a day start at 10 000, three losses and 99 entries this hour."""
    g = RiskGate(settings)
    g.on_bar(D0, lambda: 10_000.0)
    for exit_ms in (BAD_T - 2 * MIN, BAD_T - MIN, BAD_T):
        g.record_trade(exit_ms, -1.0)
    for _ in range(99):
        g.record_entry(BAD_T - MIN)
    return g


def test_breakers_are_checked_in_order_the_first_decides() -> None:
    settings = RiskSettings()
    seen = []
    for name in BREAKERS:
        decision = bad_gate(settings).check(bad_everywhere())
        assert not decision.allowed
        seen.append(decision.breaker)
        settings = settings.updated({f"{name}_enabled": False})
    assert seen == list(BREAKERS)
    assert bad_gate(settings).check(bad_everywhere()) == RiskDecision(True, None, "")


def test_settings_are_read_at_each_check() -> None:
    g = bad_gate(RiskSettings().without_breakers())
    assert g.check(bad_everywhere()).breaker == "min_rr"
    g.settings = g.settings.updated({"min_rr": 1.0})  # changed at run time
    assert g.check(bad_everywhere()).allowed
    g.settings = g.settings.updated({"overtrading_enabled": True})
    assert g.check(bad_everywhere()).breaker == "overtrading"


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
    assert bad_gate(zeros).check(bad_everywhere()).allowed


def test_reduce_only_orders_are_never_blocked() -> None:
    decision = bad_gate(RiskSettings()).check(replace(bad_everywhere(), reduce_only=True))
    assert decision == RiskDecision(True, None, "reduce-only orders are not gated")


def test_a_block_becomes_a_risk_event_of_its_book() -> None:
    context = ctx(open_positions=5)
    decision = gate().check(context)
    event = RiskEvent.from_decision(context, decision)
    assert event == RiskEvent(
        D0 + 10 * HOUR,
        "BTCUSDT",
        "smc",
        "max_open_positions",
        decision.reason,
        code="max_open_positions",
        params={"open": 5, "limit": 5},
    )
    assert decision.to_dict() == {
        "allowed": False,
        "breaker": "max_open_positions",
        "reason": "5 open positions reach the limit of 5",
    }
    with pytest.raises(InputError, match="only a blocking risk decision"):
        RiskEvent.from_decision(context, RiskDecision(True, None, ""))


def test_state_survives_a_restart() -> None:
    t = D0 + 3 * HOUR
    losing = ((t - 2 * MIN, -1.0), (t - MIN, -1.0), (t, -1.0))
    g = gate(trades=losing, entries=(t - 30 * MIN, t - 10 * MIN), max_trades_per_hour=3)
    assert g.check(ctx(now_ms=t)).breaker == "loss_streak"
    assert g.check(ctx(equity=9_000.0, now_ms=t)).breaker == "daily_loss_limit"
    state = json.loads(json.dumps(g.state()))
    restored = RiskGate.from_state(g.settings, state)
    assert restored.state() == g.state()
    assert state["recent_trades"] == [list(trade) for trade in losing]
    # the trips hold (and the closed trades are back for the next streak)
    assert restored.check(ctx(now_ms=t + 5 * MIN)).breaker == "daily_loss_limit"
    assert restored.blocked_until(t + 5 * MIN) == {
        "daily_loss_limit": D0 + DAY,
        "loss_streak": t + 10 * MIN,
    }
    assert restored.entries_last_hour(t) == 2
    assert restored.day_start_equity(t + HOUR, 1.0) == 10_000.0
    # state written before the gate kept its trades (version 1) still loads
    old = {key: value for key, value in state.items() if key != "recent_trades"}
    older = RiskGate.from_state(g.settings, {**old, "version": 1})
    assert older.blocked_until(t) == restored.blocked_until(t)
    assert older.state()["recent_trades"] == []


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
    g = gate()
    before = g.state()
    with pytest.raises(DataError):
        g.load_state(state)
    assert g.state() == before  # nothing changed
