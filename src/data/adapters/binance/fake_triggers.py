"""The fake venue's conditional orders (`/fapi/v1/algoOrder`, `algoType=CONDITIONAL`):
placement checks, triggers against the replayed price, and their `ALGO_UPDATE` lifecycle.

Triggers (the contract price is also the mark price here, so `workingType` changes
nothing): STOP_MARKET and STOP fire for a buy when the price is at or above the trigger
price, for a sell at or below; TAKE_PROFIT_MARKET and TAKE_PROFIT the other way round;
TRAILING_STOP_MARKET activates at `activatePrice` (at once without one), follows the best
price since and fires when the price comes back `callbackRate` % from it. An order that
would fire at the current price is refused (-2021). Margin is only checked when it fires.

A firing order goes TRIGGERING → (the order it places: MARKET, or LIMIT at `price` for
STOP / TAKE_PROFIT, with the algo order's client id) TRIGGERED with `ai` = that order's
id → the order's own ORDER_TRADE_UPDATEs and ACCOUNT_UPDATEs → FINISHED with `ap`/`aq`
once that order is done. A reduce-only or close-position order that fires while there is
nothing to reduce goes TRIGGERING → EXPIRED ("Reduce Only reject"); one whose margin
check fails, TRIGGERING → REJECTED ("Margin is insufficient.").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from scalplab.data.adapters.binance.fake_matching import (
    CLIENT_ID,
    TIME_IN_FORCE,
    Matching,
    mandatory,
    new_client_id,
    not_required,
)
from scalplab.data.adapters.binance.fake_records import (
    CONDITIONAL_TYPES,
    FakeAlgoOrder,
    FakeOrder,
    algo_event,
)
from scalplab.data.adapters.binance.fake_rules import ZERO, VenueError

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class AlgoRequest:
    """A `POST /fapi/v1/algoOrder` as the venue reads it."""

    symbol: str
    side: str
    order_type: str
    quantity: Decimal | None = None
    trigger_price: Decimal | None = None
    price: Decimal | None = None
    time_in_force: str | None = None
    working_type: str | None = None
    close_position: bool = False
    reduce_only: bool = False
    price_protect: bool = False
    position_side: str | None = None
    activate_price: Decimal | None = None
    callback_rate: Decimal | None = None
    client_algo_id: str | None = None
    good_till_ms: int = 0


def fires(algo: FakeAlgoOrder, price: Decimal) -> bool:
    """Whether a stop or take-profit order fires at `price`."""
    stop = algo.order_type in ("STOP", "STOP_MARKET")
    rising = (algo.side == "BUY") == stop
    return price >= algo.trigger_price if rising else price <= algo.trigger_price


class AlgoBook:
    """The conditional orders of one account, working through `matching`."""

    def __init__(self, matching: Matching) -> None:
        self.matching = matching
        self.algos: dict[int, FakeAlgoOrder] = {}
        self.open: dict[int, FakeAlgoOrder] = {}
        matching.on_done = self.order_done

    def place(self, request: AlgoRequest) -> FakeAlgoOrder:
        """Check and place a conditional order (ALGO_UPDATE NEW)."""
        m = self.matching
        if request.order_type not in CONDITIONAL_TYPES:
            raise VenueError(-1116, "Invalid orderType.")
        rules = m.rules_for(request.symbol)
        position_side = m.position_side_for(request.position_side, request.reduce_only)
        market = request.order_type.endswith("MARKET")
        trailing = request.order_type == "TRAILING_STOP_MARKET"
        if request.close_position:
            if request.order_type not in ("STOP_MARKET", "TAKE_PROFIT_MARKET"):
                raise not_required("closePosition")
            if request.quantity is not None:
                raise not_required("quantity")
            if request.reduce_only:
                raise not_required("reduceOnly")
        elif request.quantity is None:
            raise mandatory("quantity")
        else:
            rules.check_quantity(request.quantity, market)
        if request.time_in_force not in (None, *TIME_IN_FORCE):
            raise VenueError(-1115, "Invalid timeInForce.")
        if trailing:
            rate = request.callback_rate
            if rate is None or not Decimal("0.1") <= rate <= Decimal(10):
                raise mandatory("callbackRate")
            if request.activate_price is not None:
                rules.check_price(request.activate_price, "activatePrice")
        else:
            if request.trigger_price is None:
                raise mandatory("triggerPrice")
            rules.check_price(request.trigger_price, "triggerPrice")
        if not market:
            if request.price is None:
                raise mandatory("price")
            rules.check_price(request.price)
        elif request.price is not None:
            raise not_required("price")
        client_id = self.client_id(request.client_algo_id)
        if sum(1 for a in self.open.values() if a.symbol == request.symbol) >= (
            rules.max_algo_orders
        ):
            raise VenueError(-4045, "Reach max stop order limit.")
        last = m.last_price(request.symbol)
        reducing = request.close_position or m.reducing(
            request.side, position_side, request.reduce_only
        )
        if not reducing and request.quantity is not None:
            reference = request.price or request.trigger_price or request.activate_price or last
            rules.check_notional(request.quantity * reference)
        now = m.clock()
        algo = FakeAlgoOrder(
            m.counters.next_algo(), client_id, request.symbol, request.side, request.order_type,
            position_side, request.time_in_force or "GTC", request.quantity or ZERO,
            request.trigger_price or request.activate_price or ZERO, request.price or ZERO,
            request.working_type or "CONTRACT_PRICE", request.close_position,
            request.price_protect, request.reduce_only, now,
            activate_price=request.activate_price, callback_rate=request.callback_rate,
            update_ms=now, good_till_ms=request.good_till_ms,
        )  # fmt: skip
        if trailing:
            self.activate(algo, last, placing=True)
        elif fires(algo, last):
            raise VenueError(-2021, "Order would immediately trigger.")
        self.algos[algo.algo_id] = algo
        self.open[algo.algo_id] = algo
        m.publish(algo_event(algo, now, now))
        return algo

    def client_id(self, given: str | None) -> str:
        """The order's client algo id: checked (-4015), unique among open ones (-4116)."""
        if given is None:
            return new_client_id()
        if not CLIENT_ID.match(given):
            raise VenueError(-4015, "Client order id is not valid.")
        if any(a.client_algo_id == given for a in self.open.values()):
            raise VenueError(-4116, "ClientOrderId is duplicated.")
        return given

    def activate(self, algo: FakeAlgoOrder, price: Decimal, placing: bool = False) -> bool:
        """Follow a trailing stop's best price; whether it fires at `price`."""
        if algo.extreme is None:
            start = algo.activate_price
            if start is None:
                algo.extreme = price
                return False
            reached = price >= start if algo.side == "SELL" else price <= start
            if placing and reached:
                raise VenueError(-2021, "Order would immediately trigger.")
            if not reached:
                return False
            algo.extreme = price
            return False
        rate = (algo.callback_rate or ZERO) / HUNDRED
        if algo.side == "SELL":
            algo.extreme = max(algo.extreme, price)
            return price <= algo.extreme * (1 - rate)
        algo.extreme = min(algo.extreme, price)
        return price >= algo.extreme * (1 + rate)

    def find(self, algo_id: int | None, client_algo_id: str | None) -> FakeAlgoOrder:
        """The conditional order by id or client id (the latest), or -2013."""
        if algo_id is not None:
            algo = self.algos.get(algo_id)
            if algo is not None:
                return algo
        elif client_algo_id is not None:
            for algo in reversed(self.algos.values()):
                if algo.client_algo_id == client_algo_id:
                    return algo
        else:
            raise mandatory("algoId")
        raise VenueError(-2013, "Order does not exist.")

    def cancel(self, algo_id: int | None, client_algo_id: str | None) -> FakeAlgoOrder:
        """Cancel a conditional order that has not triggered (-2011 otherwise)."""
        try:
            algo = self.find(algo_id, client_algo_id)
        except VenueError as error:
            if error.code == -1102:
                raise
            raise VenueError(-2011, "Unknown order sent.") from None
        if not algo.is_open:
            raise VenueError(-2011, "Unknown order sent.")
        self.finish(algo, "CANCELED")
        return algo

    def cancel_all(self, symbol: str) -> int:
        """Cancel every untriggered conditional order of `symbol`; how many."""
        algos = [a for a in self.open.values() if a.symbol == symbol]
        for algo in algos:
            self.finish(algo, "CANCELED")
        return len(algos)

    def finish(self, algo: FakeAlgoOrder, status: str, reason: str = "") -> None:
        """Move a conditional order to a final status and report it."""
        now = self.matching.clock()
        algo.status, algo.reason, algo.update_ms = status, reason, now
        self.open.pop(algo.algo_id, None)
        self.matching.publish(algo_event(algo, now, now))

    def on_price(self, symbol: str, price: Decimal) -> None:
        """The market trades at `price`: fire the orders it triggers, oldest first."""
        for algo in [a for a in self.open.values() if a.symbol == symbol]:
            if algo.order_type == "TRAILING_STOP_MARKET":
                if self.activate(algo, price):
                    self.trigger(algo)
            elif fires(algo, price):
                self.trigger(algo)

    def trigger(self, algo: FakeAlgoOrder) -> None:
        """Fire a conditional order: TRIGGERING, then the order it places (or EXPIRED /
        REJECTED)."""
        m = self.matching
        now = m.clock()
        algo.status, algo.trigger_ms, algo.update_ms = "TRIGGERING", now, now
        m.publish(algo_event(algo, now, now))
        reducing = algo.close_position or m.reducing(
            algo.side, algo.position_side, algo.reduce_only
        )
        closable = m.account.closable(algo.symbol, algo.side, algo.position_side)
        qty = closable if algo.close_position else algo.quantity
        if reducing:
            if closable == 0:
                self.finish(algo, "EXPIRED", "Reduce Only reject")
                return
            qty = min(qty, closable)
        market = algo.order_type.endswith("MARKET")
        last = m.last_price(algo.symbol)
        reference = last if market else algo.price
        if not reducing:
            try:
                m.check_margin(algo.symbol, algo.side, algo.position_side, qty, reference, True)
            except VenueError as error:
                self.finish(algo, "REJECTED", error.msg)
                return
        order = m.create(
            algo.symbol, algo.side, "MARKET" if market else "LIMIT", qty,
            ZERO if market else algo.price, algo.time_in_force, algo.reduce_only or
            algo.close_position, algo.position_side, algo.client_algo_id,
        )  # fmt: skip
        order.orig_type, order.stop_price = algo.order_type, algo.trigger_price
        order.close_position, order.algo_id = algo.close_position, algo.algo_id
        algo.status, algo.actual_order_id, algo.actual_type = (
            "TRIGGERED",
            order.order_id,
            order.type,
        )
        algo.update_ms = m.clock()
        self.open.pop(algo.algo_id, None)
        m.publish(algo_event(algo, algo.update_ms, algo.update_ms))
        m.work(order)

    def order_done(self, order: FakeOrder) -> None:
        """The order a conditional order placed is done: FINISHED with its fills."""
        algo = self.algos.get(order.algo_id) if order.algo_id is not None else None
        if algo is None or algo.status != "TRIGGERED":
            return
        algo.avg_price, algo.filled_qty = order.avg_price, order.executed
        self.finish(algo, "FINISHED")
