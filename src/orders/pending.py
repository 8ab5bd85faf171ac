"""Orders waiting for a person's confirmation, each with a time-to-live.

When "confirm order execution" is on, a queued order waits here: `confirm`
releases it (the order becomes `accepted`), `reject` drops it (`rejected`), and
`expire_due` auto-cancels whatever outlived its TTL (`expired`). The TTL runs
on WALL time (a person confirms), read from an injectable `clock` returning
epoch seconds (`time.time` in production, a fake in tests). A confirmation is
resolved once: a second confirm or reject, a confirm after expiry and an
unknown id are errors (`ConflictError`, `NotFoundError`) that change nothing.
Given an `OrderQueue`, every resolution also moves the queued order.
"""

from __future__ import annotations

import builtins
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from scalplab.errors import ConflictError, InputError, NotFoundError, snippet
from scalplab.orders.confirm_facts import ConfirmationFacts
from scalplab.orders.queue import OrderQueue
from scalplab.orders.types import Order, OrderStatus

PendingStatus = Literal["open", "confirmed", "rejected", "expired", "cancelled"]

MIN_TTL_SECONDS = 1
MAX_TTL_SECONDS = 86_400

_ORDER_STATUS: dict[str, OrderStatus] = {
    "confirmed": "accepted",
    "rejected": "rejected",
    "expired": "expired",
    "cancelled": "cancelled",
}


