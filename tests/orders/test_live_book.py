"""Exchange fills booked into the execution model (the live venue's ledger side).

Hand-computed: Binance's commission replaces the cost model's fee, partial entry fills
average the entry price, every closing fill is one trade with the entry fee shared pro
rata, funding is charged to the position.
"""

from __future__ import annotations

import pytest

from scalplab.orders.events import FundingSettled, OrderFilled, PositionClosed, VenueEvent
from scalplab.orders.execution import ExecutionModel
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.live_book import ExchangeFill, LiveBooks
from scalplab.orders.models import Bar, BookKey
from tests.orders.harness import CONFIG, RULES

BOOK = "TESTUSDT/test"


def _fill(trade_id: int, price: float, qty: float, fee: float, buying: bool = True) -> ExchangeFill:
    return ExchangeFill(
        "TESTUSDT", trade_id, 7, "c", buying, price, qty, fee, False, 1_000 * trade_id
    )


@pytest.fixture
def books() -> tuple[LiveBooks, list[VenueEvent]]:
    events: list[VenueEvent] = []
    model = ExecutionModel(CONFIG, on_event=events.append)
    model.add_book(BookKey("TESTUSDT", "test"), RULES, FundingSchedule([], 0.0))
    return LiveBooks(model), events


def test_partial_entry_fills_average_the_price_and_charge_binance_commission(
    books: tuple[LiveBooks, list[VenueEvent]],
) -> None:
    live, events = books
    live.entry_fill(BOOK, _fill(1, 100.0, 1.0, 0.05), ("e", "s", "t"), (95.0, 115.0))
    live.entry_fill(BOOK, _fill(2, 102.0, 1.0, 0.051), ("e", "s", "t"), (95.0, 115.0))
    live.entry_filled(BOOK, "e", 2_000, "taker")
    position = live.model.position(BOOK)
    assert position is not None
    assert position.qty == 2.0
    assert position.entry_price == pytest.approx(101.0)
    assert position.fees == pytest.approx(0.101)
    assert position.stop_loss == 95.0 and position.take_profit == 115.0
    assert position.entry_order_id == "e" and position.stop_order_id == "s"
    assert live.model.cash == pytest.approx(10_000.0 - 0.101)
    filled = [e for e in events if isinstance(e, OrderFilled)]
    assert [(f.order_id, f.qty, f.price) for f in filled] == [("e", 2.0, pytest.approx(101.0))]


def test_each_closing_fill_is_one_trade_with_the_entry_fee_shared(
    books: tuple[LiveBooks, list[VenueEvent]],
) -> None:
    live, events = books
    live.entry_fill(BOOK, _fill(1, 100.0, 2.0, 0.1), ("e", "s", "t"), (95.0, 115.0))
    for index in range(3):
        live.observe_bar(BOOK, Bar(60_000 * index, 100, 101, 99, 100))
    assert live.model.bars_held(BOOK) == 3
    flat = live.exit_fill(BOOK, _fill(2, 110.0, 0.5, 0.02, buying=False), "tp", None)
    assert not flat
    flat = live.exit_fill(BOOK, _fill(3, 108.0, 1.5, 0.06, buying=False), "tp", "t")
    assert flat and live.model.position(BOOK) is None
    first, second = live.model.trades
    assert first.qty == 0.5 and first.fees == pytest.approx(0.025 + 0.02)
    assert first.pnl == pytest.approx(10.0 * 0.5 - 0.045)
    assert second.qty == 1.5 and second.fees == pytest.approx(0.075 + 0.06)
    assert second.pnl == pytest.approx(8.0 * 1.5 - 0.135)
    closed = [e for e in events if isinstance(e, PositionClosed)]
    assert [(c.order_id, c.flat) for c in closed] == [(None, False), ("t", True)]
    assert live.model.cash == pytest.approx(10_000.0 + first.pnl + second.pnl)


def test_funding_is_charged_to_the_position_with_its_rate(
    books: tuple[LiveBooks, list[VenueEvent]],
) -> None:
    live, events = books
    live.entry_fill(BOOK, _fill(1, 100.0, 2.0, 0.0), ("e", None, None), (None, None))
    live.observe_bar(BOOK, Bar(0, 100, 100, 100, 100))
    live.funding(BOOK, 0.02, 28_800_000)
    settled = [e for e in events if isinstance(e, FundingSettled)]
    assert settled[0].amount == 0.02 and settled[0].rate == pytest.approx(0.0001)
    assert settled[0].instant_ms == 28_800_000
    position = live.model.position(BOOK)
    assert position is not None and position.funding == 0.02
    assert live.model.cash == pytest.approx(10_000.0 - 0.02)


def test_a_closing_fill_without_a_position_books_nothing(
    books: tuple[LiveBooks, list[VenueEvent]],
) -> None:
    live, events = books
    assert live.exit_fill(BOOK, _fill(1, 100.0, 1.0, 0.05, buying=False), "manual", None)
    assert live.model.trades == [] and events == []
