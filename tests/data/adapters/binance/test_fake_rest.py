"""The fake Binance REST server: what it serves from a directory of REAL recordings, from
candles given in code and from documented shapes, its paging, windows and entry point."""

from __future__ import annotations

import csv
import gzip
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from scalplab.data.adapters.binance.fake_rest import ReplayServer, ReplayState
from scalplab.data.adapters.binance.fake_rest_data import candle_rows, load_real_data
from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.adapters.binance.schemas import klines_to_frame
from scalplab.data.adapters.binance.weight import RequestWindow
from tests.conftest import REAL
from tests.data.adapters.binance.documented import GLOBAL_ACCOUNTS, OPEN_INTEREST_HIST
from tests.data.conftest import BTC_1M, BTC_FUNDING, Sleeps

MARK_8H = REAL / "klines" / "um_mark" / "BTCUSDT" / "8h.csv"
CAPTURES_2023 = sorted((REAL / "orderbook_ws").glob("*2023*.gz"))


def get(server: ReplayServer, path: str) -> tuple[int, object, dict[str, str]]:
    """A raw GET: status, JSON body and headers."""
    try:
        with urllib.request.urlopen(server.base_url + path, timeout=5) as answer:
            return answer.status, json.loads(answer.read()), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def recorded_marks() -> list[dict[str, object]]:
    """The `markPriceUpdate` payloads of the 2023 captures, in order."""
    marks = []
    for path in CAPTURES_2023:
        with gzip.open(path, "rt") as lines:
            marks += [json.loads(line.split(" ", 1)[1])["data"] for line in lines
                      if "markPriceUpdate" in line]  # fmt: skip
    return marks


@pytest.fixture(scope="module")
def btc_state_data() -> ReplayState:
    return ReplayState.from_data_dir(REAL, ["BTCUSDT", "CTKUSDT"])


@pytest.fixture
def served(btc_state_data: ReplayState) -> Iterator[ReplayServer]:
    state = ReplayState(
        klines=btc_state_data.klines,
        exchange_info=btc_state_data.exchange_info,
        agg_trades=btc_state_data.agg_trades,
        depth=btc_state_data.depth,
        funding=btc_state_data.funding,
        premium=btc_state_data.premium,
    )
    with ReplayServer(state) as server:
        yield server


def test_a_data_directory_is_served_as_recorded(served: ReplayServer) -> None:
    state = served.state
    assert sorted(state.klines) == [("BTCUSDT", i) for i in ("15m", "1h", "1m", "5m")]
    assert list(state.agg_trades) == list(state.depth) == ["CTKUSDT"]  # the 2021 capture
    assert "BTCUSDT" in {s["symbol"] for s in state.exchange_info["symbols"]}

    status, rows, headers = get(served, "/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=3")
    truth = pd.read_csv(BTC_1M)
    assert status == 200 and isinstance(rows, list)
    assert [row[0] for row in rows] == truth["open_time"].tail(3).tolist()
    assert headers["X-MBX-USED-WEIGHT-1m"] == "1"

    status, funding, _ = get(served, "/fapi/v1/fundingRate?symbol=BTCUSDT&limit=1000")
    with BTC_FUNDING.open() as handle:
        recorded = list(csv.DictReader(handle))
    assert isinstance(funding, list) and len(funding) == len(recorded) == 329
    assert [(r["fundingTime"], r["fundingRate"]) for r in funding] == [
        (int(r["funding_time"]), r["funding_rate"]) for r in recorded
    ]  # the rate strings as recorded
    marks = pd.read_csv(MARK_8H, dtype={"open": str}).set_index("open_time")["open"]
    # 1741334400001 settles the 8h mark kline that opened at 1741334400000
    second = funding[2]
    assert second["fundingTime"] == 1741334400001
    assert second["markPrice"] == marks[1741334400000]

    marks_recorded = recorded_marks()
    assert len(state.premium["BTCUSDT"]) == len(marks_recorded) == 99 + 415
    status, premium, _ = get(served, "/fapi/v1/premiumIndex?symbol=BTCUSDT")
    first = marks_recorded[0]
    assert premium == {
        "symbol": "BTCUSDT", "markPrice": first["p"], "indexPrice": first["i"],
        "estimatedSettlePrice": first["P"], "lastFundingRate": first["r"],
        "interestRate": "0.00010000", "nextFundingTime": first["T"], "time": first["E"],
    }  # fmt: skip
    _, following, _ = get(served, "/fapi/v1/premiumIndex?symbol=BTCUSDT")
    assert isinstance(following, dict) and following["time"] == marks_recorded[1]["E"]
    state.now_ms = int(str(marks_recorded[200]["E"])) + 1
    _, at_now, _ = get(served, "/fapi/v1/premiumIndex")
    assert isinstance(at_now, list) and [a["time"] for a in at_now] == [marks_recorded[200]["E"]]


