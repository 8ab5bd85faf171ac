"""A live trading session on Binance: start-up checks, the user-data stream, reconciliation.

`LiveSession` owns what runs beside a `BinanceVenue` while it trades:
- `start(symbols)`: the server clock synced, one-way position mode checked (ScalpLab keeps
  one position per symbol), isolated margin and the configured leverage set per symbol,
  the wallet balance read, the queue's unsettled orders taken back (after a restart they
  are looked up by client id), the user-data stream connected — or a one-line
  `ConflictError` saying what is wrong (wrong keys or account type, hedge mode…), and no
  order is ever sent;
- the user-data stream's events become fills, order updates and funding on the venue;
- `reconcile()` after every (re)connection and every `reconcile_every_s`: unsettled orders
  looked up, fills Binance has that were not booked (since the last trade seen), protection
  placed where a position has none (after a restart, a moved stop is first found among
  Binance's open algo orders), protection and entries with nothing to protect cancelled,
  and every book's position compared with Binance's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import dataclass
from decimal import Decimal

from scalplab.data.adapters.binance.order_errors import BinanceRejected
from scalplab.data.adapters.binance.trading_schemas import AlgoOrder, ExchangeOrder, PositionRisk
from scalplab.data.adapters.binance.user_events import (
    AccountUpdate,
    AlgoUpdate,
    OrderUpdate,
    UserEvent,
)
from scalplab.data.adapters.binance.user_stream import UserStream
from scalplab.errors import ConflictError, ScalpLabError
from scalplab.orders.binance_venue import BinanceVenue
from scalplab.orders.live_book import ExchangeFill
from scalplab.orders.live_exits import legs_done
from scalplab.orders.live_orders import (
    LiveOrder,
    Role,
    is_liquidation,
    placement_of,
    protection,
)
from scalplab.orders.live_state import StopTarget, fill_of_trade
from scalplab.orders.live_worker import Worker
from scalplab.orders.types import Order

log = logging.getLogger(__name__)

RECONCILE_EVERY_S = 30.0
"""How often the session reconciles with Binance besides after every reconnection."""
BAD_KEY_CODES = (-2014, -2015, -1022)


@dataclass(frozen=True, slots=True)
class LiveVenueHealth:
    """The live venue at a glance (`/status/health`)."""

    user_stream_connected: bool
    user_stream_reconnects: int
    listen_key_rotations: int
    orders_sent: int
    orders_refused: int
    unknown_outcomes: int
    resent_after_lookup: int
    fills: int
    fills_from_rest: int
    protection_replaced: int
    emergency_closes: int
    orphans_cancelled: int
    reconciliations: int
    position_mismatches: int
    last_refusal: str
    wallet_balance: float | None


class LiveSession:
    """Starts, feeds and reconciles one `BinanceVenue` (see the module docstring)."""

    def __init__(
        self,
        venue: BinanceVenue,
        ws_url: str,
        *,
        leverage: int,
        connect_timeout_s: float = 30.0,
        reconcile_every_s: float = RECONCILE_EVERY_S,
        keepalive_s: float = 1800.0,
    ) -> None:
        self.venue = venue
        self.leverage = leverage
        self.connect_timeout_s = connect_timeout_s
        self.reconcile_every_s = reconcile_every_s
        self.ws_url = ws_url
        self.keepalive_s = keepalive_s
        self.stream: UserStream | None = None
        self.symbols: dict[str, str] = {}
        """symbol → the one book trading it."""
        self.wallet_balance: float | None = None
        self.started_ms = 0
        self._suspects: dict[str, tuple[float, float]] = {}
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running = False

    # ----- start and stop ---------------------------------------------------------------

    def start(self, books: dict[str, str]) -> None:
        """Check the account, set margin and leverage, take back unsettled orders and
        connect the user-data stream (`books`: book id → symbol, one book per symbol)."""
        symbols = list(books.values())
        if len(set(symbols)) != len(symbols):
            raise ConflictError(
                "live trading keeps one position per symbol on Binance: trade each symbol "
                "with one strategy only"
            )
        self.symbols = {symbol: book for book, symbol in books.items()}
        client = self.venue.client
        try:
            client.sync_time()
            if client.dual_side_position():
                raise ConflictError(
                    "the Binance account is in hedge mode: switch it to one-way position mode "
                    "(ScalpLab keeps one position per symbol)"
                )
            for symbol in symbols:
                client.set_margin_type(symbol, "ISOLATED")
                client.set_leverage(symbol, self.leverage)
            wallet = next((b for b in client.balances() if b.asset == "USDT"), None)
        except BinanceRejected as exc:
            if exc.code in BAD_KEY_CODES:
                raise ConflictError(
                    f"Binance refused the API keys ({exc.reason}): use a USDT-M futures key "
                    "with futures trading enabled"
                ) from None
            raise ConflictError(f"live trading cannot start: {exc.reason}") from None
        except ScalpLabError as exc:
            raise ConflictError(f"live trading cannot start: {exc.message}") from None
        if wallet is None:
            raise ConflictError("live trading cannot start: the futures wallet holds no USDT")
        self.wallet_balance = float(wallet.wallet_balance)
        self.started_ms = self.venue.clock_ms()
        self.venue.apply(lambda: self._take_back(float(wallet.wallet_balance)))
        self.venue.worker = Worker("binance-venue")
        self.venue.worker.start()
        self._connected = threading.Event()
        self.stream = UserStream(
            client, self.ws_url, self.on_event, self.on_connected, keepalive_s=self.keepalive_s
        )
        self._running = True
        self._thread = threading.Thread(target=self._stream_main, name="user-stream", daemon=True)
        self._thread.start()
        if not self._connected.wait(self.connect_timeout_s):
            self.stop()
            raise ConflictError(
                f"live trading cannot start: Binance's user-data stream did not connect within "
                f"{self.connect_timeout_s:g} s"
            )
        self.venue.worker.later(self.reconcile_every_s, self._periodic)

    def _stream_main(self) -> None:
        assert self.stream is not None
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self.stream.run())
        finally:
            loop.close()

    def stop(self) -> None:
        """Stop the stream and the worker (positions and their protection stay on Binance)."""
        self._running = False
        stream = self.stream
        if stream is not None and self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self._loop.call_soon_threadsafe(stream.stop)
        if self._thread is not None:
            self._thread.join(5.0)
        self.venue.worker.stop()

    def _take_back(self, wallet: float) -> None:
        """The wallet is the account's cash; the queue's unsettled orders are tracked again
        (each is looked up by client id by the first reconciliation)."""
        venue = self.venue
        venue.model.cash = wallet
        for order in venue.queue.repository.open_orders():
            book = self.symbols.get(order.symbol)
            if book is None or order.status == "pending_confirmation":
                continue
            live = self._tracked(book, order)
            if live is not None:
                live.progress = "unknown"
                live.sent_ms = order.created_ms
                venue.state.orders.add(live)

    def _tracked(self, book: str, order: Order) -> LiveOrder | None:
        venue = self.venue
        assert order.qty is not None or order.parent_id is not None
        role: Role
        if order.parent_id is None:
            role = "exit" if order.reduce_only else "entry"
            if role == "entry":
                venue.state.brackets[order.id] = venue.bracket_of(order)
            qty = float(order.qty or 0)
            return LiveOrder(order.id, order.client_order_id, book, role, placement_of(order), qty)
        position = venue.model.position(book)
        if position is None:
            return None  # the entry has not filled: its protection was never sent
        parent = venue.queue.get(order.parent_id)
        bracket = venue.state.brackets.setdefault(parent.id, venue.bracket_of(parent))
        long, amount = position.side == "long", venue.quantity(book, position.qty)
        if order.type == "stop_market":
            level = Decimal(str(position.stop_loss))
            moved = parent.stop_loss is not None and order.stop_price != parent.stop_loss
            target = StopTarget(order.id, order.client_order_id, 0, level, known=not moved)
            venue.state.stops[book] = target
            if moved:
                return None  # the reconciliation finds which move Binance holds
            placement = protection(order.symbol, long, "stop", level, amount)
            return LiveOrder(
                order.id, order.client_order_id, book, "stop", placement, float(amount)
            )
        leg = next((leg for leg in bracket.legs if leg.order_id == order.id), None)
        if leg is not None:
            done = legs_done(venue.model, book, position).get(leg.number, 0.0)
            amount = min(amount, leg.qty - venue.quantity(book, done))
        level = leg.price if leg is not None else Decimal(str(position.take_profit))
        placement = protection(order.symbol, long, "take_profit", level, amount)
        number = None if leg is None else leg.number
        return LiveOrder(
            order.id,
            order.client_order_id,
            book,
            "take_profit",
            placement,
            float(amount),
            leg=number,
        )

    # ----- the user-data stream (its thread) ----------------------------------------------

    def on_connected(self, reconnected: bool) -> None:
        """The stream is (again) connected: reconcile over REST."""
        self._connected.set()
        if reconnected:
            log.info("user-data stream reconnected: reconciling with Binance")
        self.venue.worker.put(self.reconcile)

    def on_event(self, event: UserEvent) -> None:
        """One user-data event, applied under the engine's lock."""
        if isinstance(event, OrderUpdate):
            self.venue.apply(lambda: self._order_update(event))
        elif isinstance(event, AlgoUpdate):
            self.venue.apply(lambda: self._algo_update(event))
        elif isinstance(event, AccountUpdate):
            self.venue.apply(lambda: self._account_update(event))

    def _order_update(self, update: OrderUpdate) -> None:
        venue = self.venue
        live = venue.state.orders.by_client(
            update.client_order_id
        ) or venue.state.orders.by_exchange(update.symbol, update.order_id)
        fill = _fill_of_update(update) if update.execution_type == "TRADE" else None
        if live is None:
            book = self.symbols.get(update.symbol)
            if fill is not None and book is not None and is_liquidation(update.client_order_id):
                venue.state.liquidation(book, fill)
            elif fill is not None:
                venue.state.book_unmatched(update.symbol, update.order_id, fill)
            return
        if live.placement.kind == "order" and live.exchange_id is None:
            live.exchange_id = update.order_id
            venue.state.orders.link(live, update.symbol, update.order_id)
        if fill is not None:
            venue.state.book_fills(live, [fill])
        elif update.order_status == "NEW" and live.placement.kind == "order":
            venue.state.working(live)
        elif update.order_status in ("CANCELED", "EXPIRED", "EXPIRED_IN_MATCH"):
            venue.state.settle(live, f"Binance {update.order_status.lower()} the order")
        elif update.order_status == "REJECTED":
            venue.state.refused(live, "Binance rejected the order")

    def _algo_update(self, update: AlgoUpdate) -> None:
        venue = self.venue
        live = venue.state.orders.by_client(update.client_algo_id)
        if live is None:
            return  # not ours, or settled: the reconciliation cancels orphans
        live.exchange_id = update.algo_id
        if update.actual_order_id:
            venue.state.triggered(live, int(update.actual_order_id))
        status = update.algo_status
        if status == "NEW":
            venue.state.working(live)
        elif status in ("CANCELED", "EXPIRED"):
            why = f": {update.reason}" if update.reason else ""
            venue.state.settle(live, f"Binance {status.lower()} the order{why}")
        elif status == "REJECTED":
            venue.state.refused(live, update.reason or "Binance rejected the algo order")

    def _account_update(self, update: AccountUpdate) -> None:
        for balance in update.balances:
            if balance.asset == "USDT":
                self.wallet_balance = float(balance.wallet_balance)
        if update.reason != "FUNDING_FEE":
            return
        change = sum((b.balance_change for b in update.balances if b.asset == "USDT"), Decimal(0))
        books = [self.symbols[p.symbol] for p in update.positions if p.symbol in self.symbols]
        if len(books) == 1 and change:
            self.venue.state.books.funding(books[0], -float(change), update.transact_ms)

    # ----- reconciliation (the venue's worker thread) -------------------------------------

    def _periodic(self) -> None:
        if self._running:
            self.reconcile()
            self.venue.worker.later(self.reconcile_every_s, self._periodic)

    def reconcile(self) -> None:
        """Bring the books in line with Binance (see the module docstring)."""
        venue = self.venue
        client = venue.client
        try:
            open_orders = {o.client_order_id: o for o in client.open_orders()}
            open_algos = {a.client_algo_id: a for a in client.open_algo_orders()}
        except ScalpLabError as exc:
            log.warning("reconciliation postponed: %s", exc.message)
            return
        for live in venue.state.orders.unsettled():
            found: ExchangeOrder | AlgoOrder | None = (
                open_orders.get(live.client_id)
                if live.placement.kind == "order"
                else open_algos.get(live.client_id)
            )
            if found is not None:
                self._acknowledge(live, found)
            elif live.progress != "sending":
                venue.look_up(live)
        for symbol in self.symbols:
            self._missed_fills(symbol)
        try:
            open_algos = {a.client_algo_id: a for a in client.open_algo_orders()}
            positions = {p.symbol: p for p in client.positions()}
        except ScalpLabError as exc:
            log.warning("reconciliation incomplete: %s", exc.message)
            return
        for symbol, book in self.symbols.items():
            position = venue.model.position(book)
            if position is not None and position.entry_order_id is not None:
                venue.exits.adopt_stop(book, open_algos)
                venue.place_protection(book, position.entry_order_id)
            self._orphans(symbol, book, open_orders, open_algos)
            self._compare(symbol, book, positions.get(symbol))
        venue.state.counters.reconciliations += 1

    def _acknowledge(self, live: LiveOrder, found: ExchangeOrder | AlgoOrder) -> None:
        self.venue.apply(lambda: self.venue.state.acknowledged(live, found))

    def _book_rest_fill(self, live: LiveOrder, fill: ExchangeFill) -> None:
        self.venue.apply(lambda: self.venue.state.book_fills(live, [fill], from_rest=True))

    def _settle(self, live: LiveOrder, reason: str) -> None:
        self.venue.apply(lambda: self.venue.state.settle(live, reason))

    def _missed_fills(self, symbol: str) -> None:
        venue = self.venue
        since = venue.state.last_trade_id.get(symbol)
        try:
            if since is None:
                trades = venue.client.account_trades(symbol, start_time_ms=self.started_ms)
            else:
                trades = venue.client.account_trades(symbol, from_id=since + 1)
        except ScalpLabError as exc:
            log.warning("fills of %s could not be fetched: %s", symbol, exc.message)
            return
        for trade in trades:
            fill = fill_of_trade(trade)
            live = venue.state.orders.by_exchange(symbol, trade.order_id)
            if live is not None:
                self._book_rest_fill(live, fill)
            elif (symbol, trade.trade_id) not in venue.state.seen_trades:
                log.warning(
                    "a fill on %s (order %d) matches no ScalpLab order", symbol, trade.order_id
                )

    def _orphans(
        self,
        symbol: str,
        book: str,
        open_orders: dict[str, ExchangeOrder],
        open_algos: dict[str, AlgoOrder],
    ) -> None:
        """Protection with no position to protect, or orders ScalpLab does not know,
        are cancelled on Binance."""
        venue = self.venue
        flat = venue.model.position(book) is None
        for client_id, algo in open_algos.items():
            if algo.symbol != symbol:
                continue
            live = venue.state.orders.by_client(client_id)
            if live is None or live.done or (flat and live.role in ("stop", "take_profit")):
                self._cancel_orphan(symbol, client_id, algo=True)
                if live is not None:
                    self._settle(live, "nothing left to protect")
        for client_id, order in open_orders.items():
            if order.symbol != symbol:
                continue
            live = venue.state.orders.by_client(client_id)
            if live is None or live.done:
                self._cancel_orphan(symbol, client_id, algo=False)

    def _cancel_orphan(self, symbol: str, client_id: str, algo: bool) -> None:
        try:
            if algo:
                self.venue.client.cancel_algo_order(client_id)
            else:
                self.venue.client.cancel_order(symbol, client_id)
        except ScalpLabError as exc:
            log.warning("orphan %s on %s not cancelled: %s", client_id, symbol, exc.message)
            return
        self.venue.state.counters.orphans_cancelled += 1
        log.warning("cancelled orphan order %s on %s", client_id, symbol)

    def _compare(self, symbol: str, book: str, exchange: PositionRisk | None) -> None:
        """A position unlike Binance's is reported when two reconciliations in a row see
        the same difference (one alone may be a fill still on its way)."""
        position = self.venue.model.position(book)
        ours = 0.0 if position is None else position.qty * position.direction
        theirs = 0.0 if exchange is None else float(exchange.position_amt)
        step = self.venue.model.book(book).rules.step_size
        if abs(ours - theirs) <= step / 2:
            self._suspects.pop(symbol, None)
            return
        if self._suspects.get(symbol) != (ours, theirs):
            self._suspects[symbol] = (ours, theirs)
            return
        self.venue.state.counters.position_mismatches += 1
        log.error("position mismatch on %s: ScalpLab holds %g, Binance %g", symbol, ours, theirs)

    # ----- health ------------------------------------------------------------------------

    def health(self) -> LiveVenueHealth:
        """Counters of the venue and its stream."""
        counters = self.venue.state.counters
        stream = None if self.stream is None else self.stream.health()
        return LiveVenueHealth(
            user_stream_connected=stream is not None and stream.connected,
            user_stream_reconnects=0 if stream is None else stream.reconnects,
            listen_key_rotations=0 if stream is None else stream.listen_key_rotations,
            orders_sent=counters.sent,
            orders_refused=counters.refused,
            unknown_outcomes=counters.unknown_outcomes,
            resent_after_lookup=counters.resent_after_lookup,
            fills=counters.fills,
            fills_from_rest=counters.fills_from_rest,
            protection_replaced=counters.protection_replaced,
            emergency_closes=counters.emergency_closes,
            orphans_cancelled=counters.orphans_cancelled,
            reconciliations=counters.reconciliations,
            position_mismatches=counters.position_mismatches,
            last_refusal=counters.last_reason,
            wallet_balance=self.wallet_balance,
        )


def _fill_of_update(update: OrderUpdate) -> ExchangeFill:
    return ExchangeFill(
        symbol=update.symbol,
        trade_id=update.trade_id,
        exchange_order_id=update.order_id,
        client_order_id=update.client_order_id,
        buying=update.side == "BUY",
        price=float(update.last_filled_price),
        qty=float(update.last_filled_qty),
        fee=float(update.commission) if update.commission_asset in ("USDT", "") else 0.0,
        maker=update.maker,
        time_ms=update.transact_ms,
    )
