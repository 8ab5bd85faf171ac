"""The fake Binance's whole market (`fake_market`): tickers, books and 15m klines built
from the REAL 1m candles, served with Binance's documented weights, and relabelled copies
for load tests; and the parsers of Binance's ticker answers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from decimal import Decimal

import pandas as pd
import pytest

from scalplab.data.adapters.binance.fake_market import (
    DEFAULT_SPREAD_PCT,
    SHIFT_MS,
    recorded_spreads,
    serve_market,
)
from scalplab.data.adapters.binance.fake_rest import ReplayServer, ReplayState
from scalplab.data.adapters.binance.schemas import MessageError
from scalplab.data.adapters.binance.ticker_schemas import parse_book_tickers, parse_tickers_24h
from scalplab.data.adapters.binance.weight import request_weight
from scalplab.data.timeframes import resample
from tests.conftest import REAL, real_klines
from tests.data.scanner.market import SERVED, market_server, market_state

DAY_MS = 86_400_000


def get(server: ReplayServer, path: str) -> tuple[int, object, dict[str, str]]:
    """A raw GET: status, JSON body and headers."""
    try:
        with urllib.request.urlopen(server.base_url + path, timeout=5) as answer:
            return answer.status, json.loads(answer.read()), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def test_tickers_are_served_for_one_or_every_symbol_at_binances_weights() -> None:
    with market_server() as server:
        status, every, headers = get(server, "/fapi/v1/ticker/24hr")
        assert status == 200 and isinstance(every, list)
        assert sorted(row["symbol"] for row in every) == sorted(SERVED)
        assert headers["X-MBX-USED-WEIGHT-1m"] == "40"
        status, one, headers = get(server, "/fapi/v1/ticker/bookTicker?symbol=BTCUSDT")
        assert status == 200 and isinstance(one, dict) and one["symbol"] == "BTCUSDT"
        assert headers["X-MBX-USED-WEIGHT-1m"] == "42"  # + 2 for one symbol
        assert get(server, "/fapi/v1/ticker/24hr?symbol=CTKUSDT")[:2] == (
            400, {"code": -1121, "msg": "Invalid symbol."})  # fmt: skip
    assert [request_weight(name, {}) for name in ("24hr", "bookTicker")] == [40, 5]
    assert [request_weight(name, {"symbol": "X"}) for name in ("24hr", "bookTicker")] == [1, 2]


def test_a_24h_ticker_is_the_last_day_of_real_1m_candles() -> None:
    state = market_state()
    near = pd.read_csv(REAL / "klines" / "um" / "NEARUSDT" / "1m.csv").tail(1440)  # archive file
    ticker = state.tickers["24hr"]["NEARUSDT"]
    assert float(ticker["quoteVolume"]) == pytest.approx(near["quote_volume"].sum(), abs=1e-4)
    assert ticker["count"] == near["count"].sum()
    assert (ticker["openTime"], ticker["closeTime"]) == (
        near["open_time"].iloc[0], near["close_time"].iloc[-1])  # fmt: skip
    change = (near["close"].iloc[-1] - near["open"].iloc[0]) / near["open"].iloc[0] * 100
    assert ticker["priceChangePercent"] == f"{change:.3f}"
    btc = real_klines("BTCUSDT").tail(1440)  # no quote volume in the file: the estimate
    estimate = (btc["volume"] * (btc["high"] + btc["low"] + btc["close"]) / 3).sum()
    assert float(state.tickers["24hr"]["BTCUSDT"]["quoteVolume"]) == pytest.approx(estimate)
    assert float(state.tickers["24hr"]["BTCUSDT"]["lastPrice"]) == btc["close"].iloc[-1]


def test_books_sit_on_the_tick_grid_around_the_close_with_the_documented_spread() -> None:
    state = market_state()
    ticks = {
        entry["symbol"]: Decimal(next(
            f["tickSize"] for f in entry["filters"] if f["filterType"] == "PRICE_FILTER"))
        for entry in state.exchange_info["symbols"]
    }  # fmt: skip
    recorded = recorded_spreads(REAL)["BTCUSDT"]
    assert recorded.source == "BTCUSDT-bookTicker-2023-10-02-first10k.csv"
    for symbol in SERVED:
        book = state.tickers["bookTicker"][symbol]
        bid, ask = Decimal(book["bidPrice"]), Decimal(book["askPrice"])
        last = Decimal(state.tickers["24hr"][symbol]["lastPrice"])
        assert bid <= last <= ask
        assert bid % ticks[symbol] == 0 and ask % ticks[symbol] == 0
        spread = float((ask - bid) / ask * 100)
        target = recorded.pct if symbol == "BTCUSDT" else DEFAULT_SPREAD_PCT
        assert target <= spread <= target + float(ticks[symbol] / ask * 100) + 1e-12
    assert state.tickers["bookTicker"]["BTCUSDT"]["bidQty"] == recorded.bid_qty


def test_15m_klines_are_the_real_1m_candles_resampled() -> None:
    state = market_state()
    candles = real_klines("SOLUSDT")
    bars = resample(candles, "15m").tail(300)
    served = state.klines[("SOLUSDT", "15m")]
    assert [row[0] for row in served] == bars["open_time"].tolist()
    assert [float(row[4]) for row in served] == bars["close"].tolist()
    assert [float(row[2]) for row in served] == bars["high"].tolist()
    # the newest bucket is still forming at the ticker's window end
    assert served[-1][6] > state.tickers["24hr"]["SOLUSDT"]["closeTime"] > served[-2][6]


def test_a_market_of_n_symbols_relabels_time_shifted_real_series() -> None:
    state = ReplayState()
    market = serve_market(state, REAL, total=40)
    assert len(market.symbols) == len(state.exchange_info["symbols"]) == 40
    assert market.copies["BTC001USDT"] == market.copies["BTC005USDT"] == "BTCUSDT"
    entry = next(e for e in state.exchange_info["symbols"] if e["symbol"] == "BTC001USDT")
    assert (entry["pair"], entry["baseAsset"], entry["contractType"]) == (
        "BTC001USDT", "BTC001", "PERPETUAL")  # fmt: skip
    source, copy = state.klines[("BTCUSDT", "15m")], state.klines[("BTC001USDT", "15m")]
    hour = SHIFT_MS // 900_000
    assert copy[-1][0] == source[-1][0]  # both end now ...
    assert copy[-1][1:6] != source[-1][1:6]
    assert [row[1:6] for row in copy[-50:-1]] == [
        row[1:6] for row in source[-50 - hour : -1 - hour]
    ]


def test_ticker_answers_keep_good_rows_and_name_bad_ones() -> None:
    good = {"symbol": "BTCUSDT", "lastPrice": "100", "openPrice": "99", "highPrice": "101",
            "lowPrice": "98", "priceChangePercent": "1.010", "volume": "5",
            "quoteVolume": "500", "openTime": 1, "closeTime": 2, "count": 7}  # fmt: skip
    parsed = parse_tickers_24h([good, {**good, "symbol": "ETHUSDT", "volume": "-1"}, 3])
    assert list(parsed.records) == ["BTCUSDT"] and parsed.records["BTCUSDT"].trades == 7
    assert parsed.problems == {
        "ETHUSDT": "malformed 24h ticker (volume is negative: '-1')",
        "?": "malformed 24h ticker (not an object: 3)",
    }
    twice = parse_tickers_24h([good, good])
    assert twice.records == {} and twice.problems == {"BTCUSDT": "24h ticker sent twice"}
    book = {"symbol": "BTCUSDT", "bidPrice": "1", "bidQty": "2", "askPrice": "1.5",
            "askQty": "3", "time": 9, "lastUpdateId": 4}  # fmt: skip
    top = parse_book_tickers([book]).records["BTCUSDT"]
    assert (top.bid, top.ask, top.update_id, top.event_time) == (1.0, 1.5, 4, 9)
    assert parse_book_tickers([{**book, "askPrice": "0"}]).problems["BTCUSDT"] == (
        "malformed book ticker (askPrice is not positive: '0')")  # fmt: skip
    with pytest.raises(MessageError, match="24h ticker answer is not a list"):
        parse_tickers_24h({"code": -1})
