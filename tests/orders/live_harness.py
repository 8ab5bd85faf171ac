"""A sandbox whose venue is Binance — the fake one (REST + WebSocket on loopback, the REAL
2021 exchangeInfo rules, prices from a REAL BTCUSDT 1m close) — with its session running,
and the checks every live-venue test ends with.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pytest

from scalplab.data.adapters.binance.fake_exchange import FakeExchange
from scalplab.data.adapters.binance.fake_records import FakeAlgoOrder
from scalplab.data.adapters.binance.fake_venue import FakeVenue
from scalplab.data.adapters.binance.trading import BinanceTradingClient
from scalplab.data.symbols import parse_exchange_info
from scalplab.orders.binance_venue import BinanceVenue
from scalplab.orders.commands import SubmitOrder, SubmitSignal
from scalplab.orders.execution import ExecutionModel
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.live_sync import LiveSession
from scalplab.orders.models import Bar, BookKey
from scalplab.orders.outcomes import SignalOutcome
from scalplab.orders.queue import OrderQueue
from scalplab.orders.sandbox import Sandbox, open_sandbox
from scalplab.orders.types import Order, OrderRequest
from scalplab.strategies.signal import Signal
from tests.data.adapters.binance.venue_client import EXCHANGE_INFO, KEY, SECRET
from tests.orders.harness import CONFIG, NO_BREAKERS

SYMBOL = "BTCUSDT"
BOOK = f"{SYMBOL}/test"
PRICE = Decimal("31877.6")
"""A REAL BTCUSDT close (2021-07-22), the price the fake venue trades at."""
RULES = parse_exchange_info(EXCHANGE_INFO)[SYMBOL]
FIRST_BAR = Bar(0, 31870.0, 31890.0, 31860.0, float(PRICE))
"""The bar every live test starts after (the signals' bar)."""


def wait_until(condition: Callable[[], bool], timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


@dataclass
class Live:
    """A sandbox whose venue is Binance (the fake), with its session running."""

    fake: FakeVenue
    sandbox: Sandbox
    venue: BinanceVenue
    session: LiveSession

    @property
    def exchange(self) -> FakeExchange:
        return self.fake.exchange

    def order(self, request: OrderRequest) -> Order:
        with self.venue.lock:
            return self.sandbox.pipeline.submit_order(SubmitOrder(BOOK, request))

    def signal(self, signal: Signal) -> SignalOutcome:
        """A strategy signal on the close of the last bar."""
        bar = self.sandbox.model.last_bar(BOOK)
        assert bar is not None
        with self.venue.lock:
            return self.sandbox.pipeline.submit_signal(SubmitSignal(BOOK, bar, signal))

    def bar(self, bar: Bar) -> None:
        """A bar closes (after its prices were played on the venue)."""
        with self.venue.lock:
            self.sandbox.pipeline.on_bar(BOOK, bar)

    def status(self, order_id: str) -> str:
        return self.sandbox.queue.get(order_id).status

    def position_qty(self) -> float:
        position = self.sandbox.model.position(BOOK)
        return 0.0 if position is None else position.qty * position.direction

    def venue_qty(self) -> float:
        return float(self.exchange.position(SYMBOL).amount)

    def stops(self) -> list[FakeAlgoOrder]:
        """The stops Binance holds."""
        return [a for a in self.exchange.open_algo_orders() if a.order_type == "STOP_MARKET"]

    def settled(self) -> bool:
        """Every fill of the venue booked and the venue's worker idle."""
        fills = {t.trade_id for t in self.exchange.trades()}
        booked = {trade for _, trade in self.venue.state.seen_trades}
        return fills <= booked and self.venue.worker.idle(5.0)

    def play(self, *prices: float | str) -> None:
        """The market trades at each price in turn; each one's fills are booked and what
        the venue sends in answer is sent before the next."""
        for price in prices:
            self.exchange.set_price(SYMBOL, Decimal(str(price)))
            wait_until(self.settled)


@contextmanager
def open_live() -> Iterator[Live]:
    """The fake Binance, a sandbox over it with one book, its session started and one bar
    (`FIRST_BAR`) closed."""
    exchange = FakeExchange(KEY, SECRET, exchange_info=EXCHANGE_INFO, balance="10000")
    exchange.set_price(SYMBOL, PRICE)
    with FakeVenue(exchange) as fake:
        client = BinanceTradingClient(fake.rest_url, KEY, SECRET, timeout_s=0.5)
        made: list[BinanceVenue] = []

        def factory(model: ExecutionModel, queue: OrderQueue) -> BinanceVenue:
            made.append(BinanceVenue(model, queue, client))
            return made[0]

        sandbox = open_sandbox(CONFIG, NO_BREAKERS, venue_factory=factory)
        sandbox.model.add_book(BookKey(SYMBOL, "test"), RULES, FundingSchedule([], 0.0))
        venue = made[0]
        session = LiveSession(venue, fake.ws_url, leverage=5, connect_timeout_s=5)
        session.start({BOOK: SYMBOL})
        with venue.lock:
            sandbox.pipeline.on_bar(BOOK, FIRST_BAR)
        try:
            yield Live(fake, sandbox, venue, session)
        finally:
            session.stop()


def assert_consistent(live: Live) -> None:
    """One order per client id, every fill booked, at most one stop and the protection
    present while a position is open, positions equal."""
    ids = [o.client_order_id for o in live.exchange.orders()]
    assert len(ids) == len(set(ids))
    algo_ids = [a.client_algo_id for a in live.exchange.algo_orders() if a.is_open]
    assert len(algo_ids) == len(set(algo_ids))
    venue_fills = {t.trade_id for t in live.exchange.trades()}
    assert venue_fills <= {trade for _, trade in live.venue.state.seen_trades}
    assert live.position_qty() == pytest.approx(live.venue_qty())
    assert len(live.stops()) <= 1
    if live.position_qty():
        # the protection goes out once the fill is booked: give the worker its moment
        wait_until(lambda: len(live.stops()) == 1)
