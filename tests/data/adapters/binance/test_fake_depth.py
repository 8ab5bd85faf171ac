"""Partial books (`depth20@100ms`) derived from REAL recorded diff depth and REST snapshots.

Truth: Binance's own bookTicker. Wherever a bookTicker's update id equals a derived
partial book's final update id, the partial book's best levels must be the ticker's.
The 2021 capture (four symbols, diff depth @100ms) and the 2024 BTCUSDT capture (diff
depth @0ms, many diffs per 100 ms) are both used.
"""

from __future__ import annotations

import json
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from scalplab.data.adapters.binance.fake import copies, load_capture
from scalplab.data.adapters.binance.fake_depth import (
    DepthAtPosition,
    main,
    partial_books,
    with_partial_books,
)
from scalplab.data.adapters.binance.fake_rest import ReplayServer, ReplayState
from scalplab.data.adapters.binance.schemas import parse_combined
from scalplab.data.market_events import BookTop, DepthDiff, PartialBook
from scalplab.errors import DataError
from tests.conftest import REAL
from tests.data.adapters.binance.recorded import capture, combined_messages, rest_depth

SYMBOLS = ("SUSHIUSDT", "AKROUSDT", "KEEPUSDT", "CTKUSDT")
BTC_2024 = "hftbacktest_usdm_btcusdt_20240718.gz"


def rest_snapshots() -> dict[str, dict[str, Any]]:
    return {symbol: rest_depth(symbol) for symbol in SYMBOLS}


def btc_2024() -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The 2024 BTCUSDT capture's first file (3 minutes to midnight) and its REST snapshot."""
    lines = [line.strip() for line in capture(BTC_2024)]
    snapshot = next(json.loads(line) for line in lines if line.startswith('{"lastUpdateId"'))
    return [line for line in lines if not line.startswith('{"lastUpdateId"')], {"BTCUSDT": snapshot}


def checked_against_tickers(messages: list[str]) -> tuple[int, list[PartialBook]]:
    """Every derived partial book is sorted, uncrossed and chained (`pu` = the previous
    push's `u`); (tickers that name a push's update id and agree with it, the books)."""
    books: dict[tuple[str, int], PartialBook] = {}
    last: dict[str, int] = {}
    tickers: list[BookTop] = []
    for message in messages:
        stream, event = parse_combined(message)
        if isinstance(event, PartialBook):
            assert stream == f"{event.symbol.lower()}@depth20@100ms"
            assert 0 < len(event.bids) <= 20 and 0 < len(event.asks) <= 20
            assert [p for p, _ in event.bids] == sorted((p for p, _ in event.bids), reverse=True)
            assert [p for p, _ in event.asks] == sorted(p for p, _ in event.asks)
            assert event.bids[0][0] < event.asks[0][0]
            if event.symbol in last:
                assert event.previous_final_update_id == last[event.symbol]
            last[event.symbol] = event.final_update_id
            books[(event.symbol, event.final_update_id)] = event
        elif isinstance(event, BookTop):
            tickers.append(event)
    checked = 0
    for ticker in tickers:
        book = books.get((ticker.symbol, ticker.update_id))
        if book is not None:
            assert (book.bids[0], book.asks[0]) == ((ticker.bid, ticker.bid_qty),
                                                    (ticker.ask, ticker.ask_qty))  # fmt: skip
            checked += 1
    return checked, list(books.values())


def test_the_2021_partial_books_show_binances_own_best_bid_and_ask() -> None:
    recorded = combined_messages()
    merged = with_partial_books(recorded, rest_snapshots())
    assert [m for m in merged if "@depth20@" not in m] == recorded  # merged in, nothing lost
    checked, books = checked_against_tickers(merged)
    assert checked == 50 and len(books) == len(merged) - len(recorded)
    # one @100ms diff a push: every id and time of a push is the diff's it follows
    for index, message in enumerate(merged):
        if "@depth20@" in message:
            _, diff = parse_combined(merged[index - 1])
            _, book = parse_combined(message)
            assert isinstance(diff, DepthDiff) and isinstance(book, PartialBook)
            assert (diff.symbol, diff.first_update_id, diff.final_update_id,
                    diff.previous_final_update_id, diff.transact_time, diff.event_time) == (
                book.symbol, book.first_update_id, book.final_update_id,
                book.previous_final_update_id, book.transact_time, book.event_time)  # fmt: skip
    per_symbol = Counter(book.symbol for book in books)
    assert set(per_symbol) == set(SYMBOLS) and all(n > 100 for n in per_symbol.values())


