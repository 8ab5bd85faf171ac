"""The fake venue's matching of `/fapi/v1/order` orders against the replayed price.

There is no order book: the market is one last price per symbol (`set_price`, also the
mark price). A MARKET order fills at it as taker; a LIMIT order that the price already
crosses fills at it as taker too (GTC, IOC, FOK; GTX is refused with -5022), otherwise it
rests and fills at its own price as maker once a later price touches it (a buy at or
below, a sell at or above). IOC/FOK orders that cannot fill expire; GTD is kept like
GTC (it never expires here). A reduce-only order
fills at most the position it reduces, the rest expires. With `fill_chunks` > 1 a taker
fill arrives as that many trades (PARTIALLY_FILLED … FILLED).

Placement checks, in Binance's order and with its codes: conditional types belong to the
algo endpoint (-4120), order type and position side, client id format (-4015) and
uniqueness among open orders (-4116), quantity and price filters (-1111, -4014, -4003…),
open-order count (-2025), reduce-only that would not reduce (-2022), minimum notional
(-4164), post-only that would take (-5022), margin (-2019). Each fill is booked on the
account and reported as `ORDER_TRADE_UPDATE` (TRADE) followed by `ACCOUNT_UPDATE`
(reason ORDER).
"""

from __future__ import annotations

import copy
import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from scalplab.data.adapters.binance.fake_accounts import Account
from scalplab.data.adapters.binance.fake_records import (
    CONDITIONAL_TYPES,
    Counters,
    FakeOrder,
    FakeTrade,
    StreamEvent,
    order_event,
)
from scalplab.data.adapters.binance.fake_rules import ZERO, RuleBook, SymbolRules, VenueError

CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
TIME_IN_FORCE = ("GTC", "IOC", "FOK", "GTX", "GTD")
FINAL = frozenset({"FILLED", "CANCELED", "EXPIRED", "REJECTED"})


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A `POST /fapi/v1/order` as the venue reads it."""

    symbol: str
    side: str
    type: str
    quantity: Decimal
    price: Decimal | None = None
    time_in_force: str | None = None
    reduce_only: bool = False
    position_side: str | None = None
    client_order_id: str | None = None
    good_till_ms: int = 0


def mandatory(name: str) -> VenueError:
    """-1102 for a parameter that is missing or malformed."""
    return VenueError(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def not_required(name: str) -> VenueError:
    """-1106 for a parameter sent where it does not belong."""
    return VenueError(-1106, f"Parameter '{name}' sent when not required.")


def new_client_id() -> str:
    """An id like the ones Binance makes up when the client sends none."""
    return "".join(random.choices(string.ascii_letters + string.digits, k=22))


class Matching:
    """The regular orders of one account (not thread-safe: the venue holds its lock)."""

    def __init__(
        self,
        account: Account,
        rules: RuleBook,
        counters: Counters,
        clock: Callable[[], int],
        publish: Callable[[StreamEvent], None],
        fill_chunks: int = 1,
    ) -> None:
        self.account = account
        self.rules = rules
        self.counters = counters
        self.clock = clock
        self.publish = publish
        self.fill_chunks = max(1, fill_chunks)
        self.prices: dict[str, Decimal] = {}
        self.orders: dict[int, FakeOrder] = {}
        self.open: dict[int, FakeOrder] = {}
        self.trades: list[FakeTrade] = []
        self.on_done: Callable[[FakeOrder], None] | None = None
        """Called when an order placed by a conditional order reaches a final status."""

    # ----- checks shared with the algo endpoint ----------------------------------------

    def rules_for(self, symbol: str) -> SymbolRules:
        """The symbol's rules (-1121 for a symbol the venue cannot trade)."""
        return self.rules.get(symbol, self.prices.get(symbol))

    def last_price(self, symbol: str) -> Decimal:
        """The symbol's last price (the venue needs one before it can match)."""
        price = self.prices.get(symbol)
        if price is None:
            raise VenueError(-1000, f"No price for {symbol} yet (fake venue: set_price first).")
        return price

    def position_side_for(self, requested: str | None, reduce_only: bool) -> str:
        """The position an order works on, or -4061 / -1106 as Binance answers a position
        side that does not match the account's mode."""
        if self.account.hedge_mode:
            if requested not in ("LONG", "SHORT"):
                raise VenueError(-4061, "Order's position side does not match user's setting.")
            if reduce_only:
                raise not_required("reduceOnly")
            return requested
        if requested not in (None, "BOTH"):
            raise VenueError(-4061, "Order's position side does not match user's setting.")
        return "BOTH"

    def reducing(self, side: str, position_side: str, reduce_only: bool) -> bool:
        """Whether the order can only reduce (reduce-only, or closing a hedge-mode side)."""
        closing = (side, position_side) in (("SELL", "LONG"), ("BUY", "SHORT"))
        return reduce_only or closing

    def check_margin(
        self, symbol: str, side: str, position_side: str, qty: Decimal, price: Decimal, taker: bool
    ) -> None:
        """-2019 when the initial margin of what the order adds, plus its fee, exceeds the
        available balance."""
        closable = self.account.closable(symbol, side, position_side)
        adds = qty - min(qty, closable)
        if not adds:
            return
        fee = qty * price * (self.account.taker_fee if taker else self.account.maker_fee)
        needed = adds * price / self.account.leverage(symbol) + fee
        if needed > self.account.available(self.order_margin()):
            raise VenueError(-2019, "Margin is insufficient.")

    def order_margin(self) -> Decimal:
        """The initial margin the open orders hold (what each would add to its position)."""
        return sum(self.margin_by_position().values(), ZERO)

    def margin_by_position(self) -> dict[tuple[str, str], Decimal]:
        """The open orders' initial margin per (symbol, position side)."""
        held: dict[tuple[str, str], Decimal] = {}
        for order in self.open.values():
            if self.reducing(order.side, order.position_side, order.reduce_only):
                continue
            closable = self.account.closable(order.symbol, order.side, order.position_side)
            adds = order.remaining - min(order.remaining, closable)
            key = (order.symbol, order.position_side)
            held[key] = held.get(key, ZERO) + adds * order.price / self.account.leverage(
                order.symbol
            )
        return held

    def notional_by_side(self) -> dict[tuple[str, str, str], Decimal]:
        """Open orders' notional per (symbol, position side, order side)."""
        out: dict[tuple[str, str, str], Decimal] = {}
        for order in self.open.values():
            key = (order.symbol, order.position_side, order.side)
            out[key] = out.get(key, ZERO) + order.remaining * order.price
        return out

    # ----- placing ----------------------------------------------------------------------

    def place(self, request: OrderRequest) -> tuple[FakeOrder, FakeOrder]:
        """Check and place an order, work it at once: its state as accepted (NEW) and
        as it stands after matching."""
        if request.type in CONDITIONAL_TYPES:
            raise VenueError(
                -4120,
                "Order type not supported for this endpoint. "
                "Please use the Algo Order API endpoints instead.",
            )
        if request.type not in ("MARKET", "LIMIT"):
            raise VenueError(-1116, "Invalid orderType.")
        rules = self.rules_for(request.symbol)
        position_side = self.position_side_for(request.position_side, request.reduce_only)
        client_id = self.client_id(request.client_order_id)
        market = request.type == "MARKET"
        if market and request.price is not None:
            raise not_required("price")
        if not market:
            if request.price is None:
                raise mandatory("price")
            if request.time_in_force is None:
                raise mandatory("timeInForce")
            if request.time_in_force not in TIME_IN_FORCE:
                raise VenueError(-1115, "Invalid timeInForce.")
        rules.check_quantity(request.quantity, market)
        if request.price is not None:
            rules.check_price(request.price)
        if sum(1 for o in self.open.values() if o.symbol == request.symbol) >= rules.max_orders:
            raise VenueError(-2025, "Reach max open order limit.")
        last = self.last_price(request.symbol)
        price = request.price if request.price is not None else ZERO
        reducing = self.reducing(request.side, position_side, request.reduce_only)
        closable = self.account.closable(request.symbol, request.side, position_side)
        if reducing and (
            closable == 0 or (not request.reduce_only and request.quantity > closable)
        ):
            raise VenueError(-2022, "ReduceOnly Order is rejected.")
        reference = last if market else price
        if not reducing:
            rules.check_notional(request.quantity * reference)
        taker = market or self.crosses(request.side, price, last)
        if request.time_in_force == "GTX" and taker:
            raise VenueError(
                -5022,
                "Due to the order could not be executed as maker, the Post Only order will "
                "be rejected. The order will not be recorded in the order history",
            )
        if not reducing:
            self.check_margin(request.symbol, request.side, position_side, request.quantity,
                              reference, taker)  # fmt: skip
        order = self.create(
            request.symbol, request.side, request.type, request.quantity, price,
            "GTC" if market else request.time_in_force or "GTC", request.reduce_only,
            position_side, client_id,
        )  # fmt: skip
        order.good_till_ms = request.good_till_ms
        accepted = copy.copy(order)
        self.work(order)
        return accepted, order

    def client_id(self, given: str | None) -> str:
        """The order's client id: checked (-4015) and unique among open orders (-4116), or
        made up when none is given."""
        if given is None:
            return new_client_id()
        if not CLIENT_ID.match(given):
            raise VenueError(-4015, "Client order id is not valid.")
        if any(o.client_order_id == given for o in self.open.values()):
            raise VenueError(-4116, "ClientOrderId is duplicated.")
        return given

    @staticmethod
    def crosses(side: str, limit: Decimal, price: Decimal) -> bool:
        """Whether a limit order on `side` at `limit` is matched by the market at `price`."""
        return price <= limit if side == "BUY" else price >= limit

    def create(
        self,
        symbol: str,
        side: str,
        order_type: str,
        quantity: Decimal,
        price: Decimal,
        time_in_force: str,
        reduce_only: bool,
        position_side: str,
        client_id: str,
    ) -> FakeOrder:
        """Register a new order (status NEW; nothing published yet)."""
        now = self.clock()
        order = FakeOrder(
            self.counters.next_order(), client_id, symbol, side, order_type, time_in_force,
            quantity, price, reduce_only, position_side, now, update_ms=now,
        )  # fmt: skip
        self.orders[order.order_id] = order
        self.open[order.order_id] = order
        return order

    def work(self, order: FakeOrder) -> None:
        """Announce a new order (NEW) and match it against the current price."""
        self.publish(order_event(order, "NEW", self.clock()))
        last = self.last_price(order.symbol)
        if order.type == "MARKET" or self.crosses(order.side, order.price, last):
            qty = self.fillable(order)
            if order.time_in_force == "FOK" and qty < order.remaining:
                qty = ZERO
            if qty:
                self.take(order, qty, last)
            if order.is_open:
                self.end(order, "EXPIRED")
        elif order.time_in_force in ("IOC", "FOK"):
            self.end(order, "EXPIRED")

    def fillable(self, order: FakeOrder) -> Decimal:
        """What the order may fill now (a reducing order: at most the position)."""
        if not self.reducing(order.side, order.position_side, order.reduce_only):
            return order.remaining
        closable = self.account.closable(order.symbol, order.side, order.position_side)
        return min(order.remaining, closable)

    def take(self, order: FakeOrder, qty: Decimal, price: Decimal) -> None:
        """Fill `qty` as taker at `price`, in `fill_chunks` trades on the step size."""
        step = self.rules_for(order.symbol).step_size
        chunks = self.fill_chunks if qty >= step * self.fill_chunks else 1
        part = (qty / chunks / step).to_integral_value(rounding="ROUND_FLOOR") * step
        for _ in range(chunks - 1):
            self.fill(order, part, price, maker=False)
        self.fill(order, qty - part * (chunks - 1), price, maker=False)

    def fill(self, order: FakeOrder, qty: Decimal, price: Decimal, maker: bool) -> None:
        """Book one fill and report it (ORDER_TRADE_UPDATE TRADE, ACCOUNT_UPDATE ORDER)."""
        now = self.clock()
        outcome = self.account.apply_fill(
            order.symbol, order.side, order.position_side, qty, price, maker, now
        )
        order.executed += qty
        order.cum_quote += qty * price
        order.status = "FILLED" if order.remaining == 0 else "PARTIALLY_FILLED"
        order.update_ms = now
        trade = FakeTrade(
            self.counters.next_trade(), order.order_id, order.symbol, order.side, price, qty,
            outcome.realized_pnl, outcome.commission, maker, order.position_side, now,
            self.account.asset,
        )  # fmt: skip
        self.trades.append(trade)
        self.publish(order_event(order, "TRADE", now, trade))
        self.publish(self.account.account_update("ORDER", [outcome.position], ZERO, now, now))
        if order.status == "FILLED":
            self.closed(order)

    def end(self, order: FakeOrder, status: str) -> None:
        """Take an open order off the book as CANCELED or EXPIRED, and report it."""
        order.status = status
        order.update_ms = self.clock()
        self.publish(order_event(order, status, order.update_ms))
        self.closed(order)

    def closed(self, order: FakeOrder) -> None:
        """Take a final order off the book (and tell the algo book, for its own)."""
        self.open.pop(order.order_id, None)
        if order.algo_id is not None and self.on_done is not None:
            self.on_done(order)

    # ----- queries and cancels ----------------------------------------------------------

    def find(self, symbol: str, order_id: int | None, client_id: str | None) -> FakeOrder:
        """The order by id or client id (the latest with that client id), or -2013."""
        if order_id is not None:
            order = self.orders.get(order_id)
            if order is not None and order.symbol == symbol:
                return order
        elif client_id is not None:
            for order in reversed(self.orders.values()):
                if order.symbol == symbol and order.client_order_id == client_id:
                    return order
        else:
            raise mandatory("orderId")
        raise VenueError(-2013, "Order does not exist.")

    def cancel(self, symbol: str, order_id: int | None, client_id: str | None) -> FakeOrder:
        """Cancel an open order, or -2011 when there is no such open order."""
        try:
            order = self.find(symbol, order_id, client_id)
        except VenueError as error:
            if error.code == -1102:
                raise
            raise VenueError(-2011, "Unknown order sent.") from None
        if not order.is_open:
            raise VenueError(-2011, "Unknown order sent.")
        self.end(order, "CANCELED")
        return order

    def cancel_all(self, symbol: str) -> int:
        """Cancel every open order of `symbol`; how many."""
        orders = [o for o in self.open.values() if o.symbol == symbol]
        for order in orders:
            self.end(order, "CANCELED")
        return len(orders)

    # ----- the market moves -------------------------------------------------------------

    def set_price(self, symbol: str, price: Decimal) -> None:
        """The market trades at `price`: resting limit orders it touches fill as maker at
        their own price."""
        self.prices[symbol] = price
        self.account.marks[symbol] = price
        resting = [o for o in self.open.values() if o.symbol == symbol and o.type == "LIMIT"]
        for order in resting:
            if not order.is_open or not self.crosses(order.side, order.price, price):
                continue
            qty = self.fillable(order)
            if qty:
                self.fill(order, qty, order.price, maker=True)
            if order.is_open:
                self.end(order, "EXPIRED")
