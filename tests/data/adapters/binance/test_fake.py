"""The fake Binance WebSocket's own pieces: symbol copies, capture files, its process, and
its faults on REAL recorded depth messages."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time

import pytest
from websockets.asyncio.client import connect

from scalplab.data.adapters.binance.fake import FakeBinanceWs, copies, load_capture, running
from scalplab.data.adapters.binance.schemas import parse_combined
from scalplab.data.adapters.binance.websocket import StreamConnection
from scalplab.errors import InputError
from tests.data.adapters.binance.recorded import WS, combined_messages

CAPTURE = WS / "combined_stream_um_2021-07-22.jsonl"


def test_a_capture_file_and_copies_of_its_symbols() -> None:
    messages = load_capture(CAPTURE)
    assert messages == combined_messages()
    tripled = copies(messages[:10], 3)
    assert len(tripled) == 30
    originals = [parse_combined(m) for m in messages[:10]]
    for k in range(3):
        copied = [parse_combined(m) for m in tripled[k::3]]
        for (stream, event), (copy_stream, copy) in zip(originals, copied, strict=True):
            name = event.symbol if k == 0 else f"{event.symbol[:-4]}{k}USDT"
            assert copy.symbol == name and copy_stream == stream.replace(
                event.symbol.lower(), name.lower(), 1
            )
            assert type(copy) is type(event)


def test_the_fake_serves_a_capture_from_its_own_process() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "scalplab.data.adapters.binance.fake", str(CAPTURE),
         "--port", str(port), "--copies", "2"],
        stderr=subprocess.PIPE,
    )  # fmt: skip
    received: list[str] = []

    async def listen() -> None:
        connection = StreamConnection(
            f"ws://127.0.0.1:{port}", ["ctk1usdt@aggTrade"], lambda s, e: received.append(s)
        )
        task = asyncio.create_task(connection.run())
        while len(received) < 5:
            await asyncio.sleep(0.05)
        connection.stop()
        await task

    try:
        asyncio.run(asyncio.wait_for(listen(), 30))
    finally:
        server.terminate()
        server.wait(10)
    assert set(received) == {"ctk1usdt@aggTrade"}


DEPTH_MESSAGES = [m for m in combined_messages() if "@depth@" in m][:12]


def served(fake: FakeBinanceWs, streams: list[str], count: int) -> list[tuple[float, str]]:
    """(arrival time, message) of the first `count` messages of one /public connection."""
    received: list[tuple[float, str]] = []

    async def listen() -> None:
        async with running(fake):
            url = f"{fake.base}/public/stream?streams={'/'.join(streams)}"
            async with connect(url) as socket:
                while len(received) < count:
                    message = str(await socket.recv())
                    received.append((time.monotonic(), message))

    asyncio.run(asyncio.wait_for(listen(), 30))
    return received


def test_reordered_lost_and_silent_messages() -> None:
    streams = sorted({json.loads(m)["stream"] for m in DEPTH_MESSAGES})
    silent = json.loads(DEPTH_MESSAGES[0])["stream"]
    fake = FakeBinanceWs(
        DEPTH_MESSAGES, reorder_every=3, drop_message_at=frozenset({4}), silent_stream=silent
    )
    kept = [i for i, m in enumerate(DEPTH_MESSAGES) if i != 4 and not m.startswith(
        f'{{"stream":"{silent}"')]  # fmt: skip
    kept[2], kept[3] = kept[3], kept[2]
    kept[5], kept[6] = kept[6], kept[5]
    received = [message for _, message in served(fake, streams, len(kept))]
    assert received == [DEPTH_MESSAGES[i] for i in kept]
    assert fake.position == max(kept)


def test_a_stall_keeps_the_connection_open_and_goes_on() -> None:
    streams = sorted({json.loads(m)["stream"] for m in DEPTH_MESSAGES})
    fake = FakeBinanceWs(DEPTH_MESSAGES, stall_after=5, stall_s=0.3)
    received = served(fake, streams, len(DEPTH_MESSAGES))
    assert [m for _, m in received] == DEPTH_MESSAGES
    assert received[5][0] - received[4][0] >= 0.3
    assert len(fake.visits) == 1


def test_reorder_every_needs_a_pair() -> None:
    with pytest.raises(InputError):
        FakeBinanceWs(DEPTH_MESSAGES, reorder_every=1)
