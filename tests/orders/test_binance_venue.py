"""The Binance venue end to end: the order pipeline, the real signed client and user-data
stream, against the fake Binance (REST + WebSocket on loopback, the REAL 2021
exchangeInfo rules, prices from a REAL BTCUSDT 1m close).

Each fault test proves the same things: exactly one order per client id on the venue,
every fill booked once, the protection orders present while a position is open, and the
books' position equal to the venue's.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from scalplab.data.adapters.binance.fake_exchange import FakeExchange
from scalplab.data.adapters.binance.fake_faults import (
    ClockSkew,
    ListenKeyExpiry,
    MarginShortfall,
    OrderTimeout,
    ServerError,
    StreamDropOnFill,
)
from scalplab.data.adapters.binance.fake_records import FakeAlgoOrder
from scalplab.data.adapters.binance.fake_venue import FakeVenue
from scalplab.data.adapters.binance.trading import BinanceTradingClient
from scalplab.errors import ConflictError
from scalplab.orders.binance_venue import BinanceVenue
from scalplab.orders.cancelling import cancel_working_order
from scalplab.orders.commands import ClosePosition
from scalplab.orders.execution import ExecutionModel
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.live_sync import LiveSession
from scalplab.orders.models import BookKey
from scalplab.orders.queue import MemoryOrderRepository, OrderQueue
from scalplab.orders.types import Order, OrderRequest
from tests.data.adapters.binance.venue_client import EXCHANGE_INFO, KEY, SECRET
from tests.orders.harness import CONFIG
from tests.orders.live_harness import (
    BOOK,
    RULES,
    SYMBOL,
    Live,
    assert_consistent,
    open_live,
    wait_until,
)


@pytest.fixture
def live() -> Iterator[Live]:
    with open_live() as opened:
        yield opened


def entry(client_id: str) -> OrderRequest:
    return OrderRequest(
        symbol=SYMBOL,
        side="buy",
        type="market",
        qty=Decimal("0.05"),
        stop_loss=Decimal("31500.0"),
        take_profit=Decimal("33200.0"),
        client_order_id=client_id,
    )


def test_an_entry_fills_gets_its_protection_and_the_stop_closes_it(live: Live) -> None:
    order = live.order(entry("e-plain-1"))
    wait_until(lambda: len(live.exchange.open_algo_orders()) == 2)
    assert live.status(order.id) == "filled"
    assert live.position_qty() == pytest.approx(0.05)
    kinds = sorted(a.order_type for a in live.exchange.open_algo_orders())
    assert kinds == ["STOP_MARKET", "TAKE_PROFIT_MARKET"]
    stop_id, take_profit_id = order.children
    stop_client = live.sandbox.queue.get(stop_id).client_order_id
    assert stop_client in {a.client_algo_id for a in live.exchange.open_algo_orders()}
    assert_consistent(live)

    live.exchange.set_price(SYMBOL, Decimal("31400.0"))
    wait_until(lambda: live.sandbox.model.position(BOOK) is None)
    wait_until(lambda: not live.exchange.open_algo_orders())
    (trade,) = live.sandbox.model.trades
    assert trade.exit_reason == "sl" and trade.qty == pytest.approx(0.05)
    assert trade.exit_price == pytest.approx(31400.0)
    fees = sum(float(t.commission) for t in live.exchange.trades())
    assert trade.fees == pytest.approx(fees)
    assert live.status(stop_id) == "filled"
    assert live.status(take_profit_id) == "cancelled"
    assert_consistent(live)


def test_a_timeout_after_the_order_was_placed_never_doubles_it(live: Live) -> None:
    live.exchange.fault(OrderTimeout(delay_s=1.0))
    order = live.order(entry("e-timeout-1"))
    wait_until(lambda: live.status(order.id) == "filled", timeout=10)
    wait_until(lambda: len(live.exchange.open_algo_orders()) == 2)
    assert [o.client_order_id for o in live.exchange.orders()].count("e-timeout-1") == 1
    assert live.venue.state.counters.unknown_outcomes == 1
    assert live.venue.state.counters.resent_after_lookup == 0
    assert_consistent(live)


def test_a_5xx_before_placing_is_looked_up_then_sent_again_under_the_same_id(
    live: Live,
) -> None:
    live.exchange.fault(ServerError(placed=False))
    order = live.order(entry("e-5xx-1"))
    wait_until(lambda: live.status(order.id) == "filled", timeout=10)
    assert [o.client_order_id for o in live.exchange.orders()].count("e-5xx-1") == 1
    assert live.venue.state.counters.resent_after_lookup == 1
    wait_until(lambda: len(live.exchange.open_algo_orders()) == 2)
    assert_consistent(live)


def test_a_5xx_after_placing_is_found_by_its_client_id(live: Live) -> None:
    live.exchange.fault(ServerError(placed=True))
    order = live.order(entry("e-5xx-2"))
    wait_until(lambda: live.status(order.id) == "filled", timeout=10)
    assert [o.client_order_id for o in live.exchange.orders()].count("e-5xx-2") == 1
    assert live.venue.state.counters.resent_after_lookup == 0
    assert_consistent(live)


def test_margin_refusal_is_a_rejection_in_words(live: Live) -> None:
    live.exchange.fault(MarginShortfall())
    order = live.order(entry("e-margin-1"))
    wait_until(lambda: live.status(order.id) == "rejected")
    stored = live.sandbox.queue.get(order.id)
    assert "margin is insufficient" in stored.reason and "-2019" in stored.reason
    assert all(live.status(child) == "rejected" for child in stored.children)
    assert live.exchange.orders() == [] and live.position_qty() == 0


def test_a_clock_skew_is_resynced_and_the_order_placed_once(live: Live) -> None:
    live.exchange.fault(ClockSkew())
    order = live.order(entry("e-skew-1"))
    wait_until(lambda: live.status(order.id) == "filled")
    assert len(live.exchange.orders()) == 1
    assert_consistent(live)


def test_fills_lost_with_a_dropped_user_stream_are_recovered(live: Live) -> None:
    live.exchange.fault(StreamDropOnFill())
    order = live.order(entry("e-drop-1"))
    wait_until(lambda: live.status(order.id) == "filled", timeout=10)
    wait_until(lambda: len(live.exchange.open_algo_orders()) == 2, timeout=10)
    assert live.venue.state.counters.fills_from_rest >= 1
    assert_consistent(live)


def test_an_expired_listen_key_is_rotated_and_later_fills_arrive(live: Live) -> None:
    live.exchange.fault(ListenKeyExpiry())
    wait_until(lambda: live.session.health().listen_key_rotations >= 1)
    order = live.order(entry("e-rotate-1"))
    wait_until(lambda: live.status(order.id) == "filled")
    assert_consistent(live)


def test_a_manual_close_cancels_the_protection(live: Live) -> None:
    live.order(entry("e-close-1"))
    wait_until(lambda: len(live.exchange.open_algo_orders()) == 2)
    with live.venue.lock:
        live.sandbox.pipeline.close_position(ClosePosition(BOOK, "manual"))
    wait_until(lambda: live.sandbox.model.position(BOOK) is None)
    wait_until(lambda: not live.exchange.open_algo_orders())
    (trade,) = live.sandbox.model.trades
    assert trade.exit_reason == "manual"
    assert_consistent(live)


def test_reconciliation_replaces_a_missing_stop_and_cancels_nothing_else(live: Live) -> None:
    order = live.order(entry("e-recon-1"))
    wait_until(lambda: len(live.exchange.open_algo_orders()) == 2)
    stop_client = live.sandbox.queue.get(order.children[0]).client_order_id
    live.venue.client.cancel_algo_order(stop_client)  # someone cancelled it on Binance
    live.venue.worker.put(live.session.reconcile)
    wait_until(lambda: len(live.exchange.open_algo_orders()) == 2)
    assert stop_client in {a.client_algo_id for a in live.exchange.open_algo_orders()}
    assert_consistent(live)


def test_keys_of_the_wrong_account_are_refused_before_any_order() -> None:
    exchange = FakeExchange(KEY, SECRET, exchange_info=EXCHANGE_INFO, balance="10000")
    with FakeVenue(exchange) as fake:
        client = BinanceTradingClient(fake.rest_url, "a-spot-key-not-this-account", SECRET)
        model = ExecutionModel(CONFIG)
        model.add_book(BookKey(SYMBOL, "test"), RULES, FundingSchedule([], 0.0))
        venue = BinanceVenue(model, OrderQueue(MemoryOrderRepository()), client)
        session = LiveSession(venue, fake.ws_url, leverage=5, connect_timeout_s=2)
        with pytest.raises(ConflictError, match="Binance refused the API keys"):
            session.start({BOOK: SYMBOL})
        assert exchange.orders() == []


def test_a_hedge_mode_account_is_refused() -> None:
    exchange = FakeExchange(KEY, SECRET, exchange_info=EXCHANGE_INFO, hedge_mode=True)
    with FakeVenue(exchange) as fake:
        client = BinanceTradingClient(fake.rest_url, KEY, SECRET)
        model = ExecutionModel(CONFIG)
        model.add_book(BookKey(SYMBOL, "test"), RULES, FundingSchedule([], 0.0))
        venue = BinanceVenue(model, OrderQueue(MemoryOrderRepository()), client)
        session = LiveSession(venue, fake.ws_url, leverage=5, connect_timeout_s=2)
        with pytest.raises(ConflictError, match="hedge mode"):
            session.start({BOOK: SYMBOL})


def post_only_entry(client_id: str, price: str) -> OrderRequest:
    return OrderRequest(
        symbol=SYMBOL,
        side="buy",
        type="limit",
        qty=Decimal("0.05"),
        price=Decimal(price),
        post_only=True,
        stop_loss=Decimal("31500.0"),
        take_profit=Decimal("33200.0"),
        client_order_id=client_id,
    )


def test_a_post_only_entry_rests_as_gtx_and_fills_as_maker(live: Live) -> None:
    order = live.order(post_only_entry("e-gtx-1", "31800.0"))
    wait_until(lambda: len(live.exchange.open_orders()) == 1)
    (resting,) = live.exchange.open_orders()
    assert (resting.type, resting.time_in_force) == ("LIMIT", "GTX")
    assert resting.client_order_id == "e-gtx-1"
    assert live.status(order.id) == "accepted"

    live.exchange.set_price(SYMBOL, Decimal("31790.0"))
    wait_until(lambda: live.status(order.id) == "filled")
    wait_until(lambda: len(live.exchange.open_algo_orders()) == 2)
    position = live.sandbox.model.position(BOOK)
    assert position is not None and position.entry_price == pytest.approx(31800.0)
    (fill,) = live.exchange.trades()
    assert fill.maker
    assert_consistent(live)


def test_a_post_only_entry_the_market_moved_through_is_refused_in_words(live: Live) -> None:
    live.exchange.set_price(SYMBOL, Decimal("31700.0"))
    order = live.order(post_only_entry("e-gtx-2", "31800.0"))
    wait_until(lambda: live.status(order.id) == "rejected")
    reason = live.sandbox.queue.get(order.id).reason
    assert "post-only" in reason and "-5022" in reason
    assert live.exchange.orders() == [] and live.position_qty() == 0


def trailing_stop_on_a_position(
    live: Live, name: str, rate: Decimal, activate: Decimal | None = None
) -> tuple[Order, FakeAlgoOrder]:
    """A filled entry with its bracket, then a reduce-only trailing stop over it: the queue
    order and the algo order Binance holds for it."""
    live.order(entry(f"e-{name}"))
    wait_until(lambda: len(live.exchange.open_algo_orders()) == 2)
    trail = live.order(
        OrderRequest(
            symbol=SYMBOL,
            side="sell",
            type="trailing_stop",
            qty=Decimal("0.05"),
            stop_price=activate,
            callback_rate_pct=rate,
            reduce_only=True,
            client_order_id=f"x-{name}",
        )
    )
    wait_until(lambda: len(live.exchange.open_algo_orders()) == 3)
    (algo,) = [a for a in live.exchange.open_algo_orders() if a.client_algo_id == f"x-{name}"]
    return trail, algo


def test_a_trailing_stop_is_a_conditional_algo_order_that_closes_the_position(
    live: Live,
) -> None:
    trail, algo = trailing_stop_on_a_position(live, "trail-1", Decimal("1.0"))
    assert algo.order_type == "TRAILING_STOP_MARKET" and algo.callback_rate == Decimal("1.0")

    live.exchange.set_price(SYMBOL, Decimal("32500.0"))
    live.exchange.set_price(SYMBOL, Decimal("32100.0"))
    wait_until(lambda: live.sandbox.model.position(BOOK) is None)
    wait_until(lambda: not live.exchange.open_algo_orders())
    assert live.status(trail.id) == "filled"
    (trade,) = live.sandbox.model.trades
    assert trade.exit_reason == "manual" and trade.exit_price == pytest.approx(32100.0)
    assert_consistent(live)


def test_a_person_cancels_a_trailing_stop_through_the_algo_api(live: Live) -> None:
    trail, algo = trailing_stop_on_a_position(
        live, "trail-2", Decimal("0.5"), activate=Decimal("32000.0")
    )
    assert algo.activate_price == Decimal("32000.0")
    with live.venue.lock:
        cancel_working_order(live.venue, live.sandbox.queue, trail.id, [BOOK])
    wait_until(lambda: live.status(trail.id) == "cancelled")
    assert not any(a.client_algo_id == "x-trail-2" for a in live.exchange.open_algo_orders())
    assert len(live.exchange.open_algo_orders()) == 2
    assert live.position_qty() == pytest.approx(0.05)
    assert_consistent(live)
