"""The market scanner against the fake Binance over real HTTP: the REAL 2021 exchangeInfo,
tickers and books built from the REAL 1m candles and 15m klines resampled from them.

Expected values are computed here independently, from the recorded CSV files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scalplab.data.adapters.binance.fake_rest import Fault, ReplayServer, ReplayState
from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.adapters.binance.weight import request_weight
from scalplab.data.scanner import MarketScanner, ScannerParams, ScanResult, opportunity_score
from scalplab.data.timeframes import resample
from scalplab.errors import TemporaryError
from scalplab.strategies.indicators import atr
from tests.conftest import real_klines
from tests.data.scanner.market import SERVED, market_server, market_state

DAY_MS = 86_400_000
QUALIFIED = {"SOLUSDT", "ETHUSDT", "DOGEUSDT", "XRPUSDT", "ADAUSDT"}


def quick(base_url: str) -> BinanceRestClient:
    """A client that retries at once (tests never sleep)."""
    return BinanceRestClient(base_url, max_attempts=3, backoff_s=0.0)


def scan(server: ReplayServer, **options: object) -> ScanResult:
    scanner = MarketScanner(server.base_url, client_factory=quick, **options)  # type: ignore[arg-type]
    try:
        return scanner.scan()
    finally:
        scanner.close()


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with market_server() as started:
        yield started


def expected_row(symbol: str, spread: float) -> dict[str, float]:
    """Volume, change, price, ATR % and score of `symbol` from its recorded 1m CSV."""
    candles = real_klines(symbol)
    last = int(candles["open_time"].iloc[-1])
    day = candles[candles["open_time"] > last - DAY_MS]
    if "quote_volume" in day:
        volume = float(day["quote_volume"].sum())
    else:  # the fake's documented estimate for files without quote volume
        volume = float((day["volume"] * (day["high"] + day["low"] + day["close"]) / 3).sum())
    change = round((day["close"].iloc[-1] - day["open"].iloc[0]) / day["open"].iloc[0] * 100, 3)
    bars = resample(candles[["open_time", "open", "high", "low", "close", "volume"]], "15m")
    closed = bars[bars["open_time"] + 900_000 - 1 <= last + 59_999].tail(200)
    atr_pct = atr(closed["high"], closed["low"], closed["close"], 14)[-1] / closed["close"].iloc[-1]
    atr_pct *= 100
    score = opportunity_score(volume, spread, atr_pct, change).total
    return {"volume": volume, "change": change, "atr_pct": atr_pct, "score": score,
            "price": float(day["close"].iloc[-1])}  # fmt: skip


def book_spread(state: ReplayState, symbol: str) -> float:
    book = state.tickers["bookTicker"][symbol]
    bid, ask = float(book["bidPrice"]), float(book["askPrice"])
    return (ask - bid) / ask * 100


def test_the_real_market_is_scanned_scored_and_judged(server: ReplayServer) -> None:
    result = scan(server)
    assert result.universe == 117  # PERPETUAL, USDT, TRADING of the 122 recorded symbols
    assert result.candidates == 6 and result.kline_requests == 6
    by_symbol = {row.symbol: row for row in result.rows}
    assert set(by_symbol) == set(SERVED)
    for symbol in SERVED:
        row, expected = by_symbol[symbol], expected_row(symbol, book_spread(server.state, symbol))
        assert row.volume_24h == pytest.approx(expected["volume"], rel=1e-9)
        assert row.price_change_pct == pytest.approx(expected["change"])
        assert row.price == expected["price"]
        if symbol == "NEARUSDT":  # +0.26 % in its last day: dead, never scored
            assert (row.score, row.atr_pct, row.candles, row.qualified) == (None, None, None, False)
            assert row.reasons == ("24h change +0.26 % not beyond ±0.5 % (dead)",)
            continue
        assert row.atr_pct == pytest.approx(expected["atr_pct"], rel=1e-9)
        assert row.total == pytest.approx(expected["score"], rel=1e-9)
        assert row.candles == 200
    assert {row.symbol for row in result.qualified} == QUALIFIED
    btc = by_symbol["BTCUSDT"]
    assert not btc.qualified and btc.reasons == (f"ATR(14, 15m) {btc.atr_pct:.3f} % under 0.3 %",)
    scores = [row.total for row in result.rows if row.total is not None]
    assert scores == sorted(scores, reverse=True) and result.rows[-1].symbol == "NEARUSDT"
    # the 110 listed perpetuals without candles have no ticker: left out, saying so
    assert len(result.left_out) == 110
    assert {item.reason for item in result.left_out} == {"no 24h ticker from Binance"}
    assert result.market_time_ms == max(
        int(t["closeTime"]) for t in server.state.tickers["24hr"].values()
    )


def test_the_weight_is_binances_documented_weight_of_what_was_sent(server: ReplayServer) -> None:
    result = scan(server)
    # exchangeInfo 1 + every 24 h ticker 40 + every book ticker 5 + 6 × klines(limit 201) 2
    assert result.weight_used == 1 + 40 + 5 + 6 * 2
    sent = sum(request_weight(name, params) for name, params in server.state.log)
    assert sent == result.weight_used
    assert {p["limit"] for name, p in server.state.log if name == "klines"} == {"201"}


def test_a_second_refresh_reads_no_closed_candle_again(server: ReplayServer) -> None:
    scanner = MarketScanner(server.base_url, client_factory=quick)
    try:
        first, second = scanner.scan(), scanner.scan()
    finally:
        scanner.close()
    assert (second.kline_requests, second.weight_used) == (0, 40 + 5)  # exchangeInfo cached
    assert [row.to_dict() for row in second.rows] == [row.to_dict() for row in first.rows]


def test_a_newly_closed_candle_is_fetched_alone_and_gives_a_fresh_scans_atr() -> None:
    state = market_state()
    full_klines = state.klines[("SOLUSDT", "15m")]
    ticker = dict(state.tickers["24hr"]["SOLUSDT"])
    # half an hour earlier: two 15m candles less, the ticker's window ending 30 min before
    state.klines[("SOLUSDT", "15m")] = full_klines[:-2]
    state.tickers["24hr"]["SOLUSDT"] = {**ticker, "closeTime": ticker["closeTime"] - 1_800_000}
    with market_server(state) as server:
        scanner = MarketScanner(server.base_url, client_factory=quick)
        try:
            earlier = {row.symbol: row for row in scanner.scan().rows}
            state.klines[("SOLUSDT", "15m")] = full_klines
            state.tickers["24hr"]["SOLUSDT"] = ticker
            state.log.clear()
            later = scanner.scan()
        finally:
            scanner.close()
        top_ups = [params for name, params in state.log if name == "klines"]
        fresh = {row.symbol: row for row in scan(server).rows}
    assert len(top_ups) == 1 and top_ups[0]["symbol"] == "SOLUSDT" and top_ups[0]["limit"] == "99"
    assert later.weight_used == 40 + 5 + 1
    sol = {row.symbol: row for row in later.rows}["SOLUSDT"]
    assert sol.atr_pct == fresh["SOLUSDT"].atr_pct != earlier["SOLUSDT"].atr_pct
    assert sol.candles == 200


def test_bad_symbols_are_left_out_with_the_reason_and_the_rest_is_scored() -> None:
    state = market_state()
    del state.klines[("DOGEUSDT", "15m")]  # no klines at all (Binance: invalid symbol)
    state.tickers["24hr"]["ETHUSDT"]["lastPrice"] = "abc"
    xrp = [list(row) for row in state.klines[("XRPUSDT", "15m")]]
    xrp[-5][3] = str(float(xrp[-5][2]) * 2)  # low above high
    state.klines[("XRPUSDT", "15m")] = xrp
    state.klines[("ADAUSDT", "15m")] = state.klines[("ADAUSDT", "15m")][-10:]
    state.klines[("SOLUSDT", "15m")] = state.klines[("SOLUSDT", "15m")][-100:]
    btc = state.tickers["bookTicker"]["BTCUSDT"]
    btc["bidPrice"], btc["askPrice"] = btc["askPrice"], btc["bidPrice"]
    state.tickers["24hr"]["NOSYMBOL"] = {"lastPrice": "1"}
    with market_server(state) as server:
        result = scan(server)
    reasons = {item.symbol: item.reason for item in result.left_out}
    assert reasons["DOGEUSDT"] == "15m klines: Binance: klines DOGEUSDT 15m: Invalid symbol."
    assert reasons["ETHUSDT"] == "malformed 24h ticker (lastPrice is not a number: 'abc')"
    assert reasons["XRPUSDT"].startswith("15m klines: malformed kline [")
    assert reasons["XRPUSDT"].endswith("out of order")
    assert reasons["ADAUSDT"] == "only 9 closed 15m candles: ATR(14) needs 15"
    assert reasons["BTCUSDT"].startswith("malformed book ticker (crossed book (bid 105086.69")
    assert reasons["?"] == "malformed 24h ticker (missing symbol)"
    rows = {row.symbol: row for row in result.rows}
    assert set(rows) == {"SOLUSDT", "NEARUSDT"}
    assert rows["SOLUSDT"].candles == 99 and not rows["SOLUSDT"].qualified
    assert rows["SOLUSDT"].reasons == ("only 99 closed 15m candles (needs 200)",)
    assert rows["SOLUSDT"].total is not None and rows["SOLUSDT"].total > 50


def test_a_failing_whole_market_call_fails_the_scan_and_the_next_one_works(
    server: ReplayServer,
) -> None:
    server.state.fail_next("24hr", Fault(502, '{"code": -1000, "msg": "bad gateway"}'), times=3)
    scanner = MarketScanner(server.base_url, client_factory=quick)
    try:
        with pytest.raises(TemporaryError, match="failed 3 times on 24h tickers"):
            scanner.scan()
        assert len(scanner.scan().qualified) == 5
    finally:
        scanner.close()


def test_parallel_klines_give_what_one_client_gives(server: ReplayServer) -> None:
    one, many = scan(server, workers=1), scan(server, workers=6)
    assert [row.to_dict() for row in one.rows] == [row.to_dict() for row in many.rows]


def test_the_thresholds_are_params(server: ReplayServer) -> None:
    strict = scan(server, params=ScannerParams(min_score=85.5, min_atr_pct=0.0))
    assert {row.symbol for row in strict.qualified} == {
        row.symbol for row in strict.rows if row.total is not None and row.total > 85.5
    }
    loose = scan(server, params=ScannerParams(min_volume_usdt=6e9, min_change_pct=0.1))
    unscored = {row.symbol for row in loose.rows if row.total is None}
    assert unscored == {"ADAUSDT", "DOGEUSDT", "NEARUSDT", "SOLUSDT", "XRPUSDT"}  # under $6 bn
    assert all(
        "not over 6,000,000,000" in row.reasons[0] for row in loose.rows if row.total is None
    )


def test_a_candle_closing_at_the_tickers_window_end_is_closed_and_not_fetched_again() -> None:
    state = market_state()
    state.tickers["24hr"]["NEARUSDT"]["priceChangePercent"] = "2.000"  # alive: a candidate
    near = state.klines[("NEARUSDT", "15m")]
    assert near[-1][6] == state.tickers["24hr"]["NEARUSDT"]["closeTime"]  # its data ends 23:59
    with market_server(state) as server:
        scanner = MarketScanner(server.base_url, client_factory=quick)
        try:
            first = {row.symbol: row for row in scanner.scan().rows}["NEARUSDT"]
            assert scanner.cache.series("NEARUSDT")[-1].open_time == near[-1][0]
            assert first.candles == 200 and first.atr_pct is not None
            assert scanner.scan().kline_requests == 0
        finally:
            scanner.close()
