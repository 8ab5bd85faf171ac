"""Engine events → the notifier's message records.

What each event kind becomes:

- `signal` accepted or pending → a signal card (`SignalAlert`); rejected, blocked,
  expired, cancelled and dropped signals make no card (a blocked one is told by its
  `risk` event, the others are routine: most seed signals fail `min_rr`);
- `pending` open → a Confirm / Reject prompt; resolved → the prompts are edited
  (`PendingOutcome`);
- `order` filled entry → `OrderFilled`; a rejected entry → `OrderRejectedAlert`
  with its reason, except the one a person just rejected in its confirmation (the
  prompt's edit says so);
- `trade` → `TradeClosedAlert` (TP/SL hit, liquidation, max hold, manual, end);
- `risk` → `BreakerAlert` (the side comes from the blocked signal's own event);
- `status` with an error → a health alert.

Per-strategy formats, by strategy name: a signal of the 15m confluence engine
(`confluence_card.STRATEGIES`) becomes seed 002's card (`ConfluenceSignalAlert`), which
needs its entry order — the ladder's legs, the quantity, the max hold — so the signal is
held until the next event: its order (accepted) or its confirmation (pending), published
right after it; any other event releases it without the order. Its positions are followed
from the entry's fill to their last fill, which adds a `ConfluenceOutcome`. The pairs'
timeframes come from the engine's status (`note_status`; the runtime gives the first).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from scalplab.notify.confluence_card import STRATEGIES, ConfluenceSignalAlert
from scalplab.notify.confluence_reports import OutcomeTracker
from scalplab.notify.messages import (
    BreakerAlert,
    HealthAlert,
    Notification,
    OrderFilled,
    OrderRejectedAlert,
    PendingAlert,
    PendingOutcome,
    SignalAlert,
    TradeClosedAlert,
)
from scalplab.orders.pending import PendingView
from scalplab.orders.types import Order
from scalplab.simulation.events import EngineEvent
from scalplab.simulation.views import EngineStatus, RiskEventView, SignalView, TradeView

log = logging.getLogger(__name__)
K = TypeVar("K")
V = TypeVar("V")
MEMORY = 1000
"""How many signal sides and user-rejected order ids are remembered."""


class EventTranslator:
    """Stateful (remembers a little to word later events); used from one thread."""

    def __init__(self, equity: Callable[[], float] | None = None) -> None:
        self._signal_sides: OrderedDict[int, str] = OrderedDict()
        self._user_rejected: OrderedDict[str, None] = OrderedDict()
        self._equity = equity
        self._held: SignalView | None = None
        self._timeframes: dict[tuple[str, str], str] = {}
        self.outcomes = OutcomeTracker(STRATEGIES)

    def note_status(self, status: EngineStatus) -> None:
        """Remember the timeframe of each pair the engine trades."""
        for pair in status.pairs:
            self._timeframes[(pair.symbol, pair.strategy)] = pair.timeframe

    def translate(self, event: EngineEvent) -> list[Notification]:
        """The records `event` becomes (often none)."""
        data = event.data
        released = self._release(data)
        return [*released, *self._translate(data)] if released else self._translate(data)

    def _translate(self, data: object) -> list[Notification]:
        if isinstance(data, SignalView):
            return self._signal(data)
        if isinstance(data, PendingView):
            return self._pending(data)
        if isinstance(data, Order):
            return self._order(data)
        if isinstance(data, TradeView):
            outcome = self.outcomes.closed(data.trade)
            return [TradeClosedAlert(data.trade), *([] if outcome is None else [outcome])]
        if isinstance(data, RiskEventView):
            side = None if data.signal_id is None else self._signal_sides.get(data.signal_id)
            return [BreakerAlert(data, side)]
        if isinstance(data, EngineStatus):
            self.note_status(data)
            return self._status(data)
        return []

    def _signal(self, signal: SignalView) -> list[Notification]:
        _remember(self._signal_sides, signal.id, signal.side)
        if signal.status not in ("accepted", "pending"):
            return []
        if signal.strategy not in STRATEGIES:
            return [SignalAlert(signal)]
        if signal.order_id is None:
            return [self._card(signal, None)]
        self._held = signal  # its order's event comes next
        return []

    def _release(self, data: object) -> list[Notification]:
        """The held confluence card, with its order when `data` carries it."""
        held = self._held
        if held is None:
            return []
        self._held = None
        order = None
        if isinstance(data, Order) and data.id == held.order_id:
            order = data
        elif isinstance(data, PendingView) and data.pending.order.id == held.order_id:
            order = data.pending.order
        return [self._card(held, order)]

    def _card(self, signal: SignalView, order: Order | None) -> ConfluenceSignalAlert:
        equity = None
        if self._equity is not None:
            try:
                equity = self._equity()
            except Exception as exc:  # a card without its size beats no card
                log.warning("no equity for the signal card: %s", exc)
        timeframe = self._timeframes.get((signal.symbol, signal.strategy))
        return ConfluenceSignalAlert(signal, order, equity, timeframe)

    def _pending(self, view: PendingView) -> list[Notification]:
        pending = view.pending
        if pending.status == "open":
            return [PendingAlert(view)]
        if pending.status == "rejected":
            _remember(self._user_rejected, pending.order.id, None)
        return [PendingOutcome(view)]

    def _order(self, order: Order) -> list[Notification]:
        if order.parent_id is not None:
            return []  # bracket children: their fills are trades, their ends follow the entry
        if order.status == "filled" and not order.reduce_only:
            self.outcomes.entry_filled(order)
            return [OrderFilled(order)]
        if order.status == "rejected":
            if order.id in self._user_rejected:
                return []
            return [OrderRejectedAlert(order)]
        return []

    @staticmethod
    def _status(status: EngineStatus) -> list[Notification]:
        if status.error is None or status.state != "stopped":
            return []
        return [
            HealthAlert(
                "engine_error",
                "PAPER ENGINE STOPPED",
                f"Error: {status.error}",
                dedupe=status.error,
            )
        ]


def _remember(memory: OrderedDict[K, V], key: K, value: V) -> None:
    memory[key] = value
    memory.move_to_end(key)
    while len(memory) > MEMORY:
        memory.popitem(last=False)
