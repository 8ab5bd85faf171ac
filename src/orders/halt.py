"""The kill switch as the order pipeline sees it: halted or not, since when, why, by whom.

`HaltSwitch` holds the current `HaltState`; the REST API and the Telegram bot flip it
(through `scalplab.services.trading.TradingControl`, which also persists it) while the
engine's threads read it on every entry. The pipeline consults it in every mode that
is handed one (paper replay, paper on the live feed, live trading on Binance):

- a strategy signal is blocked by the `halted` breaker — recorded, streamed and
  counted exactly like a circuit breaker's block (`HALTED` is not one of the risk
  gate's configurable `BREAKERS`: nothing can switch it off but a resume);
- a person's entry order is refused (`TradingHaltedError`, a `ConflictError`: 409)
  and the refusal recorded as a risk event;
- an entry waiting for confirmation cannot be confirmed.

Exits are never stopped: reduce-only orders, position closes, stop-loss and
take-profit fills. `cancel_waiting_entries` withdraws the entries already at the
venue that have not filled yet (a halt stops new entries at once, also those one
bar away from filling).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from scalplab.errors import ConflictError
from scalplab.orders.models import book_id
from scalplab.orders.queue import OrderQueue
from scalplab.orders.risk import RiskDecision
from scalplab.orders.risk_records import PAUSE
from scalplab.orders.types import Order
from scalplab.orders.venue import Venue
from scalplab.timeutil import iso_ms

HALTED = "halted"
"""The breaker name of a signal or order the kill switch blocked."""


@dataclass(frozen=True, slots=True)
class HaltState:
    """The kill switch: `halted`, since when (epoch ms; for a running state: since the last
    resume, None when never halted), the reason given and who flipped it (`api`,
    `telegram`, ...)."""

    halted: bool
    since_ms: int | None
    reason: str
    source: str

    def describe(self) -> str:
        """`trading is halted since 2025-06-20T10:00:00Z by api (maintenance)` (or active)."""
        if not self.halted:
            return "trading is active"
        since = "" if self.since_ms is None else f" since {iso_ms(self.since_ms)}"
        by = f" by {self.source}" if self.source else ""
        why = f" ({self.reason})" if self.reason else ""
        return f"trading is halted{since}{by}{why}"


ACTIVE = HaltState(halted=False, since_ms=None, reason="", source="")
"""The state of a deployment that was never halted."""


class HaltSwitch:
    """The current `HaltState`, read and replaced atomically from any thread."""

    def __init__(self, state: HaltState = ACTIVE) -> None:
        self._state = state
        self._lock = threading.Lock()

    def state(self) -> HaltState:
        """The state in force."""
        with self._lock:
            return self._state

    def set(self, state: HaltState) -> None:
        """Put `state` in force (the next entry the pipeline sees obeys it)."""
        with self._lock:
            self._state = state

    @property
    def halted(self) -> bool:
        """True while new entries are stopped."""
        return self.state().halted


class TradingHaltedError(ConflictError):
    """An entry was refused because trading is halted (409)."""


def halt_decision(switch: HaltSwitch | None) -> RiskDecision | None:
    """The `halted` breaker's blocking decision while the switch is on, else None."""
    if switch is None:
        return None
    state = switch.state()
    if not state.halted:
        return None
    return RiskDecision(
        allowed=False,
        breaker=HALTED,
        reason=f"{state.describe()}: new entries are stopped until trading is resumed",
        effect=PAUSE,
        code=HALTED,
    )


def refuse_if_halted(switch: HaltSwitch | None, what: str) -> None:
    """Raise `TradingHaltedError` saying `what` cannot happen while trading is halted."""
    if switch is None:
        return
    state = switch.state()
    if state.halted:
        raise TradingHaltedError(
            f"{state.describe()}: {what} is refused until trading is resumed "
            "(exits, reduce-only orders and position closes still work)"
        )


def waiting_entries(queue: OrderQueue) -> list[Order]:
    """Entry orders at the venue that have not filled yet, oldest first (accepted, not
    reduce-only, not a bracket child; confirmations still waiting are not at the venue)."""
    return [
        order
        for order in queue.repository.open_orders()
        if order.status == "accepted"
        and not order.reduce_only
        and order.parent_id is None
        and order.strategy is not None
    ]


def cancel_waiting_entries(venue: Venue, queue: OrderQueue, reason: str) -> list[str]:
    """Withdraw every waiting entry from the venue (its events cancel the order and its
    bracket in the queue); the ids of the entries cancelled."""
    cancelled = []
    for order in waiting_entries(queue):
        assert order.strategy is not None
        book = book_id(order.symbol, order.strategy)
        if venue.has_book(book) and venue.cancel(book, order.id, reason):
            cancelled.append(order.id)
    return cancelled
