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
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TypeVar

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

K = TypeVar("K")
V = TypeVar("V")
MEMORY = 1000
"""How many signal sides and user-rejected order ids are remembered."""


class EventTranslator:
    """Stateful (remembers a little to word later events); used from one thread."""

    def __init__(self) -> None:
        self._signal_sides: OrderedDict[int, str] = OrderedDict()
        self._user_rejected: OrderedDict[str, None] = OrderedDict()

    def translate(self, event: EngineEvent) -> list[Notification]:
        """The records `event` becomes (often none)."""
        data = event.data
        if isinstance(data, SignalView):
            return self._signal(data)
        if isinstance(data, PendingView):
            return self._pending(data)
        if isinstance(data, Order):
            return self._order(data)
        if isinstance(data, TradeView):
            return [TradeClosedAlert(data.trade)]
        if isinstance(data, RiskEventView):
            side = None if data.signal_id is None else self._signal_sides.get(data.signal_id)
            return [BreakerAlert(data, side)]
        if isinstance(data, EngineStatus):
            return self._status(data)
        return []

    def _signal(self, signal: SignalView) -> list[Notification]:
        _remember(self._signal_sides, signal.id, signal.side)
        if signal.status in ("accepted", "pending"):
            return [SignalAlert(signal)]
        return []

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
