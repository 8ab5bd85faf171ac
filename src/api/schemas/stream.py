"""Schemas of `GET /signals/stream`: one model per Server-Sent Event kind.

On the wire an event is `event: <kind>` with its `data:` JSON; `StreamEventPublic`
documents the pairs as `{kind, data}` objects (a discriminated union), so the SPA's
generated client types each event's data.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, RootModel

from scalplab.api.schemas.orders import OrderPublic, PendingPublic
from scalplab.api.schemas.signals import SignalPublic
from scalplab.api.schemas.simulation import RiskEventPublic, SimTradePublic, StatusPublic

StreamEventKind = Literal["signal", "pending", "order", "trade", "status", "risk"]
"""The `event:` names of `GET /signals/stream`."""


class SignalStreamEvent(BaseModel):
    """A strategy signal was recorded, or its fate changed."""

    kind: Literal["signal"]
    data: SignalPublic


class PendingStreamEvent(BaseModel):
    """A confirmation was requested, confirmed, rejected, expired or cancelled."""

    kind: Literal["pending"]
    data: PendingPublic


class OrderStreamEvent(BaseModel):
    """An order was queued or changed status."""

    kind: Literal["order"]
    data: OrderPublic


class TradeStreamEvent(BaseModel):
    """A position closed (all or part of it): one trade."""

    kind: Literal["trade"]
    data: SimTradePublic


class StatusStreamEvent(BaseModel):
    """The engine's status changed (also the first event of every stream)."""

    kind: Literal["status"]
    data: StatusPublic


class RiskStreamEvent(BaseModel):
    """A circuit breaker blocked a signal or an order."""

    kind: Literal["risk"]
    data: RiskEventPublic


class StreamEventPublic(
    RootModel[
        Annotated[
            SignalStreamEvent
            | PendingStreamEvent
            | OrderStreamEvent
            | TradeStreamEvent
            | StatusStreamEvent
            | RiskStreamEvent,
            Field(discriminator="kind"),
        ]
    ]
):
    """One event of the stream: `kind` is the SSE `event:` name, `data` its JSON."""
