"""The local order book on REAL recorded Binance diff depth, snapshots and book tickers.

Truth: Binance's own bookTicker. Wherever a bookTicker's update id equals the final
update id of a diff, the rebuilt book's best bid and ask must be the ticker's. Faults
(a lost diff, duplicates, a stale snapshot, a full buffer) are made by changing what
the book is fed, and after each the book must equal the one that saw no fault.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

import pytest

from scalplab.data.adapters.binance.book import LocalOrderBook
from scalplab.data.adapters.binance.schemas import parse_combined, parse_depth_snapshot
from scalplab.data.market_events import BookSnapshot, BookTop, DepthDiff, MarketEvent
from tests.data.adapters.binance.recorded import capture, combined_messages, rest_depth

BTC_2024 = ("hftbacktest_usdm_btcusdt_20240718.gz", "hftbacktest_usdm_btcusdt_20240719.gz")
ETH_2024 = ("hftbacktest_usdm_ethusdt_20240718.gz", "hftbacktest_usdm_ethusdt_20240719.gz")
BTC_2023 = ("hftbacktest_usdm_btcusdt_20230404.dat.gz", "hftbacktest_usdm_btcusdt_20230405.dat.gz")


def recorded(symbol: str, files: tuple[str, ...]) -> Iterator[MarketEvent]:
    """The capture's depth diffs, book tickers and its REST snapshot, in recorded order."""
    for text in capture(*files):
        if text.startswith('{"lastUpdateId"'):
            yield parse_depth_snapshot(symbol, json.loads(text))
        elif "@depth" in text or "@bookTicker" in text:
            yield parse_combined(text)[1]


def replay(book: LocalOrderBook, events: Iterable[MarketEvent]) -> tuple[int, int]:
    """Feed `events`; (tickers checked against the book, diffs applied). A ticker and the
    diff with its update id may arrive in either order (two streams)."""
    applied = 0
    tops: dict[int, tuple[float, float, float, float]] = {}
    tickers: list[BookTop] = []
    for event in events:
        if isinstance(event, BookSnapshot):
            assert book.on_snapshot(book.epoch, event)
        elif isinstance(event, DepthDiff):
            if book.on_diff(event) == "applied":
                applied += 1
                top = book.top()
                assert top is not None and top.bid < top.ask  # never crossed
                tops[event.final_update_id] = (top.bid, top.bid_qty, top.ask, top.ask_qty)
        elif isinstance(event, BookTop):
            tickers.append(event)
    checked = [t for t in tickers if t.update_id in tops]
    for ticker in checked:
        assert tops[ticker.update_id] == (ticker.bid, ticker.bid_qty, ticker.ask, ticker.ask_qty)
    return len(checked), applied


@pytest.mark.parametrize(
    ("symbol", "files", "tickers"),
    [("BTCUSDT", BTC_2024, 625), ("ETHUSDT", ETH_2024, 834), ("BTCUSDT", BTC_2023, 1565)],
)
def test_the_rebuilt_book_shows_binances_own_best_bid_and_ask(
    symbol: str, files: tuple[str, ...], tickers: int
) -> None:
    book = LocalOrderBook(symbol)
    checked, applied = replay(book, recorded(symbol, files))
    assert book.synced and book.resyncs == 0 and applied > 8_000
    assert checked == tickers  # every ticker that names a diff's update id agrees


def test_the_2021_streams_bridge_their_rest_snapshots() -> None:
    books: dict[str, LocalOrderBook] = {}
    for message in combined_messages():
        _, event = parse_combined(message)
        if isinstance(event, DepthDiff):
            book = books.setdefault(event.symbol, LocalOrderBook(event.symbol))
            book.on_diff(event)
    for symbol, book in books.items():
        snapshot = parse_depth_snapshot(symbol, rest_depth(symbol))
        assert book.on_snapshot(book.epoch, snapshot), symbol
        top = book.top()
        assert book.synced and top is not None and top.bid < top.ask
        assert book.last_update_id is not None and book.last_update_id >= snapshot.last_update_id


