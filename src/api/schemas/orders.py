"""Schemas of `/orders` and `/orders/pending`: manual orders, their state, confirmations."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from scalplab.api.schemas.common import DecimalInput, RequestModel, decimal_schema
from scalplab.orders.decimals import MAX_ORDER_NUMBER
from scalplab.orders.rules import MAX_CALLBACK_RATE_PCT, MIN_CALLBACK_RATE_PCT

OrderNumber = Annotated[
    DecimalInput,
    Field(gt=0, le=int(MAX_ORDER_NUMBER)),
    WithJsonSchema(decimal_schema(exclusiveMinimum=0, maximum=int(MAX_ORDER_NUMBER))),
]
"""A quantity or price: positive, at most 1e12 (and 18 decimal places, checked by the order)."""

CallbackRate = Annotated[
    DecimalInput,
    WithJsonSchema(
        decimal_schema(minimum=float(MIN_CALLBACK_RATE_PCT), maximum=float(MAX_CALLBACK_RATE_PCT))
    ),
]
"""A trailing-stop callback rate in percent; the order checks the range exactly (0.1 to 5)."""

CLIENT_ORDER_ID_PATTERN = r"^[.A-Z:/a-z0-9_-]{1,36}$"
"""Binance's rule for `newClientOrderId`."""


class OrderCreate(RequestModel):
    """POST body. Numbers may be given as JSON numbers or strings ("0.001").

    Quantities and prices are positive, at most 1e12 and carry at most 18 decimal
    places; NaN and infinities are refused.

    `client_order_id` (or the `Idempotency-Key` header) makes a retry safe: the
    same key with the same request returns the order already created, never a
    second one; the same key with a different request is a 422 naming the fields.
    `strategy` names the book (the pair trading `symbol` with that strategy); it may
    be left out when one pair trades the symbol. Without `qty`, an entry with a
    `stop_loss` is sized by risk like a signal.
    """

    symbol: str = Field(min_length=1, max_length=32, examples=["BTCUSDT"])
    strategy: str | None = Field(
        None, min_length=1, max_length=64, description="which pair of the symbol trades it"
    )
    side: Literal["buy", "sell"]
    type: Literal["market", "limit", "stop_market", "stop_limit", "trailing_stop"] = "market"
    qty: OrderNumber | None = Field(
        None, examples=["0.002"], description="omitted: risk-sized from stop_loss"
    )
    price: OrderNumber | None = Field(None, description="limit price (limit, stop_limit)")
    stop_price: OrderNumber | None = Field(
        None, description="trigger price (stop_market, stop_limit; trailing activation)"
    )
    callback_rate_pct: CallbackRate | None = Field(
        None, description="trailing-stop callback rate in percent (0.1 to 5)"
    )
    reduce_only: bool = False
    post_only: bool = Field(
        False, description="limit only: refused instead of trading at once (Binance GTX)"
    )
    stop_loss: OrderNumber | None = Field(None, description="bracket stop-loss of an entry")
    take_profit: OrderNumber | None = Field(None, description="bracket take-profit of an entry")
    client_order_id: str | None = Field(
        None, pattern=CLIENT_ORDER_ID_PATTERN, examples=["my-order-1"]
    )


class OrderPublic(BaseModel):
    """An order as the queue holds it: decimals as strings, times ISO-8601 UTC (and ms).

    `status`: pending_confirmation → accepted → filled, or cancelled / rejected /
    expired. Bracket children (reduce-only stop-loss and take-profit, one cancels
    the other) name their entry in `parent_id`; the entry lists them in `children`.
    """

    model_config = ConfigDict(extra="allow")

    id: str
    client_order_id: str
    symbol: str
    side: Literal["buy", "sell"]
    type: Literal["market", "limit", "stop_market", "stop_limit", "trailing_stop"]
    qty: str | None
    price: str | None
    stop_price: str | None
    callback_rate_pct: str | None
    reduce_only: bool
    post_only: bool = False
    stop_loss: str | None
    take_profit: str | None
    source: Literal["strategy", "manual"]
    signal_time_ms: int | None
    strategy: str | None
    status: Literal[
        "pending_confirmation",
        "accepted",
        "submitted",
        "filled",
        "cancelled",
        "rejected",
        "expired",
    ]
    reason: str
    created_ms: int
    created_at: str
    updated_ms: int
    updated_at: str
    filled_ms: int | None
    filled_at: str | None
    fill_price: float | None
    parent_id: str | None
    children: list[str]


class TargetLegPublic(BaseModel):
    """One take-profit: its price and the quantity (base asset) it closes."""

    price: float
    qty: float


class ConfirmationFactsPublic(BaseModel):
    """What the decision needs, fixed at signal time (the close of the signal's bar).

    Money in USDT, `qty` in the base asset. `risk_usdt = qty × |entry − stop_loss|`,
    `risk_pct` that risk in % of `equity` (cash + unrealised P&L at signal time),
    `initial_margin = notional / leverage`, `reward_risk` measured at the take-profits'
    quantity-weighted average price. `bar_time` is the signal bar's open time.
    """

    side: Literal["long", "short"]
    entry: float = Field(description="the signal's price")
    stop_loss: float | None
    take_profits: list[TargetLegPublic]
    qty: float
    notional: float
    leverage: float
    initial_margin: float
    equity: float
    risk_usdt: float | None
    risk_pct: float | None
    reward_risk: float | None
    bar_ms: int
    bar_time: str
    reasons: list[str]
    confidence: float | None
    score: float | None
    tier: str | None
    variant: str | None
    breakdown: dict[str, float]


class PendingPublic(BaseModel):
    """An order waiting for a person's confirmation until `expires_at` (wall clock).

    `facts`: the figures at signal time (None for a confirmation stored before they were
    kept). As listed by `GET /orders/pending`: `mark`, the engine's latest price of the
    pair, `move_pct` the move since the signal's price, `price_moved` whether it is at
    least `move_warn_pct` (`PRICE_MOVE_WARN_PCT`); `bars_left`, in a paced replay, the
    time left in the replay's bars at its speed (confirmations expire on wall time).
    The stream's `pending` events carry no market figures (null).
    """

    model_config = ConfigDict(extra="allow")

    id: str
    order: OrderPublic
    status: Literal["open", "confirmed", "rejected", "expired", "cancelled"]
    created_at: str
    expires_at: str
    resolved_at: str | None
    seconds_left: float
    facts: ConfirmationFactsPublic | None = None
    mark: float | None = None
    move_pct: float | None = None
    move_warn_pct: float | None = None
    price_moved: bool = False
    bars_left: int | None = None
