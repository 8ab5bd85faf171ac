"""The Binance USDT-M venue: the venue port, worked by the exchange instead of by bars.

`BinanceVenue` plugs into the same order pipeline as the simulated venue. Accepted
orders go to Binance over signed REST (`BinanceTradingClient`): entries through
`/fapi/v1/order` with the queue's client order id as `newClientOrderId`, stop-loss and
take-profit — or one take-profit per leg of a ladder — as conditional algo orders
(`/fapi/v1/algoOrder`) placed once the entry has filled. The stop rules and the signal's
own max-hold are the execution model's, evaluated at each bar close on these books and
acted on Binance (`live_exits`: a moved stop replaced, a max-hold closed at market).
Fills, algo-order updates and funding come back over the user-data stream and are
booked into the execution model's books (`live_book.LiveBooks`), so positions,
trades, fees and funding are the same records paper trading keeps; every change is
reported as the same typed venue events.

Safety rules (nautilus_trader's and hummingbot's lessons, LIVE-NOTES.md):
- an order whose outcome is unknown (timeout, 5xx, -1006/-1007) stays `submitted` and is
  looked up by its client id; it is sent again — under the same id — only when Binance
  says it does not exist;
- a position is never left without its stop: a stop the market has already passed
  (-2021) is executed at market, a stop Binance refuses otherwise closes the position;
- once a position is flat, its remaining protection orders are cancelled;
- after every (re)connection of the user-data stream and every `reconcile_every_s`, the
  venue reconciles over REST (`live_sync`): unsettled orders looked up, fills missed
  since the last one seen booked, missing protection replaced, orphans cancelled,
  positions compared with Binance's.
REST calls run on one worker thread (`live_worker.Worker`), never under the engine's
lock; what they learn is applied through `apply`, which the engine wraps in its lock and
a journal unit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from decimal import Decimal

from scalplab.data.adapters.binance.order_errors import BinanceRejected, OutcomeUnknown
from scalplab.data.adapters.binance.trading import BinanceTradingClient
from scalplab.data.adapters.binance.trading_schemas import AlgoOrder, ExchangeOrder
from scalplab.data.symbols import SymbolRules
from scalplab.errors import ScalpLabError
from scalplab.orders.events import VenueEvent
from scalplab.orders.execution import ExecutionModel
from scalplab.orders.ids import child_order_id
from scalplab.orders.live_exits import LiveExits, bracket_of
from scalplab.orders.live_orders import (
    LiveOrder,
    Placement,
    Role,
    market_close,
    placement_of,
)
from scalplab.orders.live_state import CLOSE_ROLES, Bracket, LiveState, fill_of_trade
from scalplab.orders.live_worker import Worker
from scalplab.orders.models import Bar, ExitReason, Position, Trade
from scalplab.orders.queue import OrderQueue
from scalplab.orders.types import Order

log = logging.getLogger(__name__)

LOOKUP_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
"""Waits before successive lookups of an order whose outcome is unknown (the last repeats)."""
FILL_CHECK_DELAY_S = 2.0
"""After Binance reports an order filled, how long the user stream has to deliver its
fills before they are fetched over REST."""
WOULD_TRIGGER = -2021

Apply = Callable[[Callable[[], None]], None]


class BinanceVenue:
    """The venue port on Binance USDT-M (see the module docstring)."""

    def __init__(
        self,
        model: ExecutionModel,
        queue: OrderQueue,
        client: BinanceTradingClient,
        *,
        clock_ms: Callable[[], int] | None = None,
    ) -> None:
        self.model = model
        self.queue = queue
        self.client = client
        self.worker = Worker("binance-venue")
        self.clock_ms = clock_ms or (lambda: int(time.time() * 1000))
        self.state = LiveState(model, self.clock_ms, self)
        self.lock = threading.RLock()
        self.apply: Apply = self._locked
        self.exits = LiveExits(self)

    # ----- wiring -------------------------------------------------------------------------

    def _locked(self, change: Callable[[], None]) -> None:
        """Apply a change under the venue's own lock (the engine replaces this with its
        lock and a journal unit)."""
        with self.lock:
            change()

    def listen(self, listener: Callable[[VenueEvent], None]) -> None:
        """Report every fill, cancellation, refusal and position change to `listener`."""
        self.model.on_event = listener

    # ----- what the state asks for (`live_state.VenueActions`) -----------------------------

    def protect(self, book: str, entry_order_id: str) -> None:
        """Place a filled entry's stop-loss and take-profit or ladder (on the worker)."""
        self.worker.put(lambda: self.place_protection(book, entry_order_id))

    def withdraw(self, live: LiveOrder, reason: str) -> None:
        """Cancel `live` on Binance (on the worker)."""
        self.worker.put(lambda: self.cancel_on_exchange(live, reason))

    def fetch_fills_later(self, live: LiveOrder) -> None:
        """Fetch `live`'s fills over REST if the stream has not brought them in a while."""
        self.worker.later(FILL_CHECK_DELAY_S, lambda: self.fetch_fills(live))

    # ----- the venue port: reads answered from the books ----------------------------------

    def has_book(self, book: str) -> bool:
        """Whether `book` is registered."""
        return self.model.has_book(book)

    def on_bar(self, book: str, bar: Bar) -> None:
        """A bar closed: the book's clock moves on (Binance fills, bars do not), and the
        position's stop rules and max-hold are applied as in paper trading."""
        self.state.books.observe_bar(book, bar)
        self.exits.close_of_bar(book, bar)

    def finish(self, book: str) -> None:
        """The run ended: a waiting entry is cancelled, an open position closed at market."""
        for live in self.state.orders.of_book(book):
            if live.role == "entry":
                self.cancel(book, live.order_id, "the run ended before it filled")
        self.close_position(book, "end", None)

    def bars_held(self, book: str) -> int:
        """Bars the position has been held, its entry bar included."""
        return self.model.bars_held(book)

    def busy_books(self) -> set[str]:
        """Books with a position or an entry not settled yet."""
        return {b for b in self.model.books() if self.position(b) or self.has_pending_entry(b)}

    def exit_pending(self, book: str) -> bool:
        """Whether an exit order of the book is on its way."""
        return any(o.role == "exit" for o in self.state.orders.of_book(book))

    def rules(self, book: str) -> SymbolRules:
        """The symbol rules of the book's symbol."""
        return self.model.book(book).rules

    def position(self, book: str) -> Position | None:
        """The book's open position as the exchange's fills built it."""
        return self.model.position(book)

    def closed_trades(self, book: str) -> Sequence[Trade]:
        """The book's closed trades as the exchange's fills built them."""
        return self.model.book(book).trades

    def has_pending_entry(self, book: str) -> bool:
        """Whether an entry was sent and has not filled yet."""
        return any(o.role == "entry" for o in self.state.orders.of_book(book))

    def last_bar(self, book: str) -> Bar | None:
        """The book's last closed bar."""
        return self.model.last_bar(book)

    def is_last_bar(self, book: str, bar: Bar) -> bool:
        """A live feed has no last bar."""
        return False

    def data_bars(self, book: str) -> int | None:
        """A live feed is open-ended."""
        return None

    def equity(self) -> float:
        """Cash plus unrealised P&L at the last closes."""
        return self.model.equity

    def margin_in_use(self) -> float:
        """Initial margin of the positions and of the entries on their way."""
        used = self.model.margin_in_use()
        leverage = self.model.config.max_leverage
        for live in self.state.orders.unsettled():
            if live.role == "entry":
                bar = self.model.last_bar(live.book)
                price = float(live.placement.price or 0) or (bar.close if bar else 0.0)
                used += (live.qty - live.filled) * price / leverage
        return used

    # ----- the venue port: orders --------------------------------------------------------

    def submit(self, book: str, order: Order) -> None:
        """Send an accepted order to Binance (on the worker; the answer comes back as
        events). An entry's stop-loss and take-profit (or ladder) follow once it has
        filled."""
        assert order.qty is not None
        role: Role = "exit" if order.reduce_only else "entry"
        live = LiveOrder(
            order.id, order.client_order_id, book, role, placement_of(order), float(order.qty)
        )
        live.sent_ms = self.clock_ms()
        if role == "entry":
            self.state.brackets[order.id] = self.bracket_of(order)
        self.state.orders.add(live)
        self.worker.put(lambda: self.place(live))

    def bracket_of(self, order: Order) -> Bracket:
        """The protection an entry asks for (ids from the queue, levels from the order)."""
        return bracket_of(self.queue, order)

    def cancel(self, book: str, order_id: str, reason: str) -> bool:
        """Cancel a working order on Binance; False when it is not working."""
        live = next((o for o in self.state.orders.of_book(book) if o.order_id == order_id), None)
        if live is None:
            return False
        self.worker.put(lambda: self.cancel_on_exchange(live, reason))
        return True

    def close_position(self, book: str, reason: ExitReason, order_id: str | None) -> bool:
        """Close the whole position with a reduce-only market order; False when flat."""
        position = self.model.position(book)
        if position is None:
            return False
        if order_id is not None:
            client_id = self.queue.get(order_id).client_order_id
        else:
            anchor = position.entry_order_id or book
            client_id = child_order_id(f"{anchor}-{reason}"[-30:], "sl")
        symbol = self.model.book(book).key.symbol
        qty = self.quantity(book, position.qty)
        placement = market_close(symbol, position.side == "long", qty)
        live = LiveOrder(order_id or client_id, client_id, book, "exit", placement, float(qty))
        live.exit_reason = reason
        live.sent_ms = self.clock_ms()
        self.state.orders.add(live)
        self.worker.put(lambda: self.place(live))
        return True

    def quantity(self, book: str, qty: float) -> Decimal:
        """`qty` on the symbol's step (rounded to the nearest step: it is a filled amount)."""
        step = Decimal(str(self.model.book(book).rules.step_size))
        return (Decimal(repr(qty)) / step).quantize(Decimal(1)) * step

    # ----- exchange calls (worker thread) -----------------------------------------------

    def place(self, live: LiveOrder) -> None:
        """Send `live` to Binance; its answer, refusal or silence becomes events."""
        if live.done:
            return
        self.state.counters.sent += 1
        live.attempts += 1
        try:
            answer = self._send(live.client_id, live.placement)
        except BinanceRejected as exc:
            if exc.code == WOULD_TRIGGER and live.role in CLOSE_ROLES:
                self._execute_now(live)
                return
            refusal = str(exc)
            self.apply(lambda: self.state.refused(live, refusal))
        except OutcomeUnknown as exc:
            silence = str(exc)
            self.apply(lambda: self.state.unknown(live, silence))
            self.worker.later(LOOKUP_DELAYS_S[0], lambda: self.look_up(live))
        except ScalpLabError as exc:
            problem = exc.message
            self.apply(lambda: self.state.refused(live, problem))
        else:
            self.apply(lambda: self.state.acknowledged(live, answer))

    def _send(self, client_id: str, placement: Placement) -> ExchangeOrder | AlgoOrder:
        if placement.kind == "order":
            return self.client.new_order(
                symbol=placement.symbol,
                side=placement.side,
                type="MARKET" if placement.type == "MARKET" else "LIMIT",
                quantity=placement.quantity or Decimal(0),
                client_order_id=client_id,
                price=placement.price,
                time_in_force=placement.time_in_force,
                reduce_only=placement.reduce_only,
            )
        return self.client.new_algo_order(
            symbol=placement.symbol,
            side=placement.side,
            type=placement.type,  # type: ignore[arg-type]
            client_algo_id=client_id,
            trigger_price=placement.trigger_price,
            quantity=placement.quantity,
            close_position=placement.close_position,
            reduce_only=placement.reduce_only,
            price=placement.price,
            callback_rate=placement.callback_rate,
            activate_price=placement.activate_price,
            working_type="CONTRACT_PRICE",
        )

    def _execute_now(self, live: LiveOrder) -> None:
        """A stop or target the price has already passed executes at market (the gap
        rule of the execution model: a level the market is past fills at once)."""
        position_qty = self.state.books.remaining(live.book)
        if position_qty <= 0:
            self.apply(lambda: self.state.settle(live, "the position was already closed"))
            return
        self.state.counters.emergency_closes += 1
        long = live.placement.side == "SELL"
        if live.leg is not None:  # a ladder leg: only its own quantity
            position_qty = min(position_qty, live.qty)
        qty = self.quantity(live.book, position_qty)
        live.placement = market_close(live.placement.symbol, long, qty)
        live.qty = float(qty)
        self.place(live)

    def look_up(self, live: LiveOrder) -> None:
        """Ask Binance for an order whose outcome is unknown, by its client id: found, it
        is followed; not found, it is sent again under the same id; no answer, ask later."""
        if live.done:
            return
        self.state.counters.lookups += 1
        try:
            found: ExchangeOrder | AlgoOrder | None
            if live.placement.kind == "order":
                found = self.client.order(live.placement.symbol, live.client_id)
            else:
                found = self.client.algo_order(live.client_id)
        except ScalpLabError as exc:
            log.warning("lookup of %s failed (%s); asking again", live.client_id, exc.message)
            delay = LOOKUP_DELAYS_S[min(live.attempts, len(LOOKUP_DELAYS_S) - 1)]
            live.attempts += 1
            self.worker.later(delay, lambda: self.look_up(live))
            return
        if found is None:
            if live.progress == "unknown":
                self.state.counters.resent_after_lookup += 1
                log.info("order %s is not on Binance: sending it again", live.client_id)
                self.place(live)
            return
        self.apply(lambda: self.state.acknowledged(live, found))
        if isinstance(found, ExchangeOrder) and float(found.executed_qty) > live.filled:
            self.fetch_fills(live)

    def fetch_fills(self, live: LiveOrder) -> None:
        """Book the fills of `live` Binance has and the stream did not deliver."""
        order_id = live.actual_order_id if live.placement.kind == "algo" else live.exchange_id
        if order_id is None or live.fully_filled:
            return
        symbol = live.placement.symbol
        try:
            trades = self.client.account_trades(symbol, start_time_ms=live.sent_ms - 60_000)
        except ScalpLabError as exc:
            log.warning("fills of %s could not be fetched: %s", live.client_id, exc.message)
            return
        fills = [fill_of_trade(t) for t in trades if t.order_id == order_id]
        if fills:
            self.apply(lambda: self.state.book_fills(live, fills, from_rest=True))

    def cancel_on_exchange(self, live: LiveOrder, reason: str) -> None:
        """Cancel `live` on Binance (through the algo endpoint for an algo order)."""
        if live.done:
            return
        try:
            if live.placement.kind == "order":
                self.client.cancel_order(live.placement.symbol, live.client_id)
            else:
                self.client.cancel_algo_order(live.client_id)
        except ScalpLabError as exc:
            log.warning("cancel of %s failed: %s", live.client_id, exc.message)
            return
        self.apply(lambda: self.state.settle(live, reason))

    def place_protection(self, book: str, entry_order_id: str) -> None:
        """Place what is missing of a filled entry's protection (`live_exits`)."""
        self.exits.place_protection(book, entry_order_id)
