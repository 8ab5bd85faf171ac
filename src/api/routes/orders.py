"""`/orders`: manual orders (simulation mode) and the pending-confirmation list.

A POST goes through the engine's queue exactly like a strategy's order: symbol
rules (tick, step, minimum notional), the risk gate, and the confirmation list
when "confirm order execution" is on. `client_order_id` or an `Idempotency-Key`
header makes retries safe: the first POST answers 201, a resubmission of the
same request answers 200 with the very same order (never a second one), and a
different request under the same key is a 422 naming what differs.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response, status
from starlette.concurrency import run_in_threadpool

from scalplab.api.deps import OrdersDep
from scalplab.api.schemas.common import ErrorPublic, PageLimit, PageOffset
from scalplab.api.schemas.orders import OrderCreate, OrderPublic, PendingPublic

router = APIRouter(prefix="/orders", tags=["orders"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic},
    409: {"model": ErrorPublic},
    422: {"model": ErrorPublic},
}


@router.post(
    "",
    response_model=OrderPublic,
    status_code=status.HTTP_201_CREATED,
    responses={**ERRORS, 200: {"model": OrderPublic, "description": "a resubmission"}},
)
async def create_order(
    body: OrderCreate,
    orders: OrdersDep,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", description="makes a retry return the first order"),
    ] = None,
) -> dict[str, Any]:
    """Submit a paper order (`pending_confirmation` while confirmation is on, else `accepted`)."""
    order, created = await run_in_threadpool(
        orders.create, **body.model_dump(), idempotency_key=idempotency_key
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/orders/{order['id']}"
    return order


@router.get("", response_model=list[OrderPublic], responses=ERRORS)
async def list_orders(
    orders: OrdersDep,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> list[dict[str, Any]]:
    """Orders (manual and strategy), newest first."""
    return await run_in_threadpool(orders.list, limit, offset)


@router.get("/pending", response_model=list[PendingPublic])
async def list_pending(orders: OrdersDep) -> list[dict[str, Any]]:
    """Orders waiting for confirmation, with `seconds_left` (expired ones are cancelled)."""
    return await run_in_threadpool(orders.pending)


@router.post("/pending/{pending_id}/confirm", response_model=OrderPublic, responses=ERRORS)
async def confirm_pending(pending_id: str, orders: OrdersDep) -> dict[str, Any]:
    """Execute a pending order. 404 unknown id; 409 expired or already confirmed/rejected."""
    return await run_in_threadpool(orders.confirm, pending_id)


@router.post("/pending/{pending_id}/reject", response_model=OrderPublic, responses=ERRORS)
async def reject_pending(pending_id: str, orders: OrdersDep) -> dict[str, Any]:
    """Drop a pending order (it never executes). 404 unknown id; 409 no longer open."""
    return await run_in_threadpool(orders.reject, pending_id)


@router.get("/{order_id}", response_model=OrderPublic, responses=ERRORS)
async def get_order(order_id: str, orders: OrdersDep) -> dict[str, Any]:
    """One order."""
    return await run_in_threadpool(orders.get, order_id)
