"""A paced HTTP/1.1 load generator: N keep-alive clients, each GETting its paths in turn.

Run as its own process by `api_load.py` (so the load's CPU is not the server's).
Plain asyncio streams instead of an HTTP library: a request costs the client a few
microseconds, so at a few hundred requests per second the latency measured is the
server's, not the client's. Each client sends one request, reads the whole response
(`Content-Length` bodies; the API does not chunk these routes), records the time,
and waits for its next slot (`clients / rate` seconds apart, staggered); a slow answer
delays that client's next request but never makes it skip one (closed loop, paced).
Prints one JSON object: per path, the latencies in ms and the status codes seen.
Usage: `python load_client.py PORT SECONDS RATE CLIENTS PATH [PATH ...]`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one response; its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def client(
    port: int,
    paths: list[str],
    period: float,
    offset: float,
    until: float,
    latencies: dict[str, list[float]],
    statuses: dict[str, Counter[int]],
) -> None:
    """One keep-alive connection sending its paths in turn, one every `period` seconds."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    next_at = time.perf_counter() + offset
    turn = 0
    try:
        while True:
            delay = next_at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if time.perf_counter() >= until:
                return
            path = paths[turn % len(paths)]
            turn += 1
            request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n"
            began = time.perf_counter()
            writer.write(request.encode())
            await writer.drain()
            status = await read_response(reader)
            latencies[path].append((time.perf_counter() - began) * 1000)
            statuses[path][status] += 1
            next_at += period
    finally:
        writer.close()


async def run(port: int, seconds: float, rate: float, clients: int, paths: list[str]) -> None:
    latencies: dict[str, list[float]] = {path: [] for path in paths}
    statuses: dict[str, Counter[int]] = {path: Counter() for path in paths}
    period = clients / rate
    began = time.perf_counter()
    until = began + seconds
    await asyncio.gather(
        *(
            client(
                port,
                paths[k % len(paths) :] + paths[: k % len(paths)],
                period,
                period * k / clients,
                until,
                latencies,
                statuses,
            )
            for k in range(clients)
        )
    )
    elapsed = time.perf_counter() - began
    print(
        json.dumps(
            {
                "elapsed_s": elapsed,
                "latencies_ms": latencies,
                "statuses": {path: dict(counts) for path, counts in statuses.items()},
            }
        )
    )


def main() -> None:
    if len(sys.argv) < 6:
        raise SystemExit("usage: load_client.py PORT SECONDS RATE CLIENTS PATH [PATH ...]")
    port, seconds, rate, clients = (
        int(sys.argv[1]),
        float(sys.argv[2]),
        float(sys.argv[3]),
        int(sys.argv[4]),
    )
    asyncio.run(run(port, seconds, rate, clients, sys.argv[5:]))


if __name__ == "__main__":
    main()
