"""Typed commands the order pipeline takes (`scalplab.orders.pipeline.OrderPipeline`)."""

from __future__ import annotations

from dataclasses import dataclass

from scalplab.orders.models import Bar, ExitReason
from scalplab.orders.types import OrderRequest
from scalplab.strategies.breakers import BreakerInputs
from scalplab.strategies.signal import Signal

USER_REJECTION = "rejected by the user"
"""The reason a confirmation a person rejected records (its signal's reason too)."""


@dataclass(frozen=True, slots=True)
class SubmitSignal:
    """A strategy's signal on the close of `bar` of `book` (`breakers`: the ones the
    strategy declares, with its feeds' lags; None when it declares none)."""

    book: str
    bar: Bar
    signal: Signal
    breakers: BreakerInputs | None = None


@dataclass(frozen=True, slots=True)
class SubmitOrder:
    """A person's order for `book` (sized by risk when it has a stop-loss and no qty)."""

    book: str
    request: OrderRequest


@dataclass(frozen=True, slots=True)
class ConfirmOrder:
    """A person confirms a pending order: it goes to the venue."""

    pending_id: str


@dataclass(frozen=True, slots=True)
class RejectOrder:
    """A person rejects a pending order: it never executes."""

    pending_id: str
    reason: str = USER_REJECTION


@dataclass(frozen=True, slots=True)
class ExpireConfirmations:
    """Expire every confirmation whose time-to-live has run out."""


@dataclass(frozen=True, slots=True)
class CancelConfirmations:
    """Withdraw the open confirmations of `book` (its data ended, say)."""

    book: str
    reason: str


@dataclass(frozen=True, slots=True)
class ClosePosition:
    """Close `book`'s position at market (max-hold or a person's request)."""

    book: str
    reason: ExitReason
