"""What the order pipeline does with a strategy breaker's verdict (`scalplab.orders.gating`).

A size scale re-sizes the entry (down to the step, the minimum quantity and notional
checked again); a pause until resume turns the kill switch on (the waiting entries
withdrawn) until a person turns it off; the gate's pause follows the switch, and comes
back with it after a restart. Settings as in `tests.orders.harness` (qty 20 for LONG).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from scalplab.errors import ConflictError
from scalplab.orders.commands import SubmitSignal
from scalplab.orders.gating import BREAKER_SOURCE, restore_pause, sync_pause
from scalplab.orders.halt import ACTIVE, HALTED, HaltState, HaltSwitch
from scalplab.orders.metrics import blocks_by_breaker
from scalplab.orders.models import Bar, SignalRecord
from scalplab.orders.outcomes import SignalAccepted, SignalBlocked, SignalOutcome
from scalplab.orders.risk import RiskGate
from scalplab.orders.types import OrderRequest
from scalplab.strategies.breakers import (
    Breaker,
    BreakerInputs,
    FeedLag,
    FeedMissing,
    PauseUntilResume,
    ScaleSize,
)
from scalplab.strategies.signal import Signal
from tests.coded_texts import english
from tests.orders.harness import NO_BREAKERS, Harness

H = 3_600_000
T0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z
LONG = Signal("long", 100.0, 95.0, 115.0)  # RR 3, qty 20
FEED = "BTCUSDT:1m"
STALE = "feed BTCUSDT:1m is missing its last 1 closed bar(s) (at most 0 allowed)"


def bar(i: int) -> Bar:
    return Bar(T0 + i * H, 100, 100, 100, 100)


def signal(
    h: Harness, i: int, breaker: Breaker, lag: int, book: str | None = None
) -> SignalOutcome:
    """LONG on the close of bar i, its strategy declaring `breaker` (feed `lag` bars behind)."""
    inputs = BreakerInputs((breaker,), (FeedLag(FEED, lag),))
    return h.pipeline.submit_signal(SubmitSignal(book or h.book, bar(i), LONG, inputs))


def record(outcome: SignalOutcome) -> SignalRecord:
    assert outcome.record is not None
    return outcome.record


def test_a_size_scale_resizes_the_entry_and_says_why() -> None:
    h = Harness()
    h.on_bar(bar(0))
    half = signal(h, 0, FeedMissing("stale_btc", FEED, effect=ScaleSize(0.5)), lag=1)
    assert isinstance(half, SignalAccepted)
    assert (half.record.qty, half.order.qty) == (10.0, Decimal("10"))
    assert half.record.reason == f"stale_btc: {STALE}; size × 0.5"
    assert half.record.breaker is None  # a scale is not a block
    assert half.record.reason_code == "scaled_by+sb_feed_missing+size_times"
    assert english("reasonCode", half.record.reason_code, half.record.reason_params) == (
        half.record.reason
    )
    # the feed is back: full size again
    h.on_bar(bar(1))
    h.exit("manual")
    h.on_bar(bar(2))
    full = signal(h, 2, FeedMissing("stale_btc", FEED, effect=ScaleSize(0.5)), lag=0)
    # equity 10 000 − 3 (10 × (99.9 − 100.1) slipped, fees 0.5005 + 0.4995) → 9 997 × 1 % / 5
    assert record(full).qty == 19.994 and record(full).reason == ""


def test_a_scaled_quantity_is_rounded_down_and_checked_again() -> None:
    h = Harness()
    h.on_bar(bar(0))
    third = signal(h, 0, FeedMissing("f", FEED, effect=ScaleSize(0.33333)), lag=1)
    assert record(third).qty == 6.666  # 20 × 0.33333 = 6.6666 → step 0.001
    other = h.add_book("other")
    h.on_bar(bar(0), other)
    tiny = signal(h, 0, FeedMissing("f", FEED, effect=ScaleSize(0.001)), lag=1, book=other)
    # 20 × 0.001 = 0.02, notional 0.02 × 100 = 2 USDT under the min notional of 5
    assert (record(tiny).status, record(tiny).reason, record(tiny).qty) == (
        "rejected",
        "min_notional",
        0.02,
    )
    third_book = h.add_book("third")
    h.on_bar(bar(0), third_book)
    none = signal(h, 0, FeedMissing("f", FEED, effect=ScaleSize(1e-6)), lag=1, book=third_book)
    assert (record(none).status, record(none).reason) == ("rejected", "min_qty")


def test_a_pause_until_resume_turns_the_kill_switch_on_until_a_person_resumes() -> None:
    h = Harness()
    pause = FeedMissing("btc_feed_missing", FEED, effect=PauseUntilResume())
    other = h.add_book("other")
    h.on_bar(bar(0), other)
    waiting = signal(h, 0, pause, lag=0, book=other)  # accepted: waits for the next open
    assert isinstance(waiting, SignalAccepted)
    h.on_bar(bar(0))
    tripped = signal(h, 0, pause, lag=1)
    assert isinstance(tripped, SignalBlocked)
    event = tripped.risk_event
    assert (event.breaker, event.scope, event.effect, event.until_ms) == (
        "btc_feed_missing",
        "global",
        "pause",
        None,
    )
    switch = h.pipeline.halt
    assert switch.state() == HaltState(
        True,
        T0,
        f"breaker btc_feed_missing: {STALE}; every new entry is paused until trading is resumed",
        BREAKER_SOURCE,
    )
    # as a halt does: the entry waiting at the venue is withdrawn
    assert h.queue.get(waiting.order.id).status == "cancelled"
    h.on_bar(bar(1), other)
    assert h.model.position(other) is None
    # the next signal, of any book, meets the kill switch (a breaker that would pass)
    h.on_bar(bar(1))
    later = signal(h, 1, pause, lag=0)
    assert record(later).breaker == HALTED
    assert blocks_by_breaker(h.signals) == {"btc_feed_missing": 1, HALTED: 1}
    # a person resumes: the gate's pause is released with the next bar
    switch.set(HaltState(False, T0 + 2 * H, "resumed", "telegram"))
    h.on_bar(bar(2))
    assert h.sandbox.gate.paused is None
    assert isinstance(signal(h, 2, pause, lag=0), SignalAccepted)


def test_a_persons_entry_is_refused_while_a_breaker_paused_every_entry() -> None:
    h = Harness()
    h.on_bar(bar(0))
    signal(h, 0, FeedMissing("f", FEED, effect=PauseUntilResume()), lag=3)
    assert h.pipeline.halt.halted
    with pytest.raises(ConflictError, match="blocked by the halted breaker: trading is halted"):
        h.order(OrderRequest(symbol="TESTUSDT", side="buy", qty=Decimal(1)))  # type: ignore[call-arg]


def test_the_switch_follows_the_gate_after_a_restart_and_the_gate_the_switch() -> None:
    h = Harness()
    h.on_bar(bar(0))
    signal(h, 0, FeedMissing("f", FEED, effect=PauseUntilResume()), lag=2)
    state = h.sandbox.gate.state()
    # a restart: a fresh switch (the pause was never stored as a halt), the gate's state back
    gate = RiskGate.from_state(NO_BREAKERS, state)
    switch = HaltSwitch()
    sync_pause(HaltSwitch(HaltState(True, T0, "x", "api")), gate)  # halted: nothing to do
    restore_pause(switch, gate)
    assert switch.state() == HaltState(
        True,
        T0,
        "breaker f: every new entry is paused: feed BTCUSDT:1m is missing its last 2 closed "
        "bar(s) (at most 0 allowed)",
        BREAKER_SOURCE,
    )
    restore_pause(switch, gate)  # already on: unchanged
    assert switch.state().since_ms == T0 and gate.paused is not None
    switch.set(ACTIVE)
    sync_pause(switch, gate)
    assert gate.paused is None
    restore_pause(switch, gate)  # nothing to restore any more
    assert not switch.halted


def test_entries_are_counted_per_book_in_every_path() -> None:
    h = Harness()
    h.on_bar(bar(0))
    assert isinstance(h.on_signal(bar(0), LONG), SignalAccepted)
    other = h.add_book("other")
    h.on_bar(bar(0), other)
    h.order(OrderRequest(symbol="TESTUSDT", side="buy", qty=Decimal(1)), other)  # type: ignore[call-arg]
    entries = h.sandbox.gate.strategy_breakers.memory.entries
    assert [(e.time_ms, e.strategy, e.symbol) for e in entries] == [
        (T0, "test", "TESTUSDT"),
        (T0, "other", "TESTUSDT"),
    ]
