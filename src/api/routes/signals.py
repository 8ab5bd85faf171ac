"""`/signals`: recorded strategy signals, and a Server-Sent Events stream of the engine.

`GET /signals/funnel` counts what became of the recorded signals (generated → accepted,
rejected by reason, blocked by breaker, expired, cancelled). `GET /signals/scores` is the
scoreboard (the newest scored signal of each symbol and strategy, best first) and
`GET /signals/histogram?bins=10` the distribution of the stored signals' scores; both count
only signals whose strategy set a `score`.

`GET /signals/stream` sends `event: <kind>` with JSON `data:` for every engine event
of kind signal, pending, order, trade, status and risk (`id:` is the event's sequence
number), starting with one `status` event as soon as the subscription is live, and a
comment ping every 15 s. Each kind's data is its public model (`StreamEventPublic`
in the OpenAPI schema). `?symbol=` keeps the events of one symbol (status events
always pass). The handler only subscribes; when the client goes away the
subscription is closed, and a server shutdown ends the stream cleanly.
"""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Query
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from scalplab.api.deps import SignalsDep, SimulationDep
from scalplab.api.schemas.common import ErrorPublic
from scalplab.api.schemas.signals import (
    ScoreboardRowPublic,
    ScoreHistogramPublic,
    SignalFunnelPublic,
    SignalPublic,
)
from scalplab.api.schemas.stream import StreamEventPublic
from scalplab.api.sse import EventStreamResponse, server_events
from scalplab.data.symbols import normalize_symbol
from scalplab.limits import MAX_PAGE_LIMIT, MAX_SCORE_BINS

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
) -> list[SignalPublic]:
    """The newest signals first, each with its fate, the reason and (blocked) the breaker."""
    if signals.in_memory(symbol, limit):  # no database, no engine lock: answer at once
        views = signals.list(symbol, limit)
    else:
        views = await run_in_threadpool(signals.list, symbol, limit)
    return [SignalPublic.model_validate(view.to_dict()) for view in views]


StrategyFilter = Annotated[
    str | None, Query(min_length=1, max_length=64, description="only this strategy's signals")
]


@router.get(
    "/scores", response_model=list[ScoreboardRowPublic], responses={422: {"model": ErrorPublic}}
)
async def signal_scores(
    signals: SignalsDep,
    strategy: StrategyFilter = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_LIMIT)] = 100,
) -> list[ScoreboardRowPublic]:
    """The scoreboard: the newest scored signal of each (symbol, strategy), best score first
    (symbol, strategy, score, tier, variant, time, status)."""
    rows = await run_in_threadpool(signals.scoreboard, limit, strategy)
    return [ScoreboardRowPublic.model_validate(row.to_dict()) for row in rows]


@router.get(
    "/histogram", response_model=ScoreHistogramPublic, responses={422: {"model": ErrorPublic}}
)
async def signal_histogram(
    signals: SignalsDep,
    bins: Annotated[int, Query(ge=1, le=MAX_SCORE_BINS, description="equal-width bins")] = 10,
    strategy: StrategyFilter = None,
    symbol: Annotated[str | None, Query(description="only this pair, e.g. BTCUSDT")] = None,
) -> ScoreHistogramPublic:
    """How the stored signals' scores are distributed over 0..100 (the last bin includes 100);
    signals without a score are not counted."""
    result = await run_in_threadpool(signals.histogram, bins, strategy, symbol)
    return ScoreHistogramPublic.model_validate(result.to_dict())


@router.get("/funnel", response_model=SignalFunnelPublic, responses={422: {"model": ErrorPublic}})
async def signal_funnel(
    signals: SignalsDep,
    strategy: StrategyFilter = None,
    symbol: Annotated[str | None, Query(description="only this pair, e.g. BTCUSDT")] = None,
) -> SignalFunnelPublic:
    """What became of the recorded signals, counted: generated → accepted/confirmed, pending,
    rejected by reason, rejected by the user, blocked by breaker, expired, cancelled, dropped."""
    result = await run_in_threadpool(signals.funnel, symbol, strategy)
    return SignalFunnelPublic.model_validate(result.to_dict())


@router.get(
    "/stream",
    response_class=EventStreamResponse,
    responses={
        200: {
            "model": StreamEventPublic,
            "description": "the event stream: each event is `event: <kind>` with `data:` the "
            "JSON of `data` in the matching `StreamEventPublic` member",
        },
        422: {"model": ErrorPublic},
    },
)
async def stream_signals(
    signals: SignalsDep,
    simulation: SimulationDep,
    symbol: Annotated[str | None, Query(description="only this symbol's events")] = None,
) -> EventStreamResponse:
    """Live engine events as Server-Sent Events (signal, pending, order, trade, status, risk)."""
    name = None if symbol is None else normalize_symbol(symbol)
    subscription = signals.subscribe()
    try:
        initial = await run_in_threadpool(simulation.status)
    except BaseException:
        subscription.close()
        raise
    shutdown = anyio.Event()
    return EventStreamResponse(
        server_events(initial, signals.events(subscription, name, shutdown)),
        ping=PING_SECONDS,
        shutdown_event=shutdown,
        shutdown_grace_period=SHUTDOWN_GRACE_SECONDS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        background=BackgroundTask(subscription.close),
    )