def diffs_and_snapshot(files: tuple[str, ...] = BTC_2024) -> tuple[list[DepthDiff], BookSnapshot]:
    events = list(recorded("BTCUSDT", files))
    snapshot = next(e for e in events if isinstance(e, BookSnapshot))
    return [e for e in events if isinstance(e, DepthDiff)], snapshot


def synced_book(diffs: list[DepthDiff], snapshot: BookSnapshot, upto: int) -> LocalOrderBook:
    book = LocalOrderBook("BTCUSDT")
    for diff in diffs[:upto]:
        book.on_diff(diff)
    assert book.on_snapshot(book.epoch, snapshot)
    return book


def snapshot_of(book: LocalOrderBook) -> BookSnapshot:
    """What REST would answer for `book`'s state (the fake's snapshot of the truth)."""
    bids, asks = book.levels(100_000)
    assert book.last_update_id is not None
    return BookSnapshot(book.symbol, book.last_update_id, tuple(bids), tuple(asks), 0, 0)


def test_a_lost_diff_starts_over_and_the_next_snapshot_restores_the_truth() -> None:
    diffs, snapshot = diffs_and_snapshot()
    truth = synced_book(diffs, snapshot, 20)
    faulty = synced_book(diffs, snapshot, 20)
    for diff in diffs[20:3000]:
        truth.on_diff(diff)
    for diff in diffs[20:1000]:
        faulty.on_diff(diff)
    old_epoch = faulty.epoch
    assert faulty.on_diff(diffs[1001]) == "resync"  # diffs[1000] was lost
    assert not faulty.synced and faulty.epoch == old_epoch + 1 and faulty.resyncs == 1
    assert faulty.on_snapshot(old_epoch, snapshot) is False  # requested before: stale
    assert faulty.stale_snapshots == 1
    for diff in diffs[1002:2000]:
        assert faulty.on_diff(diff) == "buffered"
    reference = synced_book(diffs, snapshot, 20)
    for diff in diffs[20:1500]:
        reference.on_diff(diff)
    assert faulty.on_snapshot(faulty.epoch, snapshot_of(reference))
    for diff in diffs[2000:3000]:
        assert faulty.on_diff(diff) == "applied"
    assert faulty.levels(100_000) == truth.levels(100_000)
    assert faulty.last_update_id == truth.last_update_id


def test_duplicates_and_redelivered_diffs_change_nothing() -> None:
    diffs, snapshot = diffs_and_snapshot()
    truth = synced_book(diffs, snapshot, 20)
    doubled = synced_book(diffs, snapshot, 20)
    for k, diff in enumerate(diffs[20:2000]):
        truth.on_diff(diff)
        doubled.on_diff(diff)
        assert doubled.on_diff(diff) == "ignored"
        if k % 100 == 99:  # a reconnect delivers the last 50 again
            assert {doubled.on_diff(d) for d in diffs[20 + k - 49 : 21 + k]} == {"ignored"}
    assert doubled.levels(100_000) == truth.levels(100_000) and doubled.resyncs == 0


def test_a_snapshot_older_than_the_buffer_is_refused_and_a_full_buffer_starts_over() -> None:
    diffs, snapshot = diffs_and_snapshot()
    book = LocalOrderBook("BTCUSDT")
    late = [d for d in diffs if d.first_update_id > snapshot.last_update_id + 1][:10]
    for diff in late:
        book.on_diff(diff)
    epoch = book.epoch
    assert book.on_snapshot(epoch, snapshot) is False  # no buffered diff bridges it
    assert book.epoch == epoch + 1 and not book.synced

    small = LocalOrderBook("BTCUSDT", max_buffer=5)
    outcomes = [small.on_diff(diff) for diff in diffs[:6]]
    assert outcomes == ["buffered"] * 5 + ["resync"] and small.epoch == 1
    assert small.on_snapshot(0, snapshot) is False and small.stale_snapshots == 1
