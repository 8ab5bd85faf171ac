"""`scalplab record` against a local Binance (WebSocket + REST) replaying REAL payloads.

The WebSocket serves the 2021 capture (4 symbols: aggTrade, kline_1m on `/market`,
bookTicker on `/public`); REST serves the capture's aggregate trades for backfill. The
market connection drops after 30 messages and the next one starts 20 messages later:
those are lost on the wire and must come back over REST, once each.
"""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pandas as pd
import pytest

from scalplab.cli import main
from scalplab.data.adapters.binance.fake import FakeBinanceWs, running
from scalplab.data.adapters.binance.fake_depth import with_partial_books
from scalplab.data.adapters.binance.fake_rest import Fault, ReplayServer
from scalplab.data.adapters.binance.websocket import Backoff, ConnectionOptions
from scalplab.data.candles import CandleStore
from scalplab.data.market_store import MarketStore
from scalplab.data.recorder import MarketRecorder
from scalplab.errors import InputError
from tests.data.adapters.binance.documented import open_interest_answers
from tests.data.adapters.binance.documented_streams import FORCE_ORDER, force_order_message
from tests.data.adapters.binance.recorded import capture, combined_messages, rest_depth
from tests.data.conftest import Sleeps
from tests.data.test_download import client_for
from tests.data.test_market_store import aggregate_trades

SYMBOLS = ["SUSHIUSDT", "AKROUSDT", "KEEPUSDT", "CTKUSDT"]
FAST = ConnectionOptions(backoff=Backoff(initial=0.01, maximum=0.05))
MESSAGES = combined_messages()


def recorded_tops(symbol: str) -> int:
    return sum(f"{symbol.lower()}@bookTicker" in m for m in MESSAGES)


def lossy() -> FakeBinanceWs:
    return FakeBinanceWs(MESSAGES, drop_after=30, resume_at=50, drop_route="market")


