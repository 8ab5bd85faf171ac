"""Binance messages on REAL recorded payloads, their routes, and the bad ones refused."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from scalplab.data.adapters.binance.schemas import (
    MessageError,
    parse_combined,
    parse_data,
    parse_depth_snapshot,
)
from scalplab.data.market_events import (
    AggregateTrade,
    BookTop,
    DepthDiff,
    KlineUpdate,
    Liquidation,
    MarkPrice,
    Trade,
)
from tests.data.adapters.binance.recorded import capture, combined_messages, rest_depth


def test_every_recorded_message_becomes_its_event() -> None:
    events = [parse_combined(message) for message in combined_messages()]
    kinds = Counter(type(event).__name__ for _, event in events)
    assert kinds == {"DepthDiff": 764, "BookTop": 613, "KlineUpdate": 67, "AggregateTrade": 91}
    assert sum(kinds.values()) == 1535
    stream, first = events[0]
    assert stream == "sushiusdt@bookTicker"
    assert first == BookTop("SUSHIUSDT", 600859600576, 7.611, 2.0, 7.612, 297.0, 1626992741012,
                            1626992741017)  # fmt: skip
    for stream, event in events:
        assert event.symbol == stream.split("@")[0].upper()
        if isinstance(event, DepthDiff):
            assert event.first_update_id <= event.final_update_id
    klines = [e for _, e in events if isinstance(e, KlineUpdate)]
    assert all(k.interval == "1m" and k.close_time == k.open_time + 59_999 for k in klines)
    assert all(k.low <= min(k.open, k.close) <= max(k.open, k.close) <= k.high for k in klines)
    closed = [k for k in klines if k.closed]
    assert closed and all(k.event_time > k.close_time for k in closed)


def test_an_aggregate_trade_keeps_the_archive_columns() -> None:
    message = next(m for m in combined_messages() if "@aggTrade" in m)
    _, trade = parse_combined(message)
    assert trade == AggregateTrade(
        symbol="CTKUSDT",
        agg_trade_id=16599292,
        price=1.011,
        quantity=10.0,
        first_trade_id=23961322,
        last_trade_id=23961322,
        transact_time=1626992741421,
        is_buyer_maker=False,
        event_time=1626992741575,
    )


def test_mark_price_and_trades_of_the_2023_capture() -> None:
    lines = capture("hftbacktest_usdm_btcusdt_20230404.dat.gz")
    marks = [parse_combined(line)[1] for line in lines if "markPrice" in line]
    assert len(marks) == 99 and all(isinstance(m, MarkPrice) for m in marks)
    first = marks[0]
    assert first == MarkPrice("BTCUSDT", 28147.27373413, 28159.75642857, 0.00002754,
                              1680652800000, 1680652701000)  # fmt: skip
    trades = [
        parse_combined(line)[1]
        for line in capture("hftbacktest_usdm_btcusdt_20230404.dat.gz")
        if "@trade" in line
    ]
    assert all(isinstance(t, Trade) for t in trades) and len(trades) == 2197
    ids = [t.trade_id for t in trades if isinstance(t, Trade)]
    assert ids == list(range(ids[0], ids[0] + len(ids)))  # contiguous, as recorded


def test_a_rest_depth_snapshot() -> None:
    answer = rest_depth("SUSHIUSDT")
    snapshot = parse_depth_snapshot("SUSHIUSDT", answer)
    assert snapshot.last_update_id == answer["lastUpdateId"]
    assert len(snapshot.bids) == len(answer["bids"]) == 1000
    assert snapshot.bids[0][0] > snapshot.bids[1][0] and snapshot.asks[0][0] < snapshot.asks[1][0]
    assert snapshot.bids[0][0] < snapshot.asks[0][0]


def test_a_liquidation_and_a_partial_book() -> None:
    # Binance's documented shapes of forceOrder and depth20 (no capture holds them)
    liquidation = parse_data(
        "forceOrder",
        {"e": "forceOrder", "E": 1568014460893, "o": {"s": "BTCUSDT", "S": "SELL", "o": "LIMIT",
         "f": "IOC", "q": "0.014", "p": "9910", "ap": "9910", "X": "FILLED", "l": "0.014",
         "z": "0.014", "T": 1568014460893}},
    )  # fmt: skip
    assert liquidation == Liquidation(
        "BTCUSDT", "sell", 9910.0, 9910.0, 0.014, 0.014, "FILLED", 1568014460893, 1568014460893
    )
    book = parse_data(
        "depth20",
        {"e": "depthUpdate", "E": 1, "T": 2, "s": "BTCUSDT", "U": 3, "u": 5, "pu": 2,
         "b": [["100.5", "1"]], "a": [["100.6", "2"]]},
    )  # fmt: skip
    assert book.last_update_id == 5 and book.bids == ((100.5, 1.0),)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "not JSON"),
        ('{"data": {}}', "not a combined-stream message"),
        ('{"stream": "btcusdt@candles", "data": {}}', "unknown Binance stream 'btcusdt@candles'"),
        ('{"stream": "btcusdt@aggTrade", "data": []}', "aggTrade message without an object"),
        (
            '{"stream": "btcusdt@aggTrade", "data": {"e": "aggTrade", "s": "BTCUSDT"}}',
            "malformed aggTrade message (missing a)",
        ),
    ],
)
def test_bad_messages_are_one_line_errors(raw: str, message: str) -> None:
    with pytest.raises(MessageError) as caught:
        parse_combined(raw)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("p", "NaN", "p is not a non-negative number"),
        ("p", "-1", "p is not a non-negative number"),
        ("a", True, "a is not an integer"),
        ("m", "false", "m is not a boolean"),
        ("s", "BTC/USDT", "symbol 'BTC/USDT'"),
    ],
)
def test_a_bad_field_names_itself(field: str, value: object, why: str) -> None:
    message = json.loads(next(m for m in combined_messages() if "@aggTrade" in m))
    message["data"][field] = value
    with pytest.raises(MessageError, match=f"malformed aggTrade message \\({why}"):
        parse_combined(json.dumps(message))