def iso_seconds(epoch_seconds: float) -> str:
    """Epoch seconds → `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, millisecond precision)."""
    moment = datetime.fromtimestamp(epoch_seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def pending_id(order_id: str) -> str:
    """The id of the confirmation of `order_id` (one confirmation per order)."""
    return f"p-{order_id}"


@dataclass(frozen=True, slots=True)
class Pending:
    """One confirmation request: the order, when it was asked, when it expires.

    `created_at`, `expires_at` and `resolved_at` are wall-clock epoch seconds; `facts`
    the figures to decide on, fixed at signal time (None for a row stored before them).
    """

    id: str
    order: Order
    created_at: float
    expires_at: float
    status: PendingStatus = "open"
    resolved_at: float | None = None
    facts: ConfirmationFacts | None = None

    def seconds_left(self, now: float) -> float:
        """Seconds until expiry at wall time `now` (0 once expired or resolved)."""
        if self.status != "open":
            return 0.0
        return max(0.0, self.expires_at - now)

    def due(self, now: float) -> bool:
        """True when the confirmation is still open but its TTL has run out."""
        return self.status == "open" and now >= self.expires_at

    def to_dict(self, now: float) -> dict[str, Any]:
        """JSON form at wall time `now`: the order, ISO times and `seconds_left`."""
        return {
            "id": self.id,
            "order": self.order.to_dict(),
            "status": self.status,
            "created_at": iso_seconds(self.created_at),
            "expires_at": iso_seconds(self.expires_at),
            "resolved_at": None if self.resolved_at is None else iso_seconds(self.resolved_at),
            "seconds_left": round(self.seconds_left(now), 3),
            "facts": None if self.facts is None else self.facts.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class MarketNow:
    """Where the market stands for a pending confirmation as it is listed.

    `mark`: the engine's latest price of the symbol (its book's last close); `move_pct`:
    `(mark − entry) / entry × 100`; `moved`: whether `|move_pct|` is at least
    `warn_pct`; `bars_left`: the time left expressed in the replay's bars at its speed
    (None when it cannot be measured: a live feed, a replay at full speed, a stopped run).
    """

    mark: float | None
    move_pct: float | None
    warn_pct: float
    moved: bool
    bars_left: int | None


@dataclass(frozen=True, slots=True)
class PendingView:
    """A pending confirmation as listed at one instant (with its countdown)."""

    pending: Pending
    seconds_left: float
    now: float
    market: MarketNow | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (see `Pending.to_dict`), with the market now when known."""
        data = self.pending.to_dict(self.now)
        market = self.market
        data["mark"] = None if market is None else market.mark
        data["move_pct"] = None if market is None else market.move_pct
        data["move_warn_pct"] = None if market is None else market.warn_pct
        data["price_moved"] = False if market is None else market.moved
        data["bars_left"] = None if market is None else market.bars_left
        return data


class PendingRepository(Protocol):
    """Where confirmations are stored. Implementations return what was stored.

    `add` must raise `ConflictError` for an existing id, `update` `NotFoundError`
    for an unknown one; `list_open` returns the `open` ones, oldest first.
    """

    def get(self, pending_id: str) -> Pending | None:
        """The confirmation with this id, or None."""
        ...

    def add(self, pending: Pending) -> None:
        """Store a new confirmation."""
        ...

    def update(self, pending: Pending) -> None:
        """Replace the stored confirmation of the same id."""
        ...

    def list_open(self) -> builtins.list[Pending]:
        """Every open confirmation, oldest first."""
        ...


class MemoryPendingRepository:
    """An in-memory `PendingRepository` (tests, the ephemeral CLI engine); thread-safe."""

    def __init__(self) -> None:
        self._items: dict[str, Pending] = {}
        self._lock = threading.Lock()

    def get(self, pending_id: str) -> Pending | None:
        """The confirmation with this id, or None."""
        with self._lock:
            item = self._items.get(pending_id)
            return None if item is None else replace(item, order=item.order.copy())

    def add(self, pending: Pending) -> None:
        """Store a new confirmation; `ConflictError` when the id exists."""
        with self._lock:
            if pending.id in self._items:
                raise ConflictError(f"confirmation {pending.id} already exists")
            self._items[pending.id] = replace(pending, order=pending.order.copy())

    def update(self, pending: Pending) -> None:
        """Replace the stored confirmation; `NotFoundError` when unknown."""
        with self._lock:
            if pending.id not in self._items:
                raise NotFoundError(f"no pending confirmation {snippet(pending.id)}")
            self._items[pending.id] = replace(pending, order=pending.order.copy())

    def list_open(self) -> builtins.list[Pending]:
        """Every open confirmation, oldest first (ties: insertion order)."""
        with self._lock:
            items = [p for p in self._items.values() if p.status == "open"]
        return [replace(p, order=p.order.copy()) for p in sorted(items, key=lambda p: p.created_at)]


def _check_ttl(ttl_seconds: float) -> float:
    if (
        isinstance(ttl_seconds, bool)
        or not isinstance(ttl_seconds, int | float)
        or not math.isfinite(ttl_seconds)
        or not MIN_TTL_SECONDS <= ttl_seconds <= MAX_TTL_SECONDS
    ):
        raise InputError(
            f"pending TTL {snippet(ttl_seconds)} s is outside "
            f"{MIN_TTL_SECONDS}..{MAX_TTL_SECONDS} s"
        )
    return float(ttl_seconds)


class PendingConfirmations:
    """The pending-confirmation list: add, confirm, reject, expire, list.

    Thread-safe: a confirm racing the expiry sweep resolves the confirmation
    exactly once.
    """

    def __init__(
        self,
        repository: PendingRepository,
        ttl_seconds: float,
        clock: Callable[[], float] = time.time,
        orders: OrderQueue | None = None,
    ) -> None:
        self.repository = repository
        self._ttl = _check_ttl(ttl_seconds)
        self._clock = clock
        self._orders = orders
        self._lock = threading.RLock()

    @property
    def ttl_seconds(self) -> float:
        """The TTL given to confirmations added from now on."""
        return self._ttl

    @ttl_seconds.setter
    def ttl_seconds(self, value: float) -> None:
        self._ttl = _check_ttl(value)

    def now(self) -> float:
        """The wall clock in epoch seconds."""
        return self._clock()

    def add(self, order: Order, facts: ConfirmationFacts | None = None) -> Pending:
        """Ask for confirmation of `order` (idempotent: the same order → the same entry);
        `facts`: the figures to decide on, at signal time."""
        if order.status != "pending_confirmation":
            raise ConflictError(
                f"order {order.id} is {order.status}; only a pending_confirmation order waits"
            )
        with self._lock:
            key = pending_id(order.id)
            existing = self.repository.get(key)
            if existing is not None:
                return existing
            now = self._clock()
            pending = Pending(key, order.copy(), now, now + self._ttl, facts=facts)
            self.repository.add(pending)
            return pending

    def get(self, pending_id: str) -> Pending:
        """The confirmation with this id; `NotFoundError` when unknown."""
        pending = self.repository.get(pending_id)
        if pending is None:
            raise NotFoundError(f"no pending confirmation {snippet(pending_id)}")
        return pending

    def confirm(self, pending_id: str) -> Order:
        """Confirm: the order becomes `accepted` and is returned for execution."""
        return self._resolve(pending_id, "confirmed", "confirmed").order

    def reject(self, pending_id: str, reason: str = "rejected by the user") -> Order:
        """Reject: the order becomes `rejected` and is never executed."""
        return self._resolve(pending_id, "rejected", reason).order

    def cancel(self, pending_id: str, reason: str = "cancelled") -> Order:
        """Withdraw an open confirmation (e.g. the simulation was reset)."""
        return self._resolve(pending_id, "cancelled", reason).order

    def expire_due(self) -> builtins.list[Pending]:
        """Expire every open confirmation whose TTL has run out; returns them."""
        with self._lock:
            now = self._clock()
            return [
                self._settle(pending, "expired", now, "confirmation expired")
                for pending in self.repository.list_open()
                if pending.due(now)
            ]

    def list(self) -> builtins.list[PendingView]:
        """Open confirmations not yet due, oldest first, with their countdown."""
        now = self._clock()
        return [
            PendingView(pending, pending.seconds_left(now), now)
            for pending in self.repository.list_open()
            if not pending.due(now)
        ]

    def _resolve(self, pending_id: str, status: PendingStatus, reason: str) -> Pending:
        with self._lock:
            pending = self.get(pending_id)
            now = self._clock()
            if pending.status != "open":
                when = (
                    "" if pending.resolved_at is None else f" at {iso_seconds(pending.resolved_at)}"
                )
                raise ConflictError(f"confirmation {pending_id} was already {pending.status}{when}")
            if pending.due(now):
                self._settle(pending, "expired", now, "confirmation expired")
                raise ConflictError(
                    f"confirmation {pending_id} expired at {iso_seconds(pending.expires_at)}"
                )
            return self._settle(pending, status, now, reason)

    def _settle(self, pending: Pending, status: PendingStatus, now: float, reason: str) -> Pending:
        """Resolve `pending` and move its order (here and in the queue, if any)."""
        now_ms = int(now * 1000)
        order = pending.order.copy()
        order_status = _ORDER_STATUS[status]
        order.transition(order_status, now_ms, reason)
        if self._orders is not None:
            try:
                self._orders.transition(order.id, order_status, now_ms, reason)
            except ConflictError:
                # The queued order was closed elsewhere: dropping its confirmation is
                # consistent with that; releasing it for execution is not.
                if status == "confirmed":
                    raise
        settled = replace(pending, order=order, status=status, resolved_at=now)
        self.repository.update(settled)
        return settled