def test_the_2024_btc_partial_books_gather_100_ms_of_diffs() -> None:
    messages, snapshot = btc_2024()
    pushes = partial_books(messages, snapshot)
    checked, books = checked_against_tickers([message for _, message in pushes] + messages)
    assert checked == 97 and len(books) == len(pushes)
    times = [book.event_time for book in books]
    assert times == sorted(times) and len({t // 100 for t in times}) == len(times)  # one a 100 ms
    diffs = sum("@depth@" in m for m in messages)
    assert diffs > 1.8 * len(books)  # @0ms diffs: about two a push


def test_prices_and_quantities_keep_binances_text() -> None:
    recorded = combined_messages()
    texts = defaultdict(set)
    for message in recorded:
        data = json.loads(message)["data"]
        for side in ("b", "a"):
            for price, quantity in data.get(side, []) if data["e"] == "depthUpdate" else []:
                texts[data["s"]].update((price, quantity))
    for symbol, answer in rest_snapshots().items():
        texts[symbol].update(text for level in answer["bids"] + answer["asks"] for text in level)
    for _, message in partial_books(recorded, rest_snapshots()):
        data = json.loads(message)["data"]
        assert {text for level in data["b"] + data["a"] for text in level} <= texts[data["s"]]
        assert list(data) == ["e", "E", "T", "s", "U", "u", "pu", "b", "a"]  # Binance's order


def test_the_fakes_copies_serve_them_for_more_symbols() -> None:
    merged = with_partial_books(combined_messages(), {"CTKUSDT": rest_depth("CTKUSDT")})
    copied = copies(merged, 3)
    streams = Counter(json.loads(m)["stream"] for m in copied if "@depth20@" in m)
    assert set(streams) == {"ctkusdt@depth20@100ms", "ctk1usdt@depth20@100ms",
                            "ctk2usdt@depth20@100ms"}  # fmt: skip
    _, copy = parse_combined(next(m for m in copied if "ctk2usdt@depth20" in m))
    assert isinstance(copy, PartialBook) and copy.symbol == "CTK2USDT"


def test_a_broken_chain_or_an_unbridged_snapshot_is_refused() -> None:
    recorded = combined_messages()
    diffs = [i for i, m in enumerate(recorded) if m.startswith('{"stream":"ctkusdt@depth@')]
    lossy = recorded[: diffs[100]] + recorded[diffs[100] + 1 :]
    with pytest.raises(DataError, match="CTKUSDT diff chain breaks"):
        partial_books(lossy, {"CTKUSDT": rest_depth("CTKUSDT")})
    late = recorded[: diffs[0]]  # the capture ends before a diff reaches the snapshot
    with pytest.raises(DataError, match="no recorded diff of CTKUSDT bridges its snapshot"):
        partial_books(late, {"CTKUSDT": rest_depth("CTKUSDT")})


def test_the_command_writes_a_capture_for_the_fake(tmp_path: Path) -> None:
    out = tmp_path / "with_depth20.jsonl"
    snapshot = REAL / "rest" / "fapi_v1_depth_symbolKEEPUSDT_limit1000_2021-07-22.json"
    main([str(REAL / "ws" / "combined_stream_um_2021-07-22.jsonl"), str(snapshot),
          "--out", str(out)])  # fmt: skip
    served = load_capture(out)
    assert served == with_partial_books(combined_messages(), {"KEEPUSDT": rest_depth("KEEPUSDT")})


def test_rest_answers_at_the_streams_position_show_binances_best_bid_and_ask() -> None:
    recorded = combined_messages()
    position = [0]
    answers = DepthAtPosition(recorded, rest_snapshots(), lambda: position[0])
    assert answers("BTCUSDT") is None
    assert answers("SUSHIUSDT") == rest_depth("SUSHIUSDT")  # before the bridging diff
    diff_at: dict[tuple[str, int], int] = {}  # (symbol, u) → index of the diff
    tickers: list[BookTop] = []
    for index, message in enumerate(recorded):
        _, event = parse_combined(message)
        if isinstance(event, DepthDiff):
            diff_at[(event.symbol, event.final_update_id)] = index
        elif isinstance(event, BookTop):
            tickers.append(event)
    checked = 0
    for ticker in tickers:  # a ticker may come before or after its diff (two streams)
        index = diff_at.get((ticker.symbol, ticker.update_id))
        if index is None or ticker.update_id < rest_depth(ticker.symbol)["lastUpdateId"]:
            continue
        position[0] = index
        answer = answers(ticker.symbol)
        assert answer is not None and answer["lastUpdateId"] == ticker.update_id
        best = [tuple(map(float, answer[side][0])) for side in ("bids", "asks")]
        assert best == [(ticker.bid, ticker.bid_qty), (ticker.ask, ticker.ask_qty)]
        checked += 1
    assert checked >= 40


def test_the_fake_rest_serves_them() -> None:
    recorded = combined_messages()
    answers = DepthAtPosition(recorded, rest_snapshots(), lambda: len(recorded) - 1)
    with ReplayServer(ReplayState(depth_answer=answers)) as server:
        url = f"{server.base_url}/fapi/v1/depth?symbol=CTKUSDT&limit=5"
        with urllib.request.urlopen(url, timeout=5) as reply:
            served = json.loads(reply.read())
    final = answers("CTKUSDT")
    assert final is not None and len(served["bids"]) == len(served["asks"]) == 5
    assert served == {**final, "bids": final["bids"][:5], "asks": final["asks"][:5]}
    diffs = [parse_combined(m)[1] for m in recorded if m.startswith('{"stream":"ctkusdt@depth@')]
    last_diff = max(d.final_update_id for d in diffs if isinstance(d, DepthDiff))
    assert served["lastUpdateId"] == last_diff
