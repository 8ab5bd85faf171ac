"""`/simulation`: paper-trading engine state, portfolio, positions, trades, metrics, controls.

`portfolio` and `positions` read the engine's last committed snapshot (no lock
shared with the replay, no database), so they answer straight from the event
loop while a simulation runs; everything else runs in a worker thread.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, status
from starlette.concurrency import run_in_threadpool

from scalplab.api.deps import SimulationDep
from scalplab.api.schemas.common import ErrorPublic, PageLimit, PageOffset
from scalplab.api.schemas.simulation import (
    PerformancePublic,
    PortfolioPublic,
    PositionClosed,
    PositionPublic,
    RiskEventPublic,
    SimTradePublic,
    SimulationStart,
    StatusPublic,
)

router = APIRouter(prefix="/simulation", tags=["simulation"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic},
    409: {"model": ErrorPublic},
    422: {"model": ErrorPublic},
}


@router.get("/status", response_model=StatusPublic)
async def get_status(simulation: SimulationDep) -> dict[str, Any]:
    """Running or stopped, the feed and speed, the pairs and how far each got."""
    return await run_in_threadpool(simulation.status)


@router.get("/portfolio", response_model=PortfolioPublic)
async def get_portfolio(simulation: SimulationDep) -> dict[str, Any]:
    """Cash, equity, realised/unrealised P&L, fees, funding, slippage, margin, open positions."""
    return simulation.portfolio()


@router.get("/positions", response_model=list[PositionPublic])
async def list_positions(simulation: SimulationDep) -> list[dict[str, Any]]:
    """Open positions, marked at each pair's last close, with liquidation price."""
    return simulation.positions()


@router.post(
    "/positions/{symbol}/close",
    response_model=PositionClosed,
    status_code=status.HTTP_202_ACCEPTED,
    responses=ERRORS,
)
async def close_position(symbol: str, simulation: SimulationDep) -> dict[str, Any]:
    """Close a position: a market exit that fills at the pair's next bar open."""
    return await run_in_threadpool(simulation.close_position, symbol)


@router.get("/trades", response_model=list[SimTradePublic], responses=ERRORS)
async def list_trades(
    simulation: SimulationDep,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> list[dict[str, Any]]:
    """Closed trades, newest exit first."""
    return await run_in_threadpool(simulation.trades, limit, offset)


@router.get("/performance", response_model=PerformancePublic)
async def get_performance(simulation: SimulationDep) -> dict[str, Any]:
    """Sharpe, Sortino, max drawdown, win rate, profit factor, ... over the simulation."""
    return await run_in_threadpool(simulation.performance)


@router.get("/risk-events", response_model=list[RiskEventPublic], responses=ERRORS)
async def list_risk_events(
    simulation: SimulationDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Orders a circuit breaker blocked, newest first, each with the breaker and reason."""
    return await run_in_threadpool(simulation.risk_events, limit)


@router.post("/start", response_model=StatusPublic, responses=ERRORS)
async def start(
    simulation: SimulationDep,
    body: Annotated[SimulationStart | None, Body()] = None,
) -> dict[str, Any]:
    """Start (or continue after where it stopped) the replay of every enabled pair.

    409 if it is already running; 422 without enabled pairs or with a bad range.
    """
    options = body or SimulationStart()
    return await run_in_threadpool(simulation.start, options.speed, options.start, options.end)


@router.post("/stop", response_model=StatusPublic)
async def stop(simulation: SimulationDep) -> dict[str, Any]:
    """Stop the replay; positions, orders and confirmations stay as they are."""
    return await run_in_threadpool(simulation.stop)


@router.post("/reset", response_model=StatusPublic)
async def reset(simulation: SimulationDep) -> dict[str, Any]:
    """Stop and wipe the paper portfolio, orders, confirmations, signals and trades."""
    return await run_in_threadpool(simulation.reset)
