"""The 1 MB request-body limit: in-process, and against `scalplab serve` over real sockets."""

from __future__ import annotations

import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scalplab.api.body_limit import MAX_BODY_BYTES, TOO_LARGE
from tests.api.conftest import free_port, serve_env, wait_until_up

REFUSED = {"detail": TOO_LARGE}


def test_a_declared_length_over_the_limit_is_refused(client: TestClient) -> None:
    response = client.post(
        "/orders",
        content=b" " * (MAX_BODY_BYTES + 1),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == REFUSED
    assert response.headers["connection"] == "close"
    assert response.headers["x-request-id"]  # still inside the request-id layer
    assert client.get("/orders").json() == []


def test_a_streamed_body_over_the_limit_is_refused(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
        for _ in range(40):
            yield b" " * 65_536

    response = client.post("/pairs", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == REFUSED
    assert client.get("/pairs").json() == []


def test_a_body_at_the_limit_is_read(client: TestClient) -> None:
    padding = b" " * (MAX_BODY_BYTES - 2)
    response = client.post(
        "/pairs", content=b"{" + padding + b"}", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422  # read and validated: fields are missing
    assert "symbol: Field required" in response.json()["detail"]


# ----- over real HTTP -------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    """`scalplab serve` on a free port: `(port, pid)`."""
    tmp_path = tmp_path_factory.mktemp("serve")
    port = free_port()
    scalplab = Path(sys.executable).with_name("scalplab")
    process = subprocess.Popen(
        [str(scalplab), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=serve_env(tmp_path / "data", LOG_LEVEL="WARNING"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process)
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _response(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (or 10 s pass)."""
    sock.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        try:
            chunk = sock.recv(65_536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
    return data


def _head(path: str, port: int, extra: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\n{extra}\r\n"
    ).encode()


def test_a_declared_100_mb_body_is_refused_without_reading_it(server: tuple[int, int]) -> None:
    port, pid = server
    before = _rss_mb(pid)
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(_head("/orders", port, f"Content-Length: {100 * 1_048_576}\r\n"))
        sock.sendall(b'{"symbol": "BTCUSDT", "side": "buy", "qty": "0.002"')
        answer = _response(sock)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert answer.endswith(b'{"detail":"request body over 1 MB"}')
    assert b"connection: close" in answer.lower()
    assert time.monotonic() - started < 5
    assert _rss_mb(pid) - before < 20


def test_a_chunked_100_mb_body_is_cut_off_after_the_limit(server: tuple[int, int]) -> None:
    port, pid = server
    before = _rss_mb(pid)
    chunk = b"10000\r\n" + b" " * 65_536 + b"\r\n"  # 64 KiB per chunk
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(_head("/pairs", port, "Transfer-Encoding: chunked\r\n"))
        while sent < 100 * 1_048_576:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:  # the server answered: stop sending
                break
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 65_536
        answer = _response(sock)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert answer.endswith(b'{"detail":"request body over 1 MB"}')
    assert sent < 20 * 1_048_576  # answered long before the 100 MB were sent
    assert _rss_mb(pid) - before < 20


def test_a_small_body_still_works_over_http(server: tuple[int, int]) -> None:
    port, _ = server
    body = b'{"symbol": "BTCUSDT", "strategy": "sma_cross", "timeframe": "15m"}'
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            _head("/pairs", port, f"Content-Length: {len(body)}\r\nConnection: close\r\n") + body
        )
        answer = _response(sock)
    assert answer.startswith(b"HTTP/1.1 201 "), answer[:300]
