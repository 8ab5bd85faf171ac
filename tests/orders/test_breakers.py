"""Strategy-declared breakers on the risk gate, hand-computed on the bar clock.

Each effect, each scope and each reset at its exact boundary; the audit fields of every
block; the state across a restart (also from the version before strategy breakers).
The platform breakers are off (the research switch) so only the declared ones decide:
they are part of the strategy and bind whatever the settings. D0 is
2025-06-17T00:00:00Z; T = D0 + 10 h.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from scalplab.errors import DataError
from scalplab.orders.halt import HaltState, HaltSwitch, halt_decision
from scalplab.orders.risk import RiskContext, RiskDecision, RiskEvent, RiskGate, RiskSettings
from scalplab.orders.risk_records import SizeScale
from scalplab.strategies.breakers import (
    BlockScope,
    Breaker,
    BreakerInputs,
    Cooldown,
    FeedLag,
    FeedMissing,
    MaxSignals,
    PauseUntil,
    PauseUntilResume,
    RaiseThreshold,
    ScaleSize,
)

SEC = 1000
MIN = 60_000
HOUR = 3_600_000
DAY = 86_400_000
D0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z
T = D0 + 10 * HOUR  # 2025-06-17T10:00:00Z
OFF = RiskSettings().without_breakers()  # min_rr only
FEED = "BTCUSDT:1m"


def ctx(
    *breakers: Breaker,
    now: int = T,
    symbol: str = "BTCUSDT",
    strategy: str = "sgnl",
    score: float | None = None,
    lag: int | None = 0,
    manual: bool = False,
    **fields: Any,
) -> RiskContext:
    """A short signal of `strategy` on `symbol` declaring `breakers` (`manual`: a person's
    order, which declares none), its reference feed `lag` bars behind."""
    declared = None if manual else BreakerInputs(breakers, (FeedLag(FEED, lag),))
    base: dict[str, Any] = {"reward_risk": 3.5, "equity": 10_000.0, "open_positions": 0}
    base.update(fields)
    return RiskContext(
        symbol, strategy, "short", now_ms=now, score=score, declared=declared, **base
    )


def gate(*entries: tuple[int, str, str], settings: RiskSettings = OFF) -> RiskGate:
    """A gate that accepted `(time, symbol, strategy)` entries."""
    g = RiskGate(settings)
    for time_ms, symbol, strategy in entries:
        g.record_entry(time_ms, symbol, strategy)
    return g


def blocked(decision: RiskDecision) -> tuple[str | None, str, str, int | None]:
    assert not decision.allowed
    return decision.breaker, decision.scope, decision.effect, decision.until_ms


# ----- conditions and their resets -----------------------------------------------------------


def test_max_signals_per_utc_day_resets_at_midnight_exactly() -> None:
    daily = MaxSignals("daily", 3)  # strategy scope, block the signal
    g = gate(*((D0 + h * HOUR, "BTCUSDT", "sgnl") for h in (1, 2, 23)))
    assert g.check(ctx(daily, now=D0 + 23 * HOUR)).allowed is False
    decision = g.check(ctx(daily, now=D0 + 23 * HOUR + MIN))
    assert decision.reason == (
        "3 entries of strategy sgnl in the UTC day of 2025-06-17T00:00:00Z reach the limit of "
        "3 per UTC day; signal blocked until 2025-06-18T00:00:00Z"
    )
    assert blocked(decision) == ("daily", "strategy", "block_signal", D0 + DAY)
    assert not g.check(ctx(daily, now=D0 + DAY - 1)).allowed  # 23:59:59.999
    assert g.check(ctx(daily, now=D0 + DAY)).allowed  # 00:00:00.000: a new day
    # entries at exactly 00:00 belong to the new day
    g = gate(*[(D0 + DAY, "BTCUSDT", "sgnl")] * 3)
    assert not g.check(ctx(daily, now=D0 + DAY)).allowed
    assert g.check(ctx(MaxSignals("daily", 4), now=D0 + DAY)).allowed


def test_max_signals_per_rolling_hour_releases_when_the_oldest_entry_leaves() -> None:
    hourly = MaxSignals("hourly", 2, "rolling_hour", "global")
    t = D0 + 5 * HOUR
    g = gate((t, "BTCUSDT", "sgnl"), (t + 10 * MIN, "ETHUSDT", "other"))
    decision = g.check(ctx(hourly, now=t + HOUR - 1))  # (now − 1 h, now] still holds t
    assert decision.reason == (
        "2 entries of all books in the last hour reach the limit of 2 per rolling hour; "
        "signal blocked until 2025-06-17T06:00:00Z"
    )
    assert blocked(decision) == ("hourly", "global", "block_signal", t + HOUR)
    assert g.check(ctx(hourly, now=t + HOUR)).allowed  # t left the window
    # three entries, limit 2: it releases when the second oldest leaves
    g.record_entry(t + 20 * MIN, "BTCUSDT", "sgnl")
    assert g.check(ctx(hourly, now=t + 30 * MIN)).until_ms == t + 10 * MIN + HOUR


def test_a_cooldown_blocks_until_exactly_its_length_after_the_entry() -> None:
    cooldown = Cooldown("cooldown", 60)  # per symbol
    g = gate((T, "BTCUSDT", "sgnl"))
    decision = g.check(ctx(cooldown, now=T + 59_999))
    assert decision.reason == (
        "the last entry of symbol BTCUSDT at 2025-06-17T10:00:00Z is 59 s old, within the "
        "cooldown of 60 s; signal blocked until 2025-06-17T10:01:00Z"
    )
    assert blocked(decision) == ("cooldown", "symbol", "block_signal", T + MIN)
    assert g.check(ctx(cooldown, now=T + 60 * SEC)).allowed  # the next 1m bar passes
    assert g.check(ctx(cooldown, now=T + 1, symbol="ETHUSDT")).allowed


@pytest.mark.parametrize(
    ("scope", "symbol", "strategy", "allowed"),
    [
        # entries: BTCUSDT by `other`, ETHUSDT by `sgnl`
        ("symbol", "BTCUSDT", "sgnl", False),  # other's entry on the symbol counts
        ("symbol", "XRPUSDT", "sgnl", True),
        ("strategy", "XRPUSDT", "sgnl", False),  # sgnl's ETHUSDT entry counts
        ("strategy", "XRPUSDT", "third", True),
        ("global", "XRPUSDT", "third", False),  # every book counts
    ],
)
def test_each_scope_counts_the_entries_of_the_books_it_covers(
    scope: Any, symbol: str, strategy: str, allowed: bool
) -> None:
    g = gate((T, "BTCUSDT", "other"), (T, "ETHUSDT", "sgnl"))
    decision = g.check(
        ctx(Cooldown("cd", 60, scope), now=T + SEC, symbol=symbol, strategy=strategy)
    )
    assert decision.allowed is allowed
    if not allowed:
        assert decision.scope == scope


def test_a_missing_reference_feed_blocks_while_it_is_missing() -> None:
    feed = FeedMissing("btc_feed_missing", FEED)
    g = gate()
    assert g.check(ctx(feed, lag=0)).allowed
    decision = g.check(ctx(feed, lag=1))
    assert decision.reason == (
        "feed BTCUSDT:1m is missing its last 1 closed bar(s) (at most 0 allowed); signal blocked"
    )
    assert blocked(decision) == ("btc_feed_missing", "strategy", "block_signal", None)
    assert g.check(ctx(feed, lag=None)).reason == "feed BTCUSDT:1m has no bar yet; signal blocked"
    assert g.check(ctx(feed, lag=0, now=T + MIN)).allowed  # back: nothing was remembered
    tolerant = FeedMissing("btc_feed_missing", FEED, max_missing_bars=2)
    assert g.check(ctx(tolerant, lag=2)).allowed
    assert not g.check(ctx(tolerant, lag=3)).allowed


# ----- effects --------------------------------------------------------------------------------


def test_block_scope_blocks_the_symbol_for_its_duration_from_the_trip() -> None:
    cooldown = Cooldown("cooldown", 60, "symbol", BlockScope(600))
    g = gate((T, "BTCUSDT", "sgnl"))
    trip = T + 30 * SEC
    decision = g.check(ctx(cooldown, now=trip))
    assert decision.reason == (
        "the last entry of symbol BTCUSDT at 2025-06-17T10:00:00Z is 30 s old, within the "
        "cooldown of 60 s; symbol BTCUSDT is blocked for 10 min until 2025-06-17T10:10:30Z"
    )
    assert blocked(decision) == ("cooldown", "symbol", "block_scope", trip + 600 * SEC)
    # the cooldown is over, the block is not: a person's order on the symbol meets it too
    later = g.check(ctx(now=T + 5 * MIN, strategy="other", manual=True))
    assert later.reason == (
        "symbol BTCUSDT is blocked by cooldown until 2025-06-17T10:10:30Z (5m30s left): the "
        "last entry of symbol BTCUSDT at 2025-06-17T10:00:00Z is 30 s old, within the "
        "cooldown of 60 s"
    )
    assert [t.key for t in g.in_force(T + 5 * MIN)] == ["symbol:BTCUSDT"]
    assert g.check(ctx(now=T + 5 * MIN, symbol="ETHUSDT", manual=True)).allowed
    assert not g.check(ctx(cooldown, now=trip + 600 * SEC - 1)).allowed
    assert g.check(ctx(cooldown, now=trip + 600 * SEC)).allowed
    assert g.in_force(trip + 600 * SEC) == []


def test_pause_until_the_window_resets_stops_every_entry() -> None:
    daily = MaxSignals("daily", 1, effect=PauseUntil())
    g = gate((D0 + HOUR, "BTCUSDT", "sgnl"))
    decision = g.check(ctx(daily, now=D0 + 2 * HOUR))
    assert decision.reason == (
        "1 entries of strategy sgnl in the UTC day of 2025-06-17T00:00:00Z reach the limit of "
        "1 per UTC day; every new entry is paused until 2025-06-18T00:00:00Z"
    )
    assert blocked(decision) == ("daily", "global", "pause_until", D0 + DAY)
    other = g.check(ctx(now=D0 + 3 * HOUR, symbol="ETHUSDT", strategy="other", manual=True))
    assert other.reason.startswith(
        "every new entry is paused by daily until 2025-06-18T00:00:00Z (1260m00s left): 1 entries"
    )
    assert not g.check(ctx(now=D0 + DAY - 1, manual=True)).allowed
    assert g.check(ctx(now=D0 + DAY, manual=True)).allowed


def test_pause_for_a_duration() -> None:
    feed = FeedMissing("btc_feed_missing", FEED, effect=PauseUntil(1800))
    g = gate()
    decision = g.check(ctx(feed, lag=1))
    assert decision.reason.endswith("; every new entry is paused until 2025-06-17T10:30:00Z")
    assert blocked(decision) == ("btc_feed_missing", "global", "pause_until", T + 30 * MIN)
    assert not g.check(ctx(feed, lag=0, now=T + 30 * MIN - 1, symbol="ETHUSDT")).allowed
    assert g.check(ctx(feed, lag=0, now=T + 30 * MIN, symbol="ETHUSDT")).allowed


def test_pause_until_resume_holds_every_entry_until_a_person_resumes() -> None:
    feed = FeedMissing("btc_feed_missing", FEED, effect=PauseUntilResume())
    g = gate()
    decision = g.check(ctx(feed, lag=1))
    assert decision.reason == (
        "feed BTCUSDT:1m is missing its last 1 closed bar(s) (at most 0 allowed); every new "
        "entry is paused until trading is resumed"
    )
    assert blocked(decision) == ("btc_feed_missing", "global", "pause", None)
    assert g.paused is not None and g.paused.since_ms == T
    next_day = g.check(ctx(feed, lag=0, now=T + DAY, symbol="ETHUSDT", strategy="other"))
    assert next_day.reason == (
        "every new entry is paused by btc_feed_missing since 2025-06-17T10:00:00Z until "
        "trading is resumed: feed BTCUSDT:1m is missing its last 1 closed bar(s) "
        "(at most 0 allowed)"
    )
    assert not g.check(ctx(now=T + DAY, manual=True)).allowed
    assert g.check(ctx(now=T + DAY, manual=True, reduce_only=True)).allowed  # exits pass
    resumed = g.resume()
    assert resumed is not None and resumed.breaker == "btc_feed_missing"
    assert g.paused is None and g.resume() is None
    assert g.check(ctx(feed, lag=0, now=T + DAY)).allowed


def test_scale_size_factors_multiply_and_never_block() -> None:
    streak = MaxSignals("streak", 1, effect=ScaleSize(0.5))
    cool = Cooldown("cool", 3600, effect=ScaleSize(0.4))
    g = gate((T, "BTCUSDT", "sgnl"))
    assert g.check(ctx(streak, cool, now=T - 1)) == RiskDecision(True, None, "")  # no entry yet
    one = g.check(ctx(streak, now=T + MIN))
    assert one == RiskDecision(
        True,
        None,
        "",
        SizeScale(
            0.5,
            ("streak",),
            "streak: 1 entries of strategy sgnl in the UTC day of 2025-06-17T00:00:00Z reach "
            "the limit of 1 per UTC day; size × 0.5",
        ),
    )
    both = g.check(ctx(streak, cool, now=T + MIN)).scale
    assert both is not None and both.breakers == ("streak", "cool")
    assert both.factor == pytest.approx(0.2)
    assert both.reason.endswith(
        "; cool: the last entry of symbol BTCUSDT at 2025-06-17T10:00:00Z "
        "is 60 s old, within the cooldown of 3600 s; size × 0.4"
    )


def test_raise_threshold_blocks_a_lower_score_and_ignores_a_signal_without_one() -> None:
    busy = MaxSignals("busy", 1, "rolling_hour", "global", RaiseThreshold(70, 5))
    g = gate((T, "ETHUSDT", "other"))
    decision = g.check(ctx(busy, now=T + MIN, score=74.9))
    assert decision.reason == (
        "1 entries of all books in the last hour reach the limit of 1 per rolling hour; "
        "score 74.9 is under the raised threshold 70 + 5"
    )
    assert blocked(decision) == ("busy", "global", "raise_threshold", T + HOUR)
    assert g.check(ctx(busy, now=T + MIN, score=75.0)).allowed
    assert g.check(ctx(busy, now=T + MIN, score=None)).allowed
    assert g.check(ctx(busy, now=T + HOUR, score=10.0)).allowed  # the entry left the hour


def test_the_first_declared_breaker_that_blocks_decides_after_the_platform_ones() -> None:
    first = Cooldown("first", 60)
    second = MaxSignals("second", 1)
    g = gate((T, "BTCUSDT", "sgnl"), settings=RiskSettings())
    assert g.check(ctx(first, second, now=T + SEC)).breaker == "first"
    assert g.check(ctx(second, first, now=T + SEC)).breaker == "second"
    assert g.check(ctx(first, now=T + SEC, open_positions=9)).breaker == "max_open_positions"
    # a person's order meets no declared condition (only the trips in force)
    assert g.check(ctx(now=T + SEC, manual=True)).allowed


# ----- the audit of a block ----------------------------------------------------------------


def test_a_block_becomes_a_risk_event_with_scope_effect_and_until() -> None:
    g = gate((T, "BTCUSDT", "sgnl"))
    context = ctx(Cooldown("cooldown", 60, "symbol", BlockScope(600)), now=T + 30 * SEC)
    event = RiskEvent.from_decision(context, g.check(context))
    assert event.to_dict() == {
        "time": "2025-06-17T10:00:30Z",
        "symbol": "BTCUSDT",
        "strategy": "sgnl",
        "breaker": "cooldown",
        "reason": event.reason,
        "scope": "symbol",
        "effect": "block_scope",
        "until": "2025-06-17T10:10:30Z",
        "code": "sb_cooldown+scope_blocked_min",
        "params": {
            "of": "symbol:BTCUSDT",
            "last": "2025-06-17T10:00:00Z",
            "age": 30,
            "seconds": 60,
            "blocked": "symbol:BTCUSDT",
            "for": 10,
            "until": "2025-06-17T10:10:30Z",
        },
    }


def test_the_platform_breakers_say_their_scope_effect_and_until() -> None:
    g = RiskGate()
    g.on_bar(D0, lambda: 10_000.0)
    daily = g.check(ctx(equity=9_000.0))
    assert blocked(daily) == ("daily_loss_limit", "global", "pause_until", D0 + DAY)
    spread = RiskGate().check(ctx(spread_pct=1.0))
    assert blocked(spread) == ("spread", "symbol", "block_signal", None)
    entries = gate(*[(T - 30 * MIN, "BTCUSDT", "sgnl")] * 25, settings=RiskSettings())
    assert blocked(entries.check(ctx())) == ("overtrading", "global", "block_signal", T + 30 * MIN)
    halted = halt_decision(HaltSwitch(HaltState(True, T, "maintenance", "api")))
    assert halted is not None and (halted.scope, halted.effect) == ("global", "pause")


# ----- state across a restart ------------------------------------------------------------------


def tripped_gate() -> RiskGate:
    """Entries, a scope block (BTCUSDT until 10:10:30) and a pause in one gate that also
    keeps its platform state (the UTC day's start equity)."""
    g = gate((T, "BTCUSDT", "sgnl"), (T + MIN, "ETHUSDT", "sgnl"), settings=RiskSettings())
    g.on_bar(D0, lambda: 10_000.0)
    g.check(ctx(Cooldown("cooldown", 60, "symbol", BlockScope(600)), now=T + 30 * SEC))
    pause = FeedMissing("f", FEED, effect=PauseUntilResume())
    assert g.check(ctx(pause, lag=4, now=T + 2 * MIN, symbol="XRPUSDT")).effect == "pause"
    return g


def test_the_breakers_state_survives_a_restart() -> None:
    g = tripped_gate()
    state = json.loads(json.dumps(g.state()))
    assert state["version"] == 3
    assert state["breakers"]["entries"] == [[T, "sgnl", "BTCUSDT"], [T + MIN, "sgnl", "ETHUSDT"]]
    restored = RiskGate.from_state(g.settings, state)
    assert restored.state() == g.state()
    assert restored.in_force(T + 3 * MIN) == g.in_force(T + 3 * MIN)
    assert [t.breaker for t in restored.in_force(T + 3 * MIN)] == ["f", "cooldown"]
    assert restored.check(ctx(now=T + 3 * MIN, manual=True)) == g.check(
        ctx(now=T + 3 * MIN, manual=True)
    )
    restored.resume()
    # the pause is gone; the symbol block still holds until 10:10:30
    assert restored.check(ctx(now=T + 3 * MIN, manual=True)).breaker == "cooldown"
    assert restored.check(ctx(now=T + 3 * MIN, symbol="XRPUSDT", manual=True)).allowed


def test_state_of_the_version_before_strategy_breakers_still_loads() -> None:
    g = tripped_gate()
    old = {key: value for key, value in g.state().items() if key != "breakers"}
    older = RiskGate.from_state(g.settings, {**old, "version": 2})
    assert older.day_start_equity(T, 1.0) == 10_000.0  # the platform state is back
    assert older.entries_last_hour(T + MIN) == 2
    assert older.in_force(T + 3 * MIN) == [] and older.paused is None
    assert older.state()["breakers"] == {
        "entries": [],
        "trips": [],
        "pause": None,
        "latest_ms": None,
    }


@pytest.mark.parametrize(
    "breakers",
    [
        None,
        "not an object",
        {"entries": [[1, 2, 3]], "trips": [], "pause": None, "latest_ms": None},
        {"entries": [], "trips": [{"breaker": "x"}], "pause": None, "latest_ms": None},
        {"entries": [], "trips": [], "latest_ms": None},
    ],
)
def test_a_malformed_breakers_state_changes_nothing(breakers: Any) -> None:
    g = tripped_gate()
    state = {**g.state(), "breakers": breakers}
    before = g.state()
    with pytest.raises(DataError, match="malformed risk gate state"):
        g.load_state(state)
    assert g.state() == before
    missing = {key: value for key, value in before.items() if key != "breakers"}
    with pytest.raises(DataError, match="malformed risk gate state"):
        RiskGate.from_state(g.settings, missing)  # version 3 needs its breakers
