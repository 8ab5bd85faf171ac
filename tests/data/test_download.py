"""Kline download against a local HTTP server replaying REAL Binance candles and exchangeInfo."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pandas as pd
import pytest

from scalplab.data.adapters.binance.fake_rest import Fault, ReplayServer
from scalplab.data.adapters.binance.http import (
    KLINES_LIMIT,
    BinanceRestClient,
    fetch_exchange_info,
)
from scalplab.data.adapters.binance.schemas import klines_to_frame
from scalplab.data.candles import CandleStore
from scalplab.data.download import download_klines
from scalplab.data.symbols import RulesStore
from scalplab.errors import DataError, InputError, NotFoundError, TemporaryError
from tests.data.conftest import Sleeps, tree_digest

MINUTE = 60_000
DAY = 86_400_000
BUSY = Fault(503, "<html>Service Unavailable</html>")
THROTTLED = Fault(
    429,
    json.dumps(
        {"code": -1003, "msg": "Too many requests; current limit is 2400 weight per minute."}
    ),
    {"Retry-After": "7"},
)


def client_for(server: ReplayServer, sleeps: Sleeps, **kwargs: object) -> BinanceRestClient:
    return BinanceRestClient(server.base_url, sleep=sleeps, clock=sleeps.clock, **kwargs)  # type: ignore[arg-type]


def test_download_stores_real_candles_through_a_429_and_a_503(
    replay: ReplayServer, sleeps: Sleeps, store: CandleStore, btc_csv: pd.DataFrame
) -> None:
    replay.state.fail_call("klines", 2, THROTTLED)
    replay.state.fail_call("klines", 5, BUSY)
    last_open = int(btc_csv["open_time"].iloc[-1])
    now = last_open + 30_000  # the last candle is still open
    client = client_for(replay, sleeps)
    report = download_klines(client, store, "BTCUSDT", "1m", 30, now_ms=now)

    stored = store.read("BTCUSDT", "1m")
    expected = btc_csv.iloc[:-1]
    for column in ("open_time", "open", "high", "low", "close", "volume"):
        assert stored[column].tolist() == expected[column].tolist(), column
    assert report.fetched == report.added == report.total == len(expected)
    assert report.dropped_open == 1
    assert report.gaps == []
    pages = -(-len(btc_csv) // KLINES_LIMIT)
    assert report.requests == pages + 2
    assert report.retries == 2
    assert sleeps.calls == [7.0, 1.0]  # Retry-After, then the first backoff step
    assert client.stats.waits == [("HTTP 429 Retry-After", 7.0), ("HTTP 503", 1.0)]
    sent = replay.state.requests_to("klines")
    assert all(p["limit"] == "1500" and p["interval"] == "1m" for p in sent)
    assert sent[1]["startTime"] == sent[2]["startTime"]  # the throttled page was retried
    assert report.to_dict()["requested_to"] == "2025-06-24T10:31:30Z"


def test_resume_fetches_only_after_the_last_stored_candle(
    replay: ReplayServer, sleeps: Sleeps, store: CandleStore, btc_csv: pd.DataFrame
) -> None:
    first_now = int(btc_csv["open_time"].iloc[20_000])  # mid-way through the recording
    client = client_for(replay, sleeps)
    first = download_klines(client, store, "BTCUSDT", "1m", 30, now_ms=first_now)
    assert first.added == 20_000
    last_stored = store.span("BTCUSDT", "1m")[1]
    replay.state.log.clear()

    second_now = int(btc_csv["open_time"].iloc[-1]) + MINUTE
    second = download_klines(client, store, "BTCUSDT", "1m", 29, now_ms=second_now)
    sent = replay.state.requests_to("klines")
    assert int(sent[0]["startTime"]) == last_stored + MINUTE
    assert all(int(p["startTime"]) > last_stored for p in sent)
    assert second.fetched == second.added == len(btc_csv) - 20_000
    assert second.total == len(btc_csv)
    assert store.read("BTCUSDT", "1m")["close"].tolist() == btc_csv["close"].tolist()

    replay.state.log.clear()
    third = download_klines(client, store, "BTCUSDT", "1m", 29, now_ms=second_now)
    assert (third.requests, third.added) == (0, 0)
    assert replay.state.requests_to("klines") == []


def test_backfill_before_the_first_stored_candle(
    replay: ReplayServer, sleeps: Sleeps, store: CandleStore, btc_csv: pd.DataFrame
) -> None:
    store.merge("BTCUSDT", "1m", btc_csv.iloc[5_000:6_000])
    now = int(btc_csv["open_time"].iloc[6_000])
    report = download_klines(client_for(replay, sleeps), store, "BTCUSDT", "1m", 30, now_ms=now)
    assert report.added == 5_000
    assert store.read("BTCUSDT", "1m")["open_time"].tolist() == (
        btc_csv["open_time"].iloc[:6_000].tolist()
    )


def test_archive_fields_are_stored_exactly(
    replay: ReplayServer, sleeps: Sleeps, store: CandleStore, near_csv: pd.DataFrame
) -> None:
    now = int(near_csv["open_time"].iloc[-1]) + MINUTE
    report = download_klines(client_for(replay, sleeps), store, "nearusdt", "1m", 28, now_ms=now)
    assert report.symbol == "NEARUSDT" and report.added == len(near_csv)
    stored = store.read("NEARUSDT", "1m")
    for column in ("open_time", "open", "close", "volume", "quote_volume", "trades",
                   "taker_buy_volume", "taker_buy_quote_volume"):  # fmt: skip
        assert stored[column].tolist() == near_csv[column].tolist(), column


def test_5xx_retries_are_bounded(replay: ReplayServer, sleeps: Sleeps, store: CandleStore) -> None:
    replay.state.fail_next("klines", Fault(502, "bad gateway"), times=10)
    client = client_for(replay, sleeps)
    with pytest.raises(TemporaryError) as info:
        download_klines(client, store, "BTCUSDT", "1m", 1, now_ms=1_750_761_060_000)
    assert str(info.value) == (
        f"Binance REST at {replay.base_url} failed 5 times on klines BTCUSDT 1m "
        "(last: HTTP 502); try again later"
    )
    assert sleeps.calls == [1.0, 2.0, 4.0, 8.0]
    assert store.symbols() == []


def test_ban_with_long_retry_after_does_not_wait(
    replay: ReplayServer, sleeps: Sleeps, store: CandleStore
) -> None:
    replay.state.fail_next(
        "klines", Fault(418, '{"code":-1003,"msg":"banned"}', {"Retry-After": "3600"})
    )
    with pytest.raises(TemporaryError, match=r"rate limit \(HTTP 418\) .*retry after 3600 s"):
        download_klines(
            client_for(replay, sleeps), store, "BTCUSDT", "1m", 1, now_ms=1_750_761_060_000
        )
    assert sleeps.calls == []


def test_repeated_429_gives_up_after_max_attempts(
    replay: ReplayServer, sleeps: Sleeps, store: CandleStore
) -> None:
    replay.state.fail_next("klines", Fault(429, "{}"), times=5)  # no Retry-After: 60 s default
    with pytest.raises(TemporaryError, match=r"HTTP 429"):
        download_klines(
            client_for(replay, sleeps, max_attempts=3), store, "BTCUSDT", "1m", 1,
            now_ms=1_750_761_060_000,
        )  # fmt: skip
    assert sleeps.calls == [60.0, 60.0]


def test_unknown_symbol_and_other_client_errors(
    replay: ReplayServer, sleeps: Sleeps, store: CandleStore
) -> None:
    client = client_for(replay, sleeps)
    with pytest.raises(NotFoundError, match=r"^Binance: klines NOSUCHUSDT 1m: Invalid symbol\.$"):
        download_klines(client, store, "NOSUCHUSDT", "1m", 1, now_ms=1_750_761_060_000)
    replay.state.fail_next("klines", Fault(400, '{"code":-1130,"msg":"Invalid limit."}'))
    with pytest.raises(InputError, match=r"rejected klines BTCUSDT 1m \(HTTP 400, code -1130\)"):
        download_klines(client, store, "BTCUSDT", "1m", 1, now_ms=1_750_761_060_000)
    assert sleeps.calls == [] and store.symbols() == []


def test_malformed_responses(replay: ReplayServer, sleeps: Sleeps, store: CandleStore) -> None:
    client = client_for(replay, sleeps)
    replay.state.fail_next("klines", Fault(200, '{"not": "a list"}'))
    with pytest.raises(DataError, match="klines response is not a list"):
        download_klines(client, store, "BTCUSDT", "1m", 1, now_ms=1_750_761_060_000)
    replay.state.fail_next("klines", Fault(200, '[[1750761000000, "1", "2"]]'))
    with pytest.raises(DataError, match="malformed Binance klines response"):
        download_klines(client, store, "BTCUSDT", "1m", 1, now_ms=1_750_761_060_000)
    replay.state.fail_next("klines", Fault(200, "<html>maintenance</html>"), times=5)
    with pytest.raises(TemporaryError, match=r"last: invalid response"):
        download_klines(client, store, "BTCUSDT", "1m", 1, now_ms=1_750_761_060_000)
    assert store.symbols() == []
    assert klines_to_frame([])[0].empty


def test_stored_data_untouched_when_a_download_fails(
    replay: ReplayServer, sleeps: Sleeps, store: CandleStore, btc_csv: pd.DataFrame
) -> None:
    store.merge("BTCUSDT", "1m", btc_csv.iloc[:1_000])
    before = tree_digest(store.data_dir)
    replay.state.fail_next("klines", BUSY, times=5)
    with pytest.raises(TemporaryError):
        download_klines(client_for(replay, sleeps), store, "BTCUSDT", "1m", 30,
                        now_ms=int(btc_csv["open_time"].iloc[-1]))  # fmt: skip
    assert tree_digest(store.data_dir) == before


def test_weight_pacing(replay: ReplayServer, sleeps: Sleeps) -> None:
    clock = {"now": 1_000_040.0}  # 20 s into a minute
    client = BinanceRestClient(replay.base_url, sleep=sleeps, clock=lambda: clock["now"])
    replay.state.weight_header = 2_300  # ≥ 90 % of 2400: pause until the next minute
    client.klines("BTCUSDT", "1m", 1_748_169_180_000, 1_748_169_240_000, 2)
    client.klines("BTCUSDT", "1m", 1_748_169_180_000, 1_748_169_240_000, 2)
    assert client.stats.waits == [("weight limit", 40.5)]
    replay.state.weight_header = 1_800  # ≥ 70 %: slow down
    client.klines("BTCUSDT", "1m", 1_748_169_180_000, 1_748_169_240_000, 2)
    client.klines("BTCUSDT", "1m", 1_748_169_180_000, 1_748_169_240_000, 2)
    assert client.stats.waits[-1] == ("weight high", 1.0)
    clock["now"] += 60  # a new minute: the old count no longer applies
    waits = len(client.stats.waits)
    client.klines("BTCUSDT", "1m", 1_748_169_180_000, 1_748_169_240_000, 2)
    assert len(client.stats.waits) == waits
    assert client.stats.used_weight == 1_800


def test_unreachable_server_is_temporary(sleeps: Sleeps, store: CandleStore) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = BinanceRestClient(f"http://127.0.0.1:{port}", sleep=sleeps, max_attempts=2)
    with pytest.raises(TemporaryError, match=r"failed 2 times .*\(last: ConnectionError\)"):
        download_klines(client, store, "BTCUSDT", "1m", 1)
    assert sleeps.calls == [1.0]


def test_construction_makes_no_request_and_validates(replay: ReplayServer, sleeps: Sleeps) -> None:
    client = client_for(replay, sleeps)
    assert replay.state.log == []
    assert client.stats.requests == 0
    with pytest.raises(InputError, match="must start with http"):
        BinanceRestClient("fapi.binance.com")
    with pytest.raises(InputError, match="max_attempts"):
        BinanceRestClient(replay.base_url, max_attempts=0)
    with pytest.raises(InputError, match="days must be"):
        download_klines(client, CandleStore(Path("/nonexistent")), "BTCUSDT", "1m", 0)
    client.close()


def test_exchange_info_into_the_rules_cache(
    replay: ReplayServer, sleeps: Sleeps, tmp_path: Path
) -> None:
    client = client_for(replay, sleeps)
    info = fetch_exchange_info(client)
    assert len(info["symbols"]) == 122
    rules = RulesStore(tmp_path)
    assert rules.save_exchange_info(info) == 122
    assert str(rules.get("BTCUSDT").tick_size) == "0.01"
    replay.state.fail_next("exchangeInfo", Fault(200, "[1, 2]"))
    with pytest.raises(DataError, match="exchangeInfo response is not an object"):
        fetch_exchange_info(client)
    replay.state.fail_next("exchangeInfo", Fault(200, '{"symbols": 3}'))
    with pytest.raises(DataError, match="no `symbols` list"):
        fetch_exchange_info(client)


def test_odd_headers_and_out_of_order_pages(
    replay: ReplayServer, sleeps: Sleeps, store: CandleStore, btc_csv: pd.DataFrame
) -> None:
    client = client_for(replay, sleeps)
    replay.state.fail_next("klines", Fault(429, "{}", {"Retry-After": "soon"}))
    rows = client.klines("BTCUSDT", "1m", 1_748_169_180_000, 1_748_169_240_000, 2)
    assert len(rows) == 2 and sleeps.calls == [60.0]  # unparsable Retry-After: wait a minute
    replay.state.fail_next("klines", Fault(200, "[]", {"X-MBX-USED-WEIGHT-1m": "lots"}))
    assert client.klines("BTCUSDT", "1m", 1, 2, 2) == []
    assert client.stats.used_weight is None
    old = json.dumps([[1_748_169_180_000, "1", "1", "1", "1", "1", 1_748_169_239_999, "1", 1,
                       "1", "1", "0"]])  # fmt: skip
    replay.state.fail_next("klines", Fault(200, old))
    with pytest.raises(DataError, match="returned klines before the requested start"):
        download_klines(client, store, "BTCUSDT", "1m", 1, now_ms=1_750_761_060_000)
    assert store.symbols() == []
