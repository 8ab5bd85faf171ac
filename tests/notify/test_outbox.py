"""The outbox: deduplication window, per-symbol cooldown, priorities and bounded drops."""

from __future__ import annotations

from scalplab.notify.messages import HealthAlert, SignalAlert
from scalplab.notify.outbox import Outbox
from scalplab.simulation.views import SignalView


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def signal(symbol: str = "BTCUSDT", time_ms: int = 1_750_140_000_000) -> SignalAlert:
    view = SignalView(
        id=1,
        symbol=symbol,
        strategy="sma_cross",
        time_ms=time_ms,
        side="long",
        entry=100.0,
        stop_loss=99.0,
        take_profit=104.0,
        confidence=60.0,
        reasons=["test"],
        status="accepted",
        reason="",
        qty=1.0,
        order_id="ord-1",
    )
    return SignalAlert(view)


def alert(detail: str) -> HealthAlert:
    return HealthAlert("feed_down", "LIVE STREAM DOWN", detail, dedupe=detail)


def test_the_same_key_within_the_window_is_sent_once() -> None:
    clock = Clock()
    outbox = Outbox(dedupe_window_s=60, clock=clock)
    assert outbox.put(alert("x")) == "queued"
    clock.now += 59
    assert outbox.put(alert("x")) == "duplicate"
    assert outbox.put(alert("y")) == "queued"
    clock.now += 2  # the first "x" is now older than the window
    assert outbox.put(alert("x")) == "queued"
    counters = outbox.counters()
    assert (counters.depth, counters.duplicates) == (3, 1)


def test_signal_cards_share_a_per_symbol_cooldown() -> None:
    clock = Clock()
    outbox = Outbox(cooldown_s=60, clock=clock)
    assert outbox.put(signal("BTCUSDT", 1)) == "queued"
    assert outbox.put(signal("BTCUSDT", 2)) == "cooldown"  # another bar, same symbol
    assert outbox.put(signal("ETHUSDT", 2)) == "queued"  # another symbol
    clock.now += 60
    assert outbox.put(signal("BTCUSDT", 3)) == "queued"
    assert outbox.counters().cooled_down == 1
    # the cooldown never holds back other kinds of message
    assert outbox.put(alert("z")) == "queued"


def test_records_go_out_in_order_and_a_full_outbox_drops_the_oldest_low() -> None:
    outbox = Outbox(maxsize=3, cooldown_s=0)
    outbox.put(signal("AUSDT"))
    outbox.put(signal("BUSDT"))
    outbox.put(alert("1"))
    assert outbox.put(signal("CUSDT")) == "queued"  # drops AUSDT's card
    assert outbox.put(alert("2")) == "queued"  # drops BUSDT's card
    assert outbox.put(signal("DUSDT")) == "queued"  # drops CUSDT's card
    taken = []
    while (item := outbox.take()) is not None:
        taken.append(item.notification)
    assert [type(n).__name__ for n in taken] == ["HealthAlert", "HealthAlert", "SignalAlert"]
    assert [n.detail for n in taken[:2] if isinstance(n, HealthAlert)] == ["1", "2"]
    assert isinstance(taken[2], SignalAlert) and taken[2].signal.symbol == "DUSDT"
    assert outbox.counters().dropped == 3


def test_a_full_outbox_of_high_priority_refuses_a_low_one_and_drops_the_oldest_high() -> None:
    outbox = Outbox(maxsize=2)
    outbox.put(alert("1"))
    outbox.put(alert("2"))
    assert outbox.put(signal()) == "dropped"
    assert outbox.put(alert("3")) == "queued"
    details = []
    while (item := outbox.take()) is not None:
        assert isinstance(item.notification, HealthAlert)
        details.append(item.notification.detail)
    assert details == ["2", "3"]
    assert outbox.counters().dropped == 2
