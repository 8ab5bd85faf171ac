"""`/orders`: manual orders (simulation mode) and the pending-confirmation list.

A POST goes through the engine's pipeline exactly like a strategy's order: symbol
rules (tick, step, minimum notional), the risk gate, and the confirmation list
when "confirm order execution" is on. `strategy` names the pair (book) of the
symbol the order belongs to; it may be left out when one pair trades the symbol
(several: 409 asking to name one). `client_order_id` or an `Idempotency-Key`
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
from scalplab.orders.types import OrderRequest

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
) -> OrderPublic:
    """Submit an order (`pending_confirmation` while confirmation is on, else `accepted`)."""
    request = OrderRequest(
        symbol=body.symbol,
        side=body.side,
        type=body.type,
        qty=body.qty,
        price=body.price,
        stop_price=body.stop_price,
        callback_rate_pct=body.callback_rate_pct,
        reduce_only=body.reduce_only,
        post_only=body.post_only,
        stop_loss=body.stop_loss,
        take_profit=body.take_profit,
        client_order_id=body.client_order_id,
        source="manual",
    )
    submitted = await run_in_threadpool(orders.submit, request, body.strategy, idempotency_key)
    if not submitted.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/orders/{submitted.order.id}"
    return OrderPublic.model_validate(submitted.order.to_dict())


@router.get("", response_model=list[OrderPublic], responses=ERRORS)
async def list_orders(
    orders: OrdersDep,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> list[OrderPublic]:
    """Orders (manual and strategy), newest first."""
    rows = await run_in_threadpool(orders.list, limit, offset)
    return [OrderPublic.model_validate(order.to_dict()) for order in rows]


@router.get("/pending", response_model=list[PendingPublic])
async def list_pending(orders: OrdersDep) -> list[PendingPublic]:
    """Orders waiting for confirmation, with `seconds_left` (expired ones are left out)."""
    rows = await run_in_threadpool(orders.pending)
    return [PendingPublic.model_validate(view.to_dict()) for view in rows]


@router.post("/pending/{pending_id}/confirm", response_model=OrderPublic, responses=ERRORS)
async def confirm_pending(pending_id: str, orders: OrdersDep) -> OrderPublic:
    """Execute a pending order. 404 unknown id; 409 expired or already confirmed/rejected."""
    order = await run_in_threadpool(orders.confirm, pending_id)
    return OrderPublic.model_validate(order.to_dict())


@router.post("/pending/{pending_id}/reject", response_model=OrderPublic, responses=ERRORS)
async def reject_pending(pending_id: str, orders: OrdersDep) -> OrderPublic:
    """Drop a pending order (it never executes). 404 unknown id; 409 no longer open."""
    order = await run_in_threadpool(orders.reject, pending_id)
    return OrderPublic.model_validate(order.to_dict())


@router.post("/{order_id}/cancel", response_model=OrderPublic, responses=ERRORS)
async def cancel_order(order_id: str, orders: OrdersDep) -> OrderPublic:
    """Cancel a working order (a resting limit, stop or trailing stop, an unfilled entry).

    Paper trading cancels it at once; live trading once Binance confirms (it reads
    `accepted` until then). 404 unknown id; 409 not working, waiting for confirmation
    (reject it), still being looked up, or the stop-loss/take-profit of a position
    (close the position instead)."""
    order = await run_in_threadpool(orders.cancel, order_id)
    return OrderPublic.model_validate(order.to_dict())


@router.get("/{order_id}", response_model=OrderPublic, responses=ERRORS)
async def get_order(order_id: str, orders: OrdersDep) -> OrderPublic:
    """One order."""
    order = await run_in_threadpool(orders.get, order_id)
    return OrderPublic.model_validate(order.to_dict())
