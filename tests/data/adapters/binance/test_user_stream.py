"""The user-data stream against a local WebSocket server and the local signed REST server.

The REST side (`signed_server`) issues listenKeys and answers keepalives as Binance does
(-1125 once a key is gone); the WebSocket side serves `/private/ws?listenKey=…` only for
the live key (any other route is accepted and silent, like Binance's), pushes REAL
recorded events (`ALGO_UPDATE`, `TRADE_LITE`) and documented ones, and closes or drops
connections on demand.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager

import pytest
from websockets.asyncio.server import ServerConnection, serve

from scalplab.data.adapters.binance.trading import BinanceTradingClient
from scalplab.data.adapters.binance.user_events import (
    AlgoUpdate,
    ListenKeyExpired,
    OrderUpdate,
    TradeLite,
    UserEvent,
)
from scalplab.data.adapters.binance.user_parse import parse_user_event
from scalplab.data.adapters.binance.user_stream import UserStream
from scalplab.data.adapters.binance.weight import WeightBudget
from tests.conftest import REAL
from tests.data.adapters.binance import documented_trading as documented
from tests.data.adapters.binance.signed_server import (
    API_KEY,
    API_SECRET,
    Exchange,
    TradingServer,
    serving,
)

USER_DATA = REAL / "user_data"
RECORDED = [
    (USER_DATA / f"nautilus_ws_futures_{name}.json").read_text()
    for name in ("algo_update_triggering", "algo_update_triggered", "algo_update_finished",
                 "trade_lite")
]  # fmt: skip
FAST = (0.01, 0.05)
SERVER_LOG = logging.getLogger("tests.fake_user_ws")


class FakeUserWs:
    """The `/private` route of a Binance WebSocket for one account."""

    def __init__(self, exchange: Exchange, greeting: list[str] | None = None) -> None:
        self.exchange = exchange
        self.greeting = greeting or []
        self.visits: list[str] = []
        self.live: ServerConnection | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def handler(self, connection: ServerConnection) -> None:
        path = connection.request.path if connection.request else ""
        self.visits.append(path)
        prefix, _, key = path.partition("listenKey=")
        if prefix == "/private/ws?" and key == self.exchange.listen_key:
            self.live = connection
            for message in self.greeting:
                await connection.send(message)
        await connection.wait_closed()

    async def push(self, message: str) -> None:
        assert self.live is not None
        await self.live.send(message)

    async def close_by_server(self) -> None:
        assert self.live is not None
        await self.live.close()

    def drop(self) -> None:
        """Lose the connection without a close frame (a network failure)."""
        assert self.live is not None
        self.live.transport.abort()


@asynccontextmanager
async def running(fake: FakeUserWs) -> AsyncIterator[FakeUserWs]:
    async with serve(fake.handler, "127.0.0.1", 0, logger=SERVER_LOG) as server:
        fake.port = server.sockets[0].getsockname()[1]
        yield fake


@pytest.fixture
def rest() -> Iterator[TradingServer]:
    with serving(Exchange()) as server:
        yield server


class Recorder:
    """What the stream reported, in order: ("connected", reconnected) or the event."""

    def __init__(self) -> None:
        self.log: list[tuple[str, bool] | UserEvent] = []

    def event(self, event: UserEvent) -> None:
        self.log.append(event)

    def connected(self, reconnected: bool) -> None:
        self.log.append(("connected", reconnected))

    @property
    def connections(self) -> list[tuple[str, bool] | UserEvent]:
        return [entry for entry in self.log if isinstance(entry, tuple)]


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    async def wait() -> None:
        while not condition():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(wait(), timeout)


def drive(
    rest: TradingServer,
    fake: FakeUserWs,
    scenario: Callable[[UserStream, Recorder], Awaitable[None]],
    **options: object,
) -> UserStream:
    client = BinanceTradingClient(rest.base_url, API_KEY, API_SECRET, weights=WeightBudget())
    recorder = Recorder()

    async def main() -> UserStream:
        async with running(fake):
            stream = UserStream(
                client, fake.base, recorder.event, recorder.connected, backoff_s=FAST, **options
            )  # type: ignore[arg-type]
            task = asyncio.create_task(stream.run())
            try:
                await asyncio.wait_for(scenario(stream, recorder), 10)
            finally:
                stream.stop()
                await asyncio.wait_for(task, 5)
            return stream

    return asyncio.run(main())


def test_real_events_arrive_in_order_after_on_connected(rest: TradingServer) -> None:
    unknown = '{"e":"MARGIN_CALL","E":1587727187525,"cw":"3.16812045","p":[]}'
    greeting = [*RECORDED, documented.ORDER_TRADE_UPDATE_FILL, documented.ACCOUNT_UPDATE,
                unknown, "not json"]  # fmt: skip
    fake = FakeUserWs(rest.exchange, greeting)
    expected = [parse_user_event(m) for m in greeting[:6]]

    async def scenario(stream: UserStream, seen: Recorder) -> None:
        await until(lambda: stream.health().bad_messages == 1)
        assert seen.log == [("connected", False), *expected]
        health = stream.health()
        assert health.connected and health.events == 6 and health.reconnects == 0
        assert health.last_event_age_s is not None and health.last_event_age_s < 5

    drive(rest, fake, scenario)
    assert fake.visits == [f"/private/ws?listenKey={rest.exchange.listen_key}"]
    assert isinstance(expected[2], AlgoUpdate) and expected[2].algo_status == "FINISHED"
    assert isinstance(expected[3], TradeLite) and isinstance(expected[4], OrderUpdate)


def test_the_listen_key_is_kept_alive(rest: TradingServer) -> None:
    fake = FakeUserWs(rest.exchange)

    async def scenario(stream: UserStream, seen: Recorder) -> None:
        await until(lambda: len(rest.exchange.calls("PUT", "/fapi/v1/listenKey")) >= 2)
        assert stream.health().keepalives >= 2

    stream = drive(rest, fake, scenario, keepalive_s=0.05)
    assert len(rest.exchange.calls("POST", "/fapi/v1/listenKey")) == 1
    assert stream.health().listen_key_rotations == 0 and len(fake.visits) == 1


def test_listen_key_expired_rotates_to_a_new_key_and_connection(rest: TradingServer) -> None:
    fake = FakeUserWs(rest.exchange)
    keys: list[str] = []

    async def scenario(stream: UserStream, seen: Recorder) -> None:
        await until(lambda: fake.live is not None)
        keys.append(rest.exchange.listen_key or "")
        rest.exchange.expire_listen_key()
        await fake.push(documented.listen_key_expired(keys[0]))
        await until(lambda: len(seen.connections) == 2)
        keys.append(rest.exchange.listen_key or "")
        assert stream.health().listen_key_rotations == 1

    drive(rest, fake, scenario)
    assert keys[0] != keys[1]
    assert fake.visits == [f"/private/ws?listenKey={key}" for key in keys]


def test_a_keepalive_answered_minus_1125_rotates(rest: TradingServer) -> None:
    fake = FakeUserWs(rest.exchange)

    async def scenario(stream: UserStream, seen: Recorder) -> None:
        await until(lambda: fake.live is not None)
        rest.exchange.expire_listen_key()  # no event: only the keepalive finds out
        await until(lambda: len(seen.connections) == 2)

    stream = drive(rest, fake, scenario, keepalive_s=0.05)
    assert len(rest.exchange.calls("POST", "/fapi/v1/listenKey")) == 2
    assert stream.health().listen_key_rotations == 1
    assert fake.visits[1].endswith(rest.exchange.listen_key or "?")


def test_a_server_close_rotates_and_a_dropped_connection_reconnects(rest: TradingServer) -> None:
    fake = FakeUserWs(rest.exchange, RECORDED[:1])
    first = parse_user_event(RECORDED[0])

    async def scenario(stream: UserStream, seen: Recorder) -> None:
        await until(lambda: len(seen.log) == 2)
        await fake.close_by_server()  # closed by the server: a new key is asked for
        await until(lambda: len(seen.log) == 4)
        assert len(rest.exchange.calls("POST", "/fapi/v1/listenKey")) == 2
        fake.drop()  # a network failure: the same key, after a backoff
        await until(lambda: len(seen.log) == 6)
        assert len(rest.exchange.calls("POST", "/fapi/v1/listenKey")) == 2
        assert seen.log == [("connected", False), first, ("connected", True), first,
                            ("connected", True), first]  # fmt: skip

    stream = drive(rest, fake, scenario)
    health = stream.health()
    assert (health.reconnects, health.failures, health.listen_key_rotations) == (2, 1, 1)


def test_a_silent_stream_is_reconnected_when_asked_to_watch(rest: TradingServer) -> None:
    fake = FakeUserWs(rest.exchange)

    async def scenario(stream: UserStream, seen: Recorder) -> None:
        await until(lambda: len(seen.connections) == 2)

    stream = drive(rest, fake, scenario, stale_after_s=0.1)
    assert stream.health().stale_alarms >= 1
    assert len(set(fake.visits)) == 1  # the same key: silence is not expiry


def test_network_failures_back_off_until_stopped(rest: TradingServer) -> None:
    client = BinanceTradingClient(rest.base_url, API_KEY, API_SECRET, weights=WeightBudget())
    seen = Recorder()

    async def main() -> UserStream:
        stream = UserStream(client, "ws://127.0.0.1:9", seen.event, seen.connected,
                            backoff_s=FAST)  # fmt: skip
        task = asyncio.create_task(stream.run())
        await until(lambda: stream.health().failures >= 3)
        stream.stop()
        await asyncio.wait_for(task, 2)
        return stream

    stream = asyncio.run(main())
    assert not stream.health().connected and seen.log == []
    assert len(rest.exchange.calls("POST", "/fapi/v1/listenKey")) == 1


def test_the_listen_key_and_secrets_never_reach_the_logs(
    rest: TradingServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeUserWs(rest.exchange, RECORDED)
    keys: list[str] = []

    async def scenario(stream: UserStream, seen: Recorder) -> None:
        await until(lambda: len(seen.log) == 5)
        keys.append(rest.exchange.listen_key or "")
        rest.exchange.expire_listen_key()
        await fake.push(documented.listen_key_expired(keys[0]))
        await until(lambda: len(seen.connections) == 2)
        keys.append(rest.exchange.listen_key or "")
        assert isinstance(seen.log[5], ListenKeyExpired)

    drive(rest, fake, scenario)
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("tests."))
    assert "listenKey" in ours or "user stream" in ours  # something was logged
    for secret in (*keys, API_KEY, API_SECRET):
        assert secret not in ours
    assert f"{keys[0][:4]}…" in ours
