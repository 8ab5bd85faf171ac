"""Server-Sent Events of the engine: each event's typed record through its public model.

An event goes out as `event: <kind>`, `id: <seq>` and `data:` the JSON of the kind's
public model (`scalplab.api.schemas.stream` documents the pairs), so what the stream
sends is exactly what the schema says.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from pydantic import BaseModel
from sse_starlette import EventSourceResponse, ServerSentEvent

from scalplab.api.schemas.orders import OrderPublic, PendingPublic
from scalplab.api.schemas.signals import SignalPublic
from scalplab.api.schemas.simulation import RiskEventPublic, SimTradePublic, StatusPublic
from scalplab.simulation.events import EngineEvent, EventKind, StreamPayload
from scalplab.simulation.views import EngineStatus


class EventStreamResponse(EventSourceResponse):
    """`EventSourceResponse` with its media type known to the OpenAPI schema."""

    media_type = "text/event-stream"


DATA_MODELS: dict[EventKind, type[BaseModel]] = {
    "signal": SignalPublic,
    "pending": PendingPublic,
    "order": OrderPublic,
    "trade": SimTradePublic,
    "status": StatusPublic,
    "risk": RiskEventPublic,
}
"""The public model of each event kind's data."""


def event_data(kind: EventKind, record: StreamPayload) -> BaseModel:
    """An event's record as its kind's public model."""
    return DATA_MODELS[kind].model_validate(record.to_dict())


def server_event(kind: EventKind, record: StreamPayload, seq: int | None = None) -> ServerSentEvent:
    """One Server-Sent Event."""
    return ServerSentEvent(
        data=event_data(kind, record).model_dump_json(),
        event=kind,
        id=None if seq is None else str(seq),
    )


async def server_events(
    initial: EngineStatus, stream: AsyncIterator[EngineEvent]
) -> AsyncIterator[ServerSentEvent]:
    """The engine's status first (the subscription is live), then every streamed event."""
    yield server_event("status", initial)
    async for event in stream:
        yield server_event(event.kind, event.data, event.seq)
