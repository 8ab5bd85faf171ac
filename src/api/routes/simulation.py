"""`/simulation`: paper-trading engine state, portfolio, positions, trades, metrics, controls.

`portfolio` and `positions` read the engine's last committed snapshot (no lock
shared with the replay, no database), so they answer straight from the event
loop while a simulation runs; everything else runs in a worker thread.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, status
from starlette.concurrency import run_in_threadpool

from scalplab.api.deps import PortfolioDep, SimulationDep
from scalplab.api.schemas.common import ErrorPublic, PageLimit, PageOffset
from scalplab.api.schemas.portfolio import HeatPublic
from scalplab.api.schemas.simulation import (
    EquityPointPublic,
    PerformancePublic,
    PortfolioPublic,
    PositionClosed,
    PositionPublic,
    ReplayChange,
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
async def get_status(simulation: SimulationDep) -> StatusPublic:
    """Running or stopped, the feed and speed, the pairs and how far each got."""
    status_ = await run_in_threadpool(simulation.status)
    return StatusPublic.model_validate(status_, from_attributes=True)


@router.get("/portfolio", response_model=PortfolioPublic)
async def get_portfolio(simulation: SimulationDep) -> PortfolioPublic:
    """Cash, equity, realised/unrealised P&L, fees, funding, slippage, margin, open positions."""
    return PortfolioPublic.model_validate(simulation.portfolio(), from_attributes=True)


@router.get("/positions", response_model=list[PositionPublic])
async def list_positions(simulation: SimulationDep) -> list[PositionPublic]:
    """Open positions (one per strategy and symbol), marked at each book's last close."""
    return [
        PositionPublic.model_validate(position, from_attributes=True)
        for position in simulation.positions()
    ]


@router.post(
    "/positions/{symbol}/close",
    response_model=PositionClosed,
    status_code=status.HTTP_202_ACCEPTED,
    responses=ERRORS,
)
async def close_position(
    symbol: str,
    simulation: SimulationDep,
    strategy: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            description="which pair of the symbol (optional when one pair trades it)",
        ),
    ] = None,
) -> PositionClosed:
    """Close a position: a market exit that fills at the pair's next bar open."""
    closed = await run_in_threadpool(simulation.close_position, symbol, strategy)
    return PositionClosed.model_validate(closed, from_attributes=True)


@router.get("/trades", response_model=list[SimTradePublic], responses=ERRORS)
async def list_trades(
    simulation: SimulationDep,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> list[SimTradePublic]:
    """Closed trades, newest exit first."""
    trades = await run_in_threadpool(simulation.trades, limit, offset)
    return [SimTradePublic.model_validate(trade.to_dict()) for trade in trades]


@router.get("/performance", response_model=PerformancePublic)
async def get_performance(simulation: SimulationDep) -> PerformancePublic:
    """Sharpe, Sortino, max drawdown, win rate, profit factor, ... over the simulation."""
    metrics = await run_in_threadpool(simulation.performance)
    return PerformancePublic.model_validate(metrics.to_dict())


StrategyFilter = Annotated[
    str | None, Query(min_length=1, max_length=64, description="only this strategy's")
]


@router.get("/risk-events", response_model=list[RiskEventPublic], responses=ERRORS)
async def list_risk_events(
    simulation: SimulationDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    strategy: StrategyFilter = None,
) -> list[RiskEventPublic]:
    """Signals and orders a circuit breaker blocked (of one strategy, if given), newest
    first, with breaker, scope, effect, until and reason."""
    events = await run_in_threadpool(simulation.risk_events, limit, strategy)
    return [RiskEventPublic.model_validate(event.to_dict()) for event in events]


@router.get("/heat", response_model=HeatPublic, responses=ERRORS)
async def get_heat(
    portfolio: PortfolioDep,
    strategy: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            description="the caps this strategy declared (default: every followed strategy's)",
        ),
    ] = None,
) -> HeatPublic:
    """Portfolio heat: each book's open risk (a position's entry → current stop, a waiting
    entry's reference price → stop) in % of the equity, the total, and the heat caps the
    strategies declared (`PortfolioHeat` breakers, e.g. confluence_15m's 6 %). 404 for an
    unknown strategy."""
    heat = await run_in_threadpool(portfolio.heat, strategy)
    return HeatPublic.model_validate(heat, from_attributes=True)


