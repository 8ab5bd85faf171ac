"""Book state: a run saved mid-way and restored continues exactly; older state still loads."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from scalplab.data.symbols import SymbolRules
from scalplab.errors import NotFoundError
from scalplab.orders import book as book_state
from scalplab.orders.book import BookState, EntryOrder, ExitRequest
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.models import Bar, BookKey
from scalplab.orders.resting import RestingOrder
from scalplab.strategies.signal import Signal
from tests.orders.harness import RULES, Harness

H = 3_600_000
T0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z
BARS = [Bar(T0 + i * H, 100 + i % 5, 103 + i % 7, 97 - i % 3, 100 + i % 4) for i in range(40)]
SCHEDULE = FundingSchedule([], 0.0001)


def drive(h: Harness, chunk: list[Bar]) -> None:
    """A strategy that signals whenever it is flat, and a trailing stop put in at bar 10."""
    for b in chunk:
        h.on_bar(b)
        if h.executor.position() is None:
            h.on_signal(b, Signal("long", b.close, b.close - 4, b.close + 12))
        if b.open_ms == BARS[10].open_ms:
            h.model.place_order(
                h.book,
                RestingOrder(
                    "T", "sell", "trailing_stop", 5.0, callback_rate_pct=2.0, reduce_only=True
                ),
            )


def fresh() -> Harness:
    return Harness(funding=SCHEDULE, last_open_ms=BARS[-1].open_ms)


def test_state_round_trip_continues_exactly() -> None:
    straight = fresh()
    drive(straight, BARS)
    first = fresh()
    drive(first, BARS[:17])
    saved = json.loads(json.dumps(first.model.state()))
    resumed = fresh()
    resumed.model.restore(saved)
    drive(resumed, BARS[17:])
    straight.finish()
    resumed.finish()
    assert resumed.trades == straight.trades and len(straight.trades) > 3
    assert resumed.model.cash == pytest.approx(straight.model.cash, rel=1e-15)
    assert resumed.model.totals() == straight.model.totals()
    # Without its trades (stored apart by their owner), a book's state is the same.
    lean = first.model.state(trades=False)
    assert lean["books"][first.book]["trades"] == []
    assert first.model.state(books=False)["books"] == {}
    assert first.model.book_state(first.book) == saved["books"][first.book]
    with pytest.raises(NotFoundError, match="OTHER/test"):
        fresh().model.restore({**saved, "books": {"OTHER/test": saved["books"][first.book]}})


def test_state_written_before_books_existed_still_loads() -> None:
    state = BookState(BookKey("TESTUSDT", "smc"), RULES, SCHEDULE, None)
    data = book_state.dump(state)
    legacy = {key: value for key, value in data.items() if key not in ("entry", "exit")}
    legacy["pending"] = {
        "signal": {"side": "short", "entry": 100.0, "stop_loss": 105.0, "take_profit": 85.0},
        "qty": "20",
    }
    legacy["exit_request"] = "max_hold"
    legacy["trades"] = [
        {
            "feed": "TESTUSDT",
            "side": "long",
            "entry_ms": T0,
            "exit_ms": T0 + H,
            "entry_price": 100.0,
            "exit_price": 101.0,
            "qty": 1.0,
            "exit_reason": "tp",
            "fees": 0.1,
            "funding": 0.0,
            "slippage": 0.0,
            "pnl": 0.9,
            "bars_held": 2,
        }
    ]
    book_state.load(state, legacy, entry_order_id="ord-kept")
    assert state.entry == EntryOrder("ord-kept", "short", 20.0, 105.0, 85.0)
    assert state.exit == ExitRequest("max_hold")
    [trade] = state.trades
    assert (trade.symbol, trade.strategy, trade.book) == ("TESTUSDT", "smc", "TESTUSDT/smc")
    # and the current form round-trips
    again = BookState(BookKey("TESTUSDT", "smc"), RULES, SCHEDULE, None)
    book_state.load(again, json.loads(json.dumps(book_state.dump(state))))
    assert (again.entry, again.exit, again.trades) == (state.entry, state.exit, state.trades)


def test_books_of_one_account_share_its_cash_but_not_their_state() -> None:
    h = Harness()
    other_rules = SymbolRules(
        "OTHERUSDT", Decimal("0.01"), Decimal("0.001"), Decimal("0.001"), Decimal("5"), 2, 3
    )
    other = h.add_book("test", other_rules)
    assert h.model.books() == [h.book, other] == ["TESTUSDT/test", "OTHERUSDT/test"]
    flat = Bar(T0, 100, 100, 100, 100)
    h.step(flat, Signal("long", 100.0, 95.0, 115.0))
    h.on_bar(flat, other)
    h.on_signal(flat, Signal("short", 100.0, 105.0, 85.0), other)
    h.on_bar(Bar(T0 + H, 100, 100, 100, 100))
    h.on_bar(Bar(T0 + H, 100, 100, 100, 100), other)
    long_, short = h.model.position(h.book), h.model.position(other)
    assert long_ is not None and short is not None
    assert (long_.side, short.side) == ("long", "short")
    # both entry fees (20 × 100.1 and 20 × 99.9, taker 0.05 %) came out of one cash
    assert h.model.cash == pytest.approx(10_000 - 1.001 - 0.999)
