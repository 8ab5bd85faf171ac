"""Combined-stream connections against a local Binance WebSocket replaying REAL messages.

The 2021 capture (16 streams: kline_1m and aggTrade on `/market`, depth@100ms and
bookTicker on `/public`) is served by `fake.FakeBinanceWs`; each test makes one
fault and checks what the connection delivered and reported.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest

from scalplab.data.adapters.binance.fake import FakeBinanceWs, running
from scalplab.data.adapters.binance.schemas import parse_combined
from scalplab.data.adapters.binance.websocket import (
    Backoff,
    ConnectionOptions,
    StreamConnection,
    StreamManager,
)
from scalplab.data.market_events import MarketEvent
from tests.conftest import REAL
from tests.data.adapters.binance.recorded import combined_messages

FAST = ConnectionOptions(backoff=Backoff(initial=0.01, maximum=0.05))
MESSAGES = combined_messages()
STREAMS = list(dict.fromkeys(json.loads(m)["stream"] for m in MESSAGES))
MARKET = [s for s in STREAMS if "@kline" in s or "@aggTrade" in s]
MARKET_MESSAGES = [m for m in MESSAGES if json.loads(m)["stream"] in MARKET]

Received = list[tuple[str, MarketEvent]]


async def until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    async def wait() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(wait(), timeout)


def drive(fake: FakeBinanceWs, scenario: Callable[[FakeBinanceWs], Awaitable[None]]) -> None:
    async def main() -> None:
        async with running(fake):
            await asyncio.wait_for(scenario(fake), 30)

    asyncio.run(main())


def test_every_recorded_message_arrives_on_its_route_in_order() -> None:
    received: Received = []

    async def scenario(fake: FakeBinanceWs) -> None:
        manager = StreamManager(fake.base, STREAMS, lambda s, e: received.append((s, e)))
        assert len(manager.connections) == 2
        task = asyncio.create_task(manager.run())
        await until(lambda: len(received) == len(MESSAGES))
        manager.stop()
        await task
        assert sorted(v.route for v in fake.visits) == ["market", "public"]

    drive(FakeBinanceWs(MESSAGES), scenario)
    expected = [parse_combined(m) for m in MESSAGES]
    for route_streams in (MARKET, [s for s in STREAMS if s not in MARKET]):
        assert [r for r in received if r[0] in route_streams] == [
            e for e in expected if e[0] in route_streams
        ]


def test_a_dropped_connection_reconnects_and_calls_back_before_reading() -> None:
    received: Received = []
    calls: list[tuple[bool, int]] = []

    async def on_connect(reconnected: bool) -> None:
        calls.append((reconnected, len(received)))  # the backfill runs before any new message

    async def scenario(fake: FakeBinanceWs) -> None:
        connection = StreamConnection(
            fake.base, MARKET, lambda s, e: received.append((s, e)), on_connect=on_connect,
            options=FAST,
        )  # fmt: skip
        task = asyncio.create_task(connection.run())
        await until(lambda: len(received) == 50 + len(MARKET_MESSAGES))
        connection.stop()
        await task
        health = connection.health
        assert (health.connections, health.reconnects, health.failures) == (2, 1, 1)

    drive(FakeBinanceWs(MESSAGES, drop_after=50), scenario)
    assert calls == [(False, 0), (True, 50)]
    expected = [parse_combined(m) for m in MARKET_MESSAGES]
    assert received == expected[:50] + expected  # the replay starts over: ids de-duplicate


def test_a_silent_stream_raises_the_alarm_and_a_reconnect() -> None:
    silent = "btcusdt@markPrice@1s"  # accepted, never sent (as on a wrong route)

    async def scenario(fake: FakeBinanceWs) -> None:
        connection = StreamConnection(
            fake.base, [*MARKET, silent], lambda s, e: None,
            options=replace(FAST, stale_after={"markPrice": 0.3}),
        )  # fmt: skip
        task = asyncio.create_task(connection.run())
        await until(lambda: connection.health.stale_alarms >= 2)
        connection.stop()
        await task
        assert connection.health.streams[silent].messages == 0
        assert connection.health.streams[MARKET[0]].messages > 0
        assert len(fake.visits) >= 2

    drive(FakeBinanceWs(MESSAGES), scenario)


def test_rotation_opens_the_successor_before_closing() -> None:
    received: Received = []

    async def scenario(fake: FakeBinanceWs) -> None:
        connection = StreamConnection(
            fake.base, MARKET, lambda s, e: received.append((s, e)),
            options=replace(FAST, rotate_after_s=0.3),
        )  # fmt: skip
        task = asyncio.create_task(connection.run())
        await until(lambda: connection.health.rotations >= 1 and len(fake.visits) >= 2)
        await until(lambda: fake.visits[0].closed is not None)
        connection.stop()
        await task
        first, second = fake.visits[:2]
        assert first.closed is not None and second.opened < first.closed
        assert connection.health.failures == 0

    drive(FakeBinanceWs(MESSAGES, interval=0.01), scenario)
    assert set(received) >= {parse_combined(m) for m in MARKET_MESSAGES[:10]}


def test_subscriptions_are_paced_and_join_the_next_connection() -> None:
    more = [s for s in MARKET if s != MARKET[0]][:6]

    async def scenario(fake: FakeBinanceWs) -> None:
        connection = StreamConnection(
            fake.base, MARKET[:1], lambda s, e: None, options=replace(FAST, subscribe_per_second=20)
        )
        task = asyncio.create_task(connection.run())
        await until(lambda: connection.health.connected)
        await connection.subscribe(more)
        await until(lambda: len(fake.visits[0].received) == len(more))
        connection.stop()
        await task
        times = [t for t, _ in fake.visits[0].received]
        assert all(b - a >= 0.045 for a, b in itertools.pairwise(times))
        asked = [json.loads(text) for _, text in fake.visits[0].received]
        assert [m["params"] for m in asked] == [[s] for s in more]
        assert [m["method"] for m in asked] == ["SUBSCRIBE"] * len(more)
        assert connection.url.endswith("/".join([MARKET[0], *more]))

    drive(FakeBinanceWs(MESSAGES), scenario)


def test_a_malformed_message_is_counted_and_the_rest_delivered() -> None:
    received: Received = []

    async def scenario(fake: FakeBinanceWs) -> None:
        connection = StreamConnection(
            fake.base, MARKET, lambda s, e: received.append((s, e)), options=FAST
        )
        task = asyncio.create_task(connection.run())
        await until(lambda: len(received) == len(MARKET_MESSAGES))
        connection.stop()
        await task
        assert connection.health.bad_messages == 1 and connection.health.failures == 0

    drive(FakeBinanceWs(MESSAGES, garbage_after=5), scenario)


@pytest.mark.parametrize(("attempt", "low", "high"), [(0, 0.5, 1.0), (3, 4.0, 8.0), (9, 15, 30)])
def test_backoff_grows_to_thirty_seconds_with_jitter(attempt: int, low: float, high: float) -> None:
    rng = random.Random(7)
    delays = [Backoff().delay(attempt, rng) for _ in range(200)]
    assert low <= min(delays) and max(delays) <= high and len(set(delays)) > 100


def test_streams_are_grouped_by_route_two_hundred_a_connection() -> None:
    info = json.loads((REAL / "rest" / "fapi_v1_exchangeInfo_2021-07-22.json").read_text())
    symbols = [s["symbol"].lower() for s in info["response"]["symbols"]]
    assert len(symbols) == 122
    streams = [f"{s}@{kind}" for s in symbols for kind in ("kline_1m", "aggTrade", "bookTicker")]
    manager = StreamManager("ws://127.0.0.1:9", streams, lambda s, e: None)
    sizes = [(c.url.split("/")[3], len(c.streams)) for c in manager.connections]
    assert sizes == [("market", 200), ("market", 44), ("public", 122)]
    assert sorted(s for c in manager.connections for s in c.streams) == sorted(streams)


def test_a_reader_held_up_raises_no_alarm_for_streams_whose_messages_wait() -> None:
    trades = [s for s in MARKET if "@aggTrade" in s]  # each in every ~0.3 s of the replay
    held = []

    def on_event(_stream: str, _event: MarketEvent) -> None:
        if not held:  # the loop is blocked (a long backfill): messages pile up unread
            held.append(True)
            time.sleep(1.5)

    async def scenario(fake: FakeBinanceWs) -> None:
        connection = StreamConnection(
            fake.base, trades, on_event, options=replace(FAST, stale_after={"aggTrade": 1.0})
        )
        task = asyncio.create_task(connection.run())
        await until(lambda: sum(s.messages for s in connection.health.streams.values()) > 200)
        connection.stop()
        await task
        assert held and connection.health.stale_alarms == 0
        assert connection.health.connections == 1

    drive(FakeBinanceWs(MESSAGES, interval=0.002, repeat=20), scenario)
