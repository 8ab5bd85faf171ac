"""Repeats of the REAL 2021 capture that continue its timeline, alone and served by the fake."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict

from scalplab.data.adapters.binance.fake import FakeBinanceWs, running
from scalplab.data.adapters.binance.fake_depth import with_partial_books
from scalplab.data.adapters.binance.fake_timeline import Timeline
from scalplab.data.adapters.binance.schemas import parse_combined
from scalplab.data.adapters.binance.websocket import StreamConnection
from scalplab.data.market_events import AggregateTrade, KlineUpdate, MarketEvent, PartialBook
from tests.data.adapters.binance.recorded import combined_messages, rest_depth

MESSAGES = combined_messages()
MINUTE_MS = 60_000


def test_repeat_zero_is_the_capture_and_later_repeats_read_as_what_came_next() -> None:
    timeline = Timeline(MESSAGES)
    assert [timeline.message(i, 0) for i in range(len(MESSAGES))] == MESSAGES
    first = [parse_combined(m)[1] for m in MESSAGES]
    third = [parse_combined(timeline.message(i, 2))[1] for i in range(len(MESSAGES))]
    for before, after in zip(first, third, strict=True):
        assert type(before) is type(after) and before.symbol == after.symbol
        assert after.event_time - before.event_time == 2 * MINUTE_MS  # the capture spans 30 s
        if isinstance(before, KlineUpdate) and isinstance(after, KlineUpdate):
            assert after.open_time == before.open_time + 2 * MINUTE_MS  # still on its minute
            assert (after.close, after.volume, after.closed) == (
                before.close, before.volume, before.closed,
            )  # fmt: skip
    ids: dict[str, list[int]] = defaultdict(list)
    for repeat in range(3):
        for i in range(len(MESSAGES)):
            event = parse_combined(timeline.message(i, repeat))[1]
            if isinstance(event, AggregateTrade):
                ids[event.symbol].append(event.agg_trade_id)
    for symbol_ids in ids.values():  # consecutive across repeats: nothing to backfill
        assert symbol_ids == list(range(symbol_ids[0], symbol_ids[0] + len(symbol_ids)))


def test_the_fake_serves_repeats_of_partial_books_with_new_update_ids() -> None:
    snapshots = {s: rest_depth(s) for s in ("CTKUSDT", "SUSHIUSDT")}
    messages = with_partial_books(MESSAGES, snapshots)
    books = [json.loads(m)["stream"] for m in messages if "@depth20@" in m]
    streams = sorted(set(books))
    received: list[MarketEvent] = []

    async def scenario() -> None:
        fake = FakeBinanceWs(messages, repeat=3, continue_timeline=True, speed=1000.0)
        async with running(fake):
            connection = StreamConnection(fake.base, streams, lambda s, e: received.append(e))
            task = asyncio.create_task(connection.run())
            while len(received) < 3 * len(books):
                await asyncio.sleep(0.01)
            connection.stop()
            await task
            assert fake.progress()["sent"] == 3 * len(books)

    asyncio.run(asyncio.wait_for(scenario(), 30))
    assert len(received) == 3 * len(books)
    for symbol in snapshots:
        ids = [
            e.final_update_id for e in received if isinstance(e, PartialBook) and e.symbol == symbol
        ]
        assert ids == sorted(set(ids))  # every push of every repeat is new, in order
