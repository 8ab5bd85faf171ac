"""The recorder's writer process on REAL recorded data: what it writes, what it cannot,
and a whole recording of repeated partial books ending in compacted day files."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from scalplab.data.adapters.binance.fake import FakeBinanceWs, running
from scalplab.data.adapters.binance.fake_depth import with_partial_books
from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.adapters.binance.schemas import parse_combined
from scalplab.data.market_events import AggregateTrade
from scalplab.data.market_store import MarketStore
from scalplab.data.record_writer import StoreWriter, by_stream
from scalplab.data.recorder import MarketRecorder
from tests.data.adapters.binance.recorded import combined_messages, rest_depth
from tests.data.test_market_store import aggregate_trades

MESSAGES = combined_messages()


def trade_events() -> dict[tuple[str, str], list[AggregateTrade]]:
    events = [parse_combined(m)[1] for m in MESSAGES if "@aggTrade" in m]
    batches: dict[tuple[str, str], list[AggregateTrade]] = {}
    for event in events:
        assert isinstance(event, AggregateTrade)
        batches.setdefault((event.symbol, "aggTrade"), []).append(event)
    return batches


def trade_rows(stream: str, events: list[AggregateTrade]) -> pa.Table:
    frame = aggregate_trades(events[0].symbol)  # the archive's columns of the same trades
    rows = [frame[frame["agg_trade_id"] == e.agg_trade_id] for e in events]
    return pa.Table.from_pandas(pd.concat(rows), preserve_index=False)


def test_the_writer_process_appends_each_symbol_and_reports_what_failed(tmp_path: Path) -> None:
    batches = trade_events()
    streams = by_stream(batches, lambda stream, events: pa.concat_tables(
        [trade_rows(stream, [e]) for e in events]))  # fmt: skip
    [(stream, table, counts)] = streams
    assert stream == "aggTrade" and sum(n for _, n in counts) == table.num_rows
    bad = table.set_column(5, "transact_time", pa.array([-1] * table.num_rows))  # not epoch ms
    writer = StoreWriter(tmp_path / "data")
    try:
        first = writer.write_now(streams)
        assert first.written == {key: len(events) for key, events in batches.items()}
        again = writer.write_now([(stream, bad, counts)])
        assert sorted(again.failed) == sorted(batches) and not again.written
        assert all("outside epoch ms" in why for why in again.failed.values())
        assert asyncio.run(writer.compact(sorted(batches))) == {}
    finally:
        writer.close()
    store = MarketStore(tmp_path / "data")
    for symbol, _ in batches:
        expected = aggregate_trades(symbol).sort_values("agg_trade_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(store.read(symbol, "aggTrade", 0, 2**53), expected)
    assert not list((tmp_path / "data").rglob("*.parts"))
    with pytest.raises(ValueError, match="one for one"):
        by_stream(batches, lambda stream, events: trade_rows(stream, events[:1]))


def test_a_recording_of_repeated_partial_books_ends_in_day_files(tmp_path: Path) -> None:
    symbols = ["CTKUSDT", "SUSHIUSDT"]
    served = with_partial_books(MESSAGES, {s: rest_depth(s) for s in symbols})
    books = {s: sum(f"{s.lower()}@depth20@" in m for m in served) for s in symbols}
    data_dir = tmp_path / "data"

    async def record() -> None:
        fake = FakeBinanceWs(served, repeat=4, continue_timeline=True, speed=200.0)
        async with running(fake):
            recorder = MarketRecorder(
                fake.base, BinanceRestClient("http://127.0.0.1:9"), data_dir, symbols,
                ["aggTrade", "depth20"], flush_every_s=0.1,
            )  # fmt: skip
            report = await asyncio.wait_for(recorder.run(until_idle_s=1.0), 60)
        assert report.write_errors == 0 and report.stale_alarms == 0 and report.backfilled == 0
        assert report.rows == {
            s: {"aggTrade": 4 * len(aggregate_trades(s)), "depth20": 4 * books[s]} for s in symbols
        }

    asyncio.run(record())
    store = MarketStore(data_dir)
    assert not list(data_dir.rglob("*.parts"))  # compacted on stop
    for symbol in symbols:
        partial = store.read(symbol, "depth20", 0, 2**53)
        assert len(partial) == 4 * books[symbol] and partial["update_id"].is_unique
        trades = store.read(symbol, "aggTrade", 0, 2**53)["agg_trade_id"]
        assert trades.tolist() == list(range(trades.iloc[0], trades.iloc[0] + len(trades)))