def test_a_recording_is_whole_through_a_lossy_reconnect(
    replay: ReplayServer, sleeps: Sleeps, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"

    async def record() -> None:
        async with running(lossy()) as fake:
            recorder = MarketRecorder(
                fake.base, client_for(replay, sleeps), data_dir, SYMBOLS,
                ["aggTrade", "bookTicker", "kline_1m"], flush_every_s=0.2, options=FAST,
            )  # fmt: skip
            report = await asyncio.wait_for(recorder.run(until_idle_s=1.0), 30)
            assert report.reconnects == 1 and report.backfilled > 0 and report.unfilled == 0
            assert report.write_errors == 0 and report.bad_messages == 0

    asyncio.run(record())
    market, candles = MarketStore(data_dir), CandleStore(data_dir)
    for symbol in SYMBOLS:
        trades = market.read(symbol, "aggTrade", 0, 2**62)
        truth = aggregate_trades(symbol).sort_values("agg_trade_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(trades, truth)  # none lost, none twice
        assert len(market.read(symbol, "bookTicker", 0, 2**62)) == recorded_tops(symbol)
        [minute] = candles.read(symbol, "1m", None, None)["open_time"].tolist()
        assert minute == 1626992700000  # the one candle that closed in the capture
    assert replay.state.requests_to("aggTrades")


def test_the_command_records_and_reports(
    replay: ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    clean_settings_cache: None, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    fake = FakeBinanceWs(MESSAGES)
    ready, done = threading.Event(), threading.Event()

    def serve() -> None:
        async def body() -> None:
            async with running(fake):
                ready.set()
                while not done.is_set():
                    await asyncio.sleep(0.05)

        asyncio.run(body())

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    assert ready.wait(10)
    try:
        monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("WS_URL", fake.base)
        monkeypatch.setenv("REST_URL", replay.base_url)
        args = ["record", "--symbols", "ctkusdt,akrousdt", "--streams", "aggTrade,bookTicker",
                "--until-idle", "1", "--json"]  # fmt: skip
        assert main(args) == 0
    finally:
        done.set()
        server.join(10)
    report = json.loads(capsys.readouterr().out)
    assert report["rows"]["CTKUSDT"] == {
        "aggTrade": len(aggregate_trades("CTKUSDT")),
        "bookTicker": recorded_tops("CTKUSDT"),
    }
    assert report["reconnects"] == 0 and report["duplicates"] == 0
    day = tmp_path / "data" / "market" / "binance" / "AKROUSDT" / "aggTrade" / "2021-07-22.parquet"
    assert day.is_file()


def test_unknown_streams_and_no_symbols_are_refused(replay: ReplayServer, sleeps: Sleeps) -> None:
    client = client_for(replay, sleeps)
    with pytest.raises(InputError, match="cannot record 'depth'"):
        MarketRecorder("ws://127.0.0.1:9", client, Path("x"), ["BTCUSDT"], ["depth"])
    with pytest.raises(InputError, match="at least one symbol"):
        MarketRecorder("ws://127.0.0.1:9", client, Path("x"), [], ["aggTrade"])


def test_mark_prices_with_funding_are_recorded_per_utc_day(
    replay: ReplayServer, sleeps: Sleeps, tmp_path: Path
) -> None:
    files = ("hftbacktest_usdm_btcusdt_20230404.dat.gz", "hftbacktest_usdm_btcusdt_20230405.dat.gz")
    marks = [text for text in capture(*files) if "@markPrice" in text]
    assert len(marks) == 99 + 415

    async def record() -> None:
        async with running(FakeBinanceWs(marks)) as fake:
            recorder = MarketRecorder(
                fake.base, client_for(replay, sleeps), tmp_path, ["BTCUSDT"], ["markPrice"],
                flush_every_s=0.2, options=FAST,
            )  # fmt: skip
            report = await asyncio.wait_for(recorder.run(until_idle_s=1.0), 30)
            assert report.rows == {"BTCUSDT": {"markPrice": len(marks)}}

    asyncio.run(record())
    store = MarketStore(tmp_path)
    assert [str(d) for d in store.days("BTCUSDT", "markPrice")] == ["2023-04-04", "2023-04-05"]
    stored = store.read("BTCUSDT", "markPrice", 0, 2**62)
    first = json.loads(marks[0])["data"]
    assert stored.iloc[0].to_dict() == {
        "event_time": first["E"], "mark_price": float(first["p"]),
        "index_price": float(first["i"]), "funding_rate": float(first["r"]),
        "next_funding_time": first["T"],
    }  # fmt: skip
    assert len(stored) == len(marks) and stored["event_time"].is_monotonic_increasing


def test_open_interest_is_polled_not_subscribed(
    replay: ReplayServer, sleeps: Sleeps, tmp_path: Path
) -> None:
    """Mark prices from the real 2023 capture over the WebSocket; open interest polled over
    REST (documented shape: Binance has no real open-interest recording here)."""
    replay.state.open_interest = {"BTCUSDT": open_interest_answers()}
    replay.state.fail_call("openInterest", 2, Fault(503, "busy"))  # counted, never fatal
    marks = [t for t in capture("hftbacktest_usdm_btcusdt_20230404.dat.gz") if "@markPrice" in t]

    async def record() -> None:
        async with running(FakeBinanceWs(marks)) as fake:
            recorder = MarketRecorder(
                fake.base, client_for(replay, sleeps, max_attempts=1), tmp_path, ["BTCUSDT"],
                ["markPrice", "openInterest"], flush_every_s=0.2, options=FAST,
                open_interest_every_s=0.05,
            )  # fmt: skip
            assert [c.streams for c in recorder.manager.connections] == [["btcusdt@markPrice@1s"]]
            report = await asyncio.wait_for(recorder.run(until_idle_s=1.0), 30)
            assert report.rows == {"BTCUSDT": {"markPrice": len(marks), "openInterest": 3}}
            assert report.poll_failures == 1 and report.to_dict()["poll_failures"] == 1

    asyncio.run(record())
    stored = MarketStore(tmp_path).read("BTCUSDT", "openInterest", 0, 2**62)
    assert stored.to_dict("list") == {
        "time": [1589437530011, 1589437545011, 1589437560013],
        "open_interest": [10659.509, 10661.214, 10652.87],
    }

    async def polls_only() -> None:  # no WebSocket stream at all: polling alone records
        recorder = MarketRecorder(
            "ws://127.0.0.1:9", client_for(replay, sleeps), tmp_path / "again", ["BTCUSDT"],
            ["openInterest"], open_interest_every_s=0.05,
        )  # fmt: skip
        assert recorder.manager.connections == []
        report = await asyncio.wait_for(recorder.run(duration_s=0.5), 30)
        assert report.rows == {"BTCUSDT": {"openInterest": 1}}  # the series ended: its last
        assert report.connect_failures == 0

    asyncio.run(polls_only())


def test_partial_books_are_recorded_from_the_public_route(
    replay: ReplayServer, sleeps: Sleeps, tmp_path: Path
) -> None:
    """depth20@100ms derived by the fake from the real 2021 diffs and REST snapshots (no
    capture holds Binance's partial books); a malformed message is counted, not fatal."""
    served = with_partial_books(MESSAGES, {s: rest_depth(s) for s in SYMBOLS})
    books = [json.loads(m)["data"] for m in served if "@depth20@" in m]

    async def record() -> None:
        async with running(FakeBinanceWs(served, garbage_after=5)) as fake:
            recorder = MarketRecorder(
                fake.base, client_for(replay, sleeps), tmp_path, SYMBOLS, ["depth20"],
                flush_every_s=0.2, options=FAST,
            )  # fmt: skip
            report = await asyncio.wait_for(recorder.run(until_idle_s=1.0), 30)
            assert report.bad_messages == 1 and report.write_errors == 0
            assert report.rows == {s: {"depth20": sum(b["s"] == s for b in books)} for s in SYMBOLS}
        [visit] = fake.visits
        assert visit.route == "public" and visit.streams[0] == "sushiusdt@depth20@100ms"

    asyncio.run(record())
    stored = MarketStore(tmp_path).read("KEEPUSDT", "depth20", 0, 2**62)
    first = next(b for b in books if b["s"] == "KEEPUSDT")
    row = stored.iloc[0]
    assert (row["update_id"], row["transaction_time"], row["event_time"]) == (
        first["u"],
        first["T"],
        first["E"],
    )
    assert [(row[f"bid_price_{i}"], row[f"bid_qty_{i}"]) for i in range(20)] == [
        (float(p), float(q)) for p, q in first["b"]
    ]
    assert [row[f"ask_price_{i}"] for i in range(20)] == [float(p) for p, _ in first["a"]]


def test_liquidations_are_recorded_once(
    replay: ReplayServer, sleeps: Sleeps, tmp_path: Path
) -> None:
    """Binance's documented forceOrder example (no capture holds one), delivered twice."""
    message = force_order_message()

    async def record() -> None:
        async with running(FakeBinanceWs([message, message])) as fake:
            recorder = MarketRecorder(
                fake.base, client_for(replay, sleeps), tmp_path, ["BTCUSDT"], ["forceOrder"],
                flush_every_s=0.2, options=FAST,
            )  # fmt: skip
            report = await asyncio.wait_for(recorder.run(until_idle_s=1.0), 30)
            assert report.rows == {"BTCUSDT": {"forceOrder": 2}}
        assert [v.route for v in fake.visits] == ["market"]

    asyncio.run(record())
    [day] = MarketStore(tmp_path).days("BTCUSDT", "forceOrder")
    assert str(day) == "2019-09-09"
    stored = MarketStore(tmp_path).read("BTCUSDT", "forceOrder", 0, 2**62)
    order = FORCE_ORDER["o"]
    assert stored.to_dict("records") == [
        {"time": order["T"], "side": "SELL", "order_type": "LIMIT", "time_in_force": "IOC",
         "original_quantity": 0.014, "price": 9910.0, "average_price": 9910.0,
         "order_status": "FILLED", "last_fill_quantity": 0.014,
         "accumulated_fill_quantity": 0.014, "event_time": FORCE_ORDER["E"]}
    ]  # fmt: skip
