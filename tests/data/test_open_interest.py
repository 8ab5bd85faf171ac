"""Open-interest polling against the fake Binance REST. Binance has no real open-interest
recording here: the answers are built in Binance's documented shape
(`tests.data.adapters.binance.documented`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from scalplab.data.adapters.binance.fake_rest import Fault, ReplayServer, ReplayState
from scalplab.data.market_events import OpenInterest
from scalplab.data.open_interest import OpenInterestPoller
from scalplab.errors import InputError
from tests.data.adapters.binance.documented import open_interest_answers
from tests.data.conftest import Sleeps
from tests.data.test_download import client_for

BUSY = Fault(503, "<html>Service Unavailable</html>")


@pytest.fixture
def oi_server() -> Iterator[ReplayServer]:
    state = ReplayState()
    state.open_interest = {
        "BTCUSDT": open_interest_answers("BTCUSDT"),
        "ETHUSDT": open_interest_answers("ETHUSDT"),
    }
    with ReplayServer(state) as server:
        yield server


def polled(poller: OpenInterestPoller, polls: int) -> None:
    """Run `poller` until it has polled `polls` times."""

    async def body() -> None:
        task = asyncio.create_task(poller.run())
        while poller.stats.polls < polls and not task.done():
            await asyncio.sleep(0.005)
        poller.stop()
        await asyncio.wait_for(task, 10)

    asyncio.run(body())


def test_each_new_value_is_handed_over_once(oi_server: ReplayServer, sleeps: Sleeps) -> None:
    events: list[OpenInterest] = []
    poller = OpenInterestPoller(
        client_for(oi_server, sleeps), ["BTCUSDT", "ETHUSDT"], events.append, every_s=0.01
    )
    polled(poller, 10)  # 5 rounds: the 4 answers, then the last one again
    for symbol in ("BTCUSDT", "ETHUSDT"):
        assert [(e.open_interest, e.time) for e in events if e.symbol == symbol] == [
            (10659.509, 1589437530011), (10661.214, 1589437545011), (10652.87, 1589437560013)
        ]  # fmt: skip
    assert poller.stats.to_dict() == {
        "polls": 10, "events": 6, "duplicates": 4, "failures": 0, "failing": {}}  # fmt: skip
    assert len(oi_server.state.requests_to("openInterest")) == 10


def test_a_failing_poll_is_counted_and_logged_once_per_streak(
    oi_server: ReplayServer, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    oi_server.state.fail_next("openInterest", BUSY, times=2)
    oi_server.state.fail_call("openInterest", 4, Fault(200, '{"symbol": "BTCUSDT"}'))
    events: list[OpenInterest] = []
    client = client_for(oi_server, sleeps, max_attempts=1)
    poller = OpenInterestPoller(client, ["BTCUSDT"], events.append, every_s=0.01)
    with caplog.at_level(logging.INFO, logger="scalplab.data.open_interest"):
        polled(poller, 6)
    assert poller.stats.failures == 3 and poller.stats.failing == {}
    assert [e.time for e in events] == [1589437530011, 1589437545011]
    messages = [r.getMessage() for r in caplog.records]
    assert [m.split(":")[0] for m in messages] == ["open interest BTCUSDT"] * 4
    assert "poll failed (Binance REST" in messages[0] and "after 2 failed polls" in messages[1]
    assert "malformed openInterest answer (missing openInterest)" in messages[2]
    assert "after 1 failed polls" in messages[3]
    assert all("\n" not in m for m in messages)


def test_an_unknown_symbol_keeps_failing_without_stopping_the_others(
    oi_server: ReplayServer, sleeps: Sleeps
) -> None:
    events: list[OpenInterest] = []
    poller = OpenInterestPoller(
        client_for(oi_server, sleeps), ["NOPEUSDT", "BTCUSDT"], events.append, every_s=0.01
    )
    polled(poller, 6)
    assert poller.stats.failing == {"NOPEUSDT": 3} and poller.stats.failures == 3
    assert {e.symbol for e in events} == {"BTCUSDT"}


def test_bad_settings_are_refused(oi_server: ReplayServer, sleeps: Sleeps) -> None:
    client = client_for(oi_server, sleeps)
    with pytest.raises(InputError, match="at least one symbol"):
        OpenInterestPoller(client, [], print)
    with pytest.raises(InputError, match="must be positive"):
        OpenInterestPoller(client, ["BTCUSDT"], print, every_s=0)
