"""Typed events of Binance USDT-M's user-data stream (`{WS}/private/ws?listenKey=…`).

`ORDER_TRADE_UPDATE`, `ALGO_UPDATE`, `ACCOUNT_UPDATE`, `TRADE_LITE` and
`listenKeyExpired`, as records; the parser (`parse_user_event`) lives beside the stream
client. Prices and quantities stay `Decimal`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from scalplab.data.adapters.binance.trading_schemas import ExchangeSide


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """`ORDER_TRADE_UPDATE`: an order changed (`execution_type` TRADE: a fill)."""

    event_ms: int
    transact_ms: int
    symbol: str
    client_order_id: str
    order_id: int
    side: ExchangeSide
    order_type: str
    execution_type: str
    """NEW CANCELED CALCULATED EXPIRED TRADE AMENDMENT."""
    order_status: str
    orig_qty: Decimal
    last_filled_qty: Decimal
    last_filled_price: Decimal
    cum_filled_qty: Decimal
    avg_price: Decimal
    commission: Decimal
    commission_asset: str
    maker: bool
    reduce_only: bool
    realized_pnl: Decimal
    trade_id: int


@dataclass(frozen=True, slots=True)
class AlgoUpdate:
    """`ALGO_UPDATE`: a conditional order moved (NEW → TRIGGERING → TRIGGERED → FINISHED,
    or CANCELED / REJECTED / EXPIRED)."""

    event_ms: int
    transact_ms: int
    client_algo_id: str
    algo_id: int
    symbol: str
    side: ExchangeSide
    order_type: str
    algo_status: str
    trigger_price: Decimal
    quantity: Decimal
    close_position: bool
    reduce_only: bool
    actual_order_id: str
    """The order the trigger placed ('' before it triggered)."""
    avg_price: Decimal
    filled_qty: Decimal
    reason: str
    """Why it was rejected or expired ('' otherwise)."""


@dataclass(frozen=True, slots=True)
class BalanceChange:
    """One asset of an `ACCOUNT_UPDATE`."""

    asset: str
    wallet_balance: Decimal
    cross_wallet_balance: Decimal
    balance_change: Decimal


@dataclass(frozen=True, slots=True)
class PositionChange:
    """One position of an `ACCOUNT_UPDATE` (one-way mode: side BOTH)."""

    symbol: str
    position_amt: Decimal
    entry_price: Decimal
    unrealized_pnl: Decimal
    margin_type: str
    isolated_wallet: Decimal
    position_side: str


@dataclass(frozen=True, slots=True)
class AccountUpdate:
    """`ACCOUNT_UPDATE`: balances and positions after an order, funding or transfer
    (`reason`: ORDER FUNDING_FEE DEPOSIT WITHDRAW ADL INSURANCE_CLEAR …)."""

    event_ms: int
    transact_ms: int
    reason: str
    balances: tuple[BalanceChange, ...]
    positions: tuple[PositionChange, ...]


@dataclass(frozen=True, slots=True)
class TradeLite:
    """`TRADE_LITE`: a fill, reported faster and with fewer fields than the order update."""

    event_ms: int
    transact_ms: int
    symbol: str
    client_order_id: str
    order_id: int
    side: ExchangeSide
    qty: Decimal
    price: Decimal
    last_filled_qty: Decimal
    last_filled_price: Decimal
    maker: bool
    trade_id: int


@dataclass(frozen=True, slots=True)
class ListenKeyExpired:
    """`listenKeyExpired`: the stream stops; a new listenKey must be created."""

    event_ms: int
    listen_key: str


UserEvent = OrderUpdate | AlgoUpdate | AccountUpdate | TradeLite | ListenKeyExpired
"""Every user-data event the adapter reports."""
