"""`/signals`: recorded strategy signals, and a Server-Sent Events stream of the engine.

`GET /signals/stream` sends `event: <kind>` with JSON `data:` for every engine
event of kind signal, pending, order, trade and status (`id:` is the event's
sequence number), starting with one `status` event as soon as the subscription
is live, and a comment ping every 15 s; `risk` events name a manual order a
circuit breaker blocked. `?symbol=` keeps the events of one pair (status events
always pass). The handler only subscribes; when the client goes away the
subscription is closed, and a server shutdown ends the stream cleanly.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from scalplab.api.deps import SignalsDep, SimulationDep
from scalplab.api.schemas.common import ErrorPublic
from scalplab.api.schemas.signals import SignalPublic
from scalplab.data.symbols import normalize_symbol
from scalplab.simulation.events import EngineEvent, EventSubscription

router = APIRouter(prefix="/signals", tags=["signals"])

PING_SECONDS = 15
"""Heartbeat interval of the stream (keeps proxies from closing an idle connection)."""
SHUTDOWN_GRACE_SECONDS = 2.0
"""On server shutdown, time for a stream to end cleanly before it is cancelled."""


@router.get("", response_model=list[SignalPublic], responses={422: {"model": ErrorPublic}})
async def list_signals(
    signals: SignalsDep,
    symbol: Annotated[str | None, Query(description="only this pair, e.g. BTCUSDT")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """The newest signals first, each with its fate and the reason."""
    return await run_in_threadpool(signals.list, symbol, limit)


def _event(kind: str, data: dict[str, Any], seq: int | None = None) -> ServerSentEvent:
    return ServerSentEvent(
        data=json.dumps(data, separators=(",", ":"), ensure_ascii=False),
        event=kind,
        id=None if seq is None else str(seq),
    )


async def _events(
    initial: dict[str, Any],
    stream: AsyncIterator[EngineEvent],
) -> AsyncIterator[ServerSentEvent]:
    yield _event("status", initial)
    async for event in stream:
        yield _event(event.kind, event.data, event.seq)


@router.get(
    "/stream",
    response_class=EventSourceResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "the event stream"},
        422: {"model": ErrorPublic},
    },
)
async def stream_signals(
    signals: SignalsDep,
    simulation: SimulationDep,
    symbol: Annotated[str | None, Query(description="only this pair's events")] = None,
) -> EventSourceResponse:
    """Live engine events as Server-Sent Events (signal, pending, order, trade, status)."""
    name = None if symbol is None else normalize_symbol(symbol)
    subscription: EventSubscription = signals.subscribe()
    try:
        initial = await run_in_threadpool(simulation.status)
    except BaseException:
        subscription.close()
        raise
    shutdown = anyio.Event()
    return EventSourceResponse(
        _events(initial, signals.events(subscription, name, shutdown)),
        ping=PING_SECONDS,
        shutdown_event=shutdown,
        shutdown_grace_period=SHUTDOWN_GRACE_SECONDS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        background=BackgroundTask(subscription.close),
    )
