"""`/trading`: the kill switch. `POST /trading/halt` stops every new entry at once (and,
with `close_positions`, closes every open position); `POST /trading/resume` allows them
again; `GET /trading` says which holds. The state survives a restart.

While halted, strategy signals are blocked (breaker `halted`), a manual entry order
answers 409 and an entry cannot be confirmed; exits, reduce-only orders and position
closes still work (`scalplab.orders.halt`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from starlette.concurrency import run_in_threadpool

from scalplab.api.deps import TradingDep
from scalplab.api.schemas.common import ErrorPublic
from scalplab.api.schemas.trading import TradingHalt, TradingHalted, TradingStatePublic

router = APIRouter(prefix="/trading", tags=["trading"])

SOURCE = "api"
"""The `source` of a halt or resume through this API."""
ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorPublic},
    503: {"model": ErrorPublic, "description": "in force, but could not be stored"},
}


@router.get("", response_model=TradingStatePublic)
async def get_trading(trading: TradingDep) -> TradingStatePublic:
    """Halted or not, since when, why and by whom."""
    return TradingStatePublic.of(trading.state())


@router.post("/halt", response_model=TradingHalted, responses=ERRORS)
async def halt(
    trading: TradingDep, body: Annotated[TradingHalt | None, Body()] = None
) -> TradingHalted:
    """Stop every new entry now (entries waiting at the venue are withdrawn); with
    `close_positions`, also close every open position at market. Halting a halted
    system keeps its time and reason."""
    options = body or TradingHalt()
    result = await run_in_threadpool(
        trading.halt, options.reason or "halted from the API", SOURCE, options.close_positions
    )
    return TradingHalted.of(result)


@router.post("/resume", response_model=TradingStatePublic, responses=ERRORS)
async def resume(trading: TradingDep) -> TradingStatePublic:
    """Allow new entries again."""
    return TradingStatePublic.of(await run_in_threadpool(trading.resume, SOURCE))