def test_unknown_symbols_limits_and_periods_are_refused_like_binance(
    served: ReplayServer,
) -> None:
    assert get(served, "/fapi/v1/premiumIndex?symbol=NOPEUSDT")[:2] == (
        400, {"code": -1121, "msg": "Invalid symbol."})  # fmt: skip
    assert get(served, "/fapi/v1/openInterest?symbol=BTCUSDT")[0] == 400  # none given
    assert get(served, "/fapi/v1/fundingRate?symbol=BTCUSDT&limit=1001")[1] == {
        "code": -1130, "msg": "Invalid limit."}  # fmt: skip
    served.state.add_statistics("openInterestHist", "BTCUSDT", "5m", OPEN_INTEREST_HIST)
    status, body, _ = get(served, "/futures/data/openInterestHist?symbol=BTCUSDT&period=7m")
    assert status == 400 and isinstance(body, dict) and body["code"] == -1102
    assert get(served, "/futures/data/openInterestHist?symbol=ETHUSDT&period=5m")[0] == 400
    assert get(served, "/fapi/v2/nothing")[0] == 404


def test_statistics_given_in_code_page_like_binance(served: ReplayServer) -> None:
    served.state.add_statistics("globalLongShortAccountRatio", "BTCUSDT", "5m", GLOBAL_ACCOUNTS)
    path = "/futures/data/globalLongShortAccountRatio?symbol=BTCUSDT&period=5m"
    assert get(served, path)[1] == GLOBAL_ACCOUNTS
    assert get(served, path + "&limit=1")[1] == GLOBAL_ACCOUNTS[-1:]  # the latest
    assert get(served, path + "&limit=1&startTime=0")[1] == GLOBAL_ACCOUNTS[:1]
    assert get(served, path + "&endTime=1583139600000")[1] == GLOBAL_ACCOUNTS[:1]
    assert get(served, path.replace("5m", "1h"))[1] == []  # a period with nothing given
    _, _, headers = get(served, path)
    assert headers["X-MBX-USED-WEIGHT-1m"] == "0"  # weight 0: their own window
    with pytest.raises(ValueError, match="not a /futures/data endpoint"):
        served.state.add_statistics("klines", "BTCUSDT", "5m", [])


def test_a_full_request_window_is_answered_429(served: ReplayServer) -> None:
    served.state.request_windows["funding"] = RequestWindow(2, 300.0)
    path = "/fapi/v1/fundingRate?symbol=BTCUSDT&limit=5"
    assert [get(served, path)[0] for _ in range(2)] == [200, 200]
    status, body, headers = get(served, path)
    assert status == 429 and isinstance(body, dict) and body["code"] == -1003
    assert 299 <= int(headers["Retry-After"]) <= 300
    assert get(served, "/fapi/v1/premiumIndex?symbol=BTCUSDT")[0] == 200  # another window


def test_candles_given_in_code_are_served_exactly(sleeps: Sleeps) -> None:
    truth = pd.read_csv(BTC_1M).head(120)
    frame = truth.assign(
        quote_volume=truth["volume"] * truth["close"],
        trades=range(120),
        taker_buy_volume=truth["volume"] / 2,
        taker_buy_quote_volume=truth["volume"] * truth["close"] / 2,
    )
    state = ReplayState()
    state.serve_candles("BTCUSDT", "1m", frame)
    state.serve_candles("ETHUSDT", "5m", list(truth.itertuples(index=False)))
    with ReplayServer(state) as server:
        client = BinanceRestClient(server.base_url, sleep=sleeps, clock=sleeps.clock)
        first, last = int(truth["open_time"].iloc[0]), int(truth["open_time"].iloc[-1])
        served, closes = klines_to_frame(client.klines("BTCUSDT", "1m", first, last))
        pd.testing.assert_frame_equal(served[list(frame.columns)], frame, check_dtype=False)
        assert (closes == truth["open_time"] + 59_999).all()
        eth, _ = klines_to_frame(client.klines("ETHUSDT", "5m", first, last))
        assert eth["close"].tolist() == truth["close"].tolist()
        assert (eth["trades"] == 0).all()
    with pytest.raises(ValueError, match="6 or 10 fields"):
        candle_rows([(1, 2, 3)], "1m")


def test_the_entry_point_serves_a_data_directory(sleeps: Sleeps) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "scalplab.data.adapters.binance.fake_rest",
               "--port", str(port), "--data-dir", str(REAL),
               "--symbols", "BTCUSDT,ETHUSDT"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert banner.startswith(f"fake Binance REST at http://127.0.0.1:{port}: BTCUSDT, ETHUSDT")
        client = BinanceRestClient(f"http://127.0.0.1:{port}", sleep=sleeps, clock=sleeps.clock)
        assert client.premium_index("BTCUSDT").mark_price == pytest.approx(28147.27373413)
        rates = client.funding_rates("ETHUSDT", limit=3)
        assert [r.funding_time for r in rates][-1] == 1750723200003  # 2025-06-24 00:00:00.003
        assert len(client.klines("ETHUSDT", "1h", 0, 2**62, limit=5)) == 5
    finally:
        process.terminate()
        process.wait(10)
    bad = subprocess.run(
        [*command[:5], "--data-dir", "/nonexistent"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2 and "is not a directory" in bad.stderr


def test_loading_only_some_symbols_leaves_the_rest_out() -> None:
    started = time.monotonic()
    data = load_real_data(REAL, ["dogeusdt"])
    assert sorted(data.klines) == [("DOGEUSDT", "1m"), ("DOGEUSDT", "5m")]
    assert list(data.funding) == ["DOGEUSDT"] and len(data.funding["DOGEUSDT"]) == 89
    assert data.premium == data.depth == data.agg_trades == {}
    assert time.monotonic() - started < 30
    assert load_real_data(Path("/nonexistent")).klines == {}
