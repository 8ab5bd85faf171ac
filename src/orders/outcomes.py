"""What the order pipeline reports: typed commands in (`scalplab.orders.commands`),
these past-tense outcomes out.

Every mode listens to the same outcomes: a backtest keeps the signal records, paper
trading writes rows and stream events from them, a Telegram bot will notify from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from scalplab.orders.events import FundingSettled, PositionOpened
from scalplab.orders.models import SignalFate, SignalRecord, Trade
from scalplab.orders.pending import Pending
from scalplab.orders.risk import RiskEvent
from scalplab.orders.types import Order


@dataclass(frozen=True, slots=True)
class SignalAccepted:
    """The signal's entry order was queued and sent to the venue."""

    record: SignalRecord
    order: Order


@dataclass(frozen=True, slots=True)
class SignalRejected:
    """An execution-model check or `min_rr` refused the signal, or it was dropped."""

    record: SignalRecord


@dataclass(frozen=True, slots=True)
class SignalBlocked:
    """A circuit breaker refused the signal."""

    record: SignalRecord
    risk_event: RiskEvent


@dataclass(frozen=True, slots=True)
class ConfirmationRequested:
    """An order waits for a person's confirmation (`record`: the signal behind it, if any)."""

    order: Order
    pending: Pending
    record: SignalRecord | None


@dataclass(frozen=True, slots=True)
class ConfirmationResolved:
    """A confirmation was confirmed, rejected, expired or cancelled; `fate` is the fate its
    signal takes (`accepted` once confirmed)."""

    order: Order
    pending: Pending
    fate: SignalFate
    reason: str


@dataclass(frozen=True, slots=True)
class OrderAccepted:
    """A manual order was queued and sent to the venue."""

    order: Order


@dataclass(frozen=True, slots=True)
class OrderBlocked:
    """A circuit breaker refused a manual order."""

    risk_event: RiskEvent


@dataclass(frozen=True, slots=True)
class OrderUpdated:
    """The venue filled or cancelled a queued order (the order as it now stands)."""

    order: Order


@dataclass(frozen=True, slots=True)
class TradeClosed:
    """Quantity of a position was closed."""

    trade: Trade


SignalOutcome = SignalAccepted | SignalRejected | SignalBlocked | ConfirmationRequested
"""What a submitted signal became."""

Outcome = (
    SignalAccepted
    | SignalRejected
    | SignalBlocked
    | ConfirmationRequested
    | ConfirmationResolved
    | OrderAccepted
    | OrderBlocked
    | OrderUpdated
    | TradeClosed
    | PositionOpened
    | FundingSettled
)
"""Everything the pipeline reports to its listener."""
