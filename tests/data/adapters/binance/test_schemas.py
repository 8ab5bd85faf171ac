"""Binance messages on REAL recorded payloads, their routes, and the bad ones refused."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from scalplab.data.adapters.binance.fake_depth import partial_books
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
    PartialBook,
    Trade,
)
from tests.data.adapters.binance.documented_streams import FORCE_ORDER, force_order_message
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


def test_a_liquidation_of_binances_documented_shape() -> None:
    # no capture holds a forceOrder message: this is the documentation's example payload
    liquidation = parse_data("forceOrder", FORCE_ORDER)
    assert liquidation == Liquidation(
        symbol="BTCUSDT",
        side="sell",
        order_type="LIMIT",
        time_in_force="IOC",
        quantity=0.014,
        price=9910.0,
        average_price=9910.0,
        status="FILLED",
        last_filled_quantity=0.014,
        filled_quantity=0.014,
        trade_time=1568014460893,
        event_time=1568014460893,
    )
    assert parse_combined(force_order_message()) == ("btcusdt@forceOrder", liquidation)


def test_a_partial_book_derived_from_the_real_capture() -> None:
    # no capture holds depth20: the fake derives it from the real diffs and REST snapshot
    snapshots = {symbol: rest_depth(symbol) for symbol in ("SUSHIUSDT",)}
    _, message = partial_books(combined_messages(), snapshots)[0]
    data = json.loads(message)["data"]
    stream, book = parse_combined(message)
    assert stream == "sushiusdt@depth20@100ms" and data["e"] == "depthUpdate"
    assert book == PartialBook(
        symbol="SUSHIUSDT",
        first_update_id=data["U"],
        final_update_id=data["u"],
        previous_final_update_id=data["pu"],
        bids=tuple((float(p), float(q)) for p, q in data["b"]),
        asks=tuple((float(p), float(q)) for p, q in data["a"]),
        transact_time=data["T"],
        event_time=data["E"],
    )
    assert len(book.bids) == len(book.asks) == 20  # type: ignore[union-attr]
    diff = parse_data("depth", data)  # the same payload on a diff stream is a diff
    assert isinstance(diff, DepthDiff) and diff.final_update_id == data["u"]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d.pop("pu"), "missing pu"),
        (lambda d: d["b"].extend(d["b"][:1]), "more than 20 levels a side"),
        (lambda d: d["a"].__setitem__(0, ["1.0"]), "level"),
    ],
)
def test_a_bad_partial_book_or_liquidation_is_a_message_error(change: object, why: str) -> None:
    _, message = partial_books(combined_messages(), {"CTKUSDT": rest_depth("CTKUSDT")})[0]
    data = json.loads(message)["data"]
    change(data)  # type: ignore[operator]
    with pytest.raises(MessageError, match=f"malformed depth20 message \\({why}"):
        parse_data("depth20", data)
    broken = json.loads(json.dumps(FORCE_ORDER))
    broken["o"]["o"] = 7
    with pytest.raises(MessageError, match="malformed forceOrder message \\(o is not a name"):
        parse_data("forceOrder", broken)


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