@router.post("/start", response_model=StatusPublic, responses=ERRORS)
async def start(
    simulation: SimulationDep,
    body: Annotated[SimulationStart | None, Body()] = None,
) -> StatusPublic:
    """Start (or continue after where it stopped) the replay of every enabled pair, or
    (`feed: "live"`) paper-trade Binance's live stream.

    409 if it is already running; 422 without enabled pairs, with a bad range, or with
    replay options on a live feed.
    """
    options = body or SimulationStart()
    started = await run_in_threadpool(
        simulation.start, options.speed, options.start, options.end, options.feed, options.candles
    )
    return StatusPublic.model_validate(started, from_attributes=True)


@router.post("/stop", response_model=StatusPublic)
async def stop(simulation: SimulationDep) -> StatusPublic:
    """Stop the replay; positions, orders and confirmations stay as they are."""
    stopped = await run_in_threadpool(simulation.stop)
    return StatusPublic.model_validate(stopped, from_attributes=True)


@router.post("/reset", response_model=StatusPublic)
async def reset(simulation: SimulationDep) -> StatusPublic:
    """Stop and wipe the paper portfolio, orders, confirmations, signals and trades."""
    status_ = await run_in_threadpool(simulation.reset)
    return StatusPublic.model_validate(status_, from_attributes=True)


REPLAY_ERRORS: dict[int | str, dict[str, Any]] = {409: {"model": ErrorPublic}}


@router.post("/pause", response_model=StatusPublic, responses=REPLAY_ERRORS)
async def pause(simulation: SimulationDep) -> StatusPublic:
    """Pause the running replay: its clock stops and no bar is applied until resumed or
    stepped (answers once the replay stands still, with the bar it stands at).
    Confirmations keep their wall-clock TTL. 409 without a running replay (or on the
    live feed)."""
    status_ = await run_in_threadpool(simulation.pause)
    return StatusPublic.model_validate(status_, from_attributes=True)


@router.post("/resume", response_model=StatusPublic, responses=REPLAY_ERRORS)
async def resume(simulation: SimulationDep) -> StatusPublic:
    """Resume a paused replay from where its clock stopped. 409 without a running replay."""
    status_ = await run_in_threadpool(simulation.resume)
    return StatusPublic.model_validate(status_, from_attributes=True)


@router.post("/step", response_model=StatusPublic, responses=REPLAY_ERRORS)
async def step(simulation: SimulationDep) -> StatusPublic:
    """Apply exactly one more bar of the paused replay (answers once it is committed).
    409 unless a replay is running and paused."""
    status_ = await run_in_threadpool(simulation.step)
    return StatusPublic.model_validate(status_, from_attributes=True)


@router.patch("/replay", response_model=StatusPublic, responses=ERRORS)
async def change_replay(simulation: SimulationDep, body: ReplayChange) -> StatusPublic:
    """Change the running replay's speed without restarting it: it continues from its
    cursor at the new pace, with the same results. 409 without a running replay (or on
    the live feed); 422 for a speed out of bounds."""
    status_ = await run_in_threadpool(simulation.set_speed, body.speed)
    return StatusPublic.model_validate(status_, from_attributes=True)


@router.get("/equity", response_model=list[EquityPointPublic])
async def get_equity(simulation: SimulationDep) -> list[EquityPointPublic]:
    """The paper portfolio's equity curve: one point per snapshot (bar time, oldest first)
    and the equity at the last bar; at most 5,000 points (evenly thinned)."""
    points = await run_in_threadpool(simulation.equity)
    return [EquityPointPublic(time=time_ms // 1000, equity=equity) for time_ms, equity in points]
