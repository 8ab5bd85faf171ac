"""The fake Binance WebSocket's own pieces: symbol copies, capture files, its process."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys

from scalplab.data.adapters.binance.fake import copies, load_capture
from scalplab.data.adapters.binance.schemas import parse_combined
from scalplab.data.adapters.binance.websocket import StreamConnection
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
