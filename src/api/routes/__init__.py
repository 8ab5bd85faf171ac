"""One router per resource, collected into `api_router`."""

from __future__ import annotations

from fastapi import APIRouter

from scalplab.api.routes import (
    backtests,
    data,
    market,
    notifications,
    orders,
    pairs,
    scanner,
    settings,
    signals,
    simulation,
    status,
    strategies,
    sweeps,
    trading,
)
from scalplab.api.schemas.common import ErrorPublic

# Every route documents its 422 with the app's error body (not FastAPI's default).
api_router = APIRouter(responses={422: {"model": ErrorPublic}})
api_router.include_router(status.router)
api_router.include_router(pairs.router)
api_router.include_router(scanner.router)
api_router.include_router(strategies.router)
api_router.include_router(market.router)
api_router.include_router(data.router)
api_router.include_router(backtests.router)
api_router.include_router(sweeps.router)
api_router.include_router(signals.router)
api_router.include_router(orders.router)
api_router.include_router(settings.router)
api_router.include_router(simulation.router)
api_router.include_router(trading.router)
api_router.include_router(notifications.router)

API_PREFIXES = (
    "/status",
    "/pairs",
    "/scanner",
    "/strategies",
    "/market",
    "/data",
    "/backtests",
    "/sweeps",
    "/signals",
    "/orders",
    "/settings",
    "/simulation",
    "/trading",
    "/notifications",
)
"""First path segments owned by the API (everything else may belong to the SPA)."""
