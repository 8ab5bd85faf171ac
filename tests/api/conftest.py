"""API fixtures: a real app over a tmp data dir holding the bundled REAL sample.

The sample (`data/samples/`) is 7 UTC days (2025-06-17 → 2025-06-24) of BTCUSDT
and ETHUSDT 1m Binance klines, their funding and a recorded exchangeInfo.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from scalplab.api.app import create_app
from scalplab.backtests.runner import run_backtest
from scalplab.backtests.storage import ResultStore
from scalplab.config import Settings
from scalplab.data.samples import import_samples
from scalplab.orders.runs import RunRequest
from tests.conftest import make_settings


def store_result(settings: Settings, request: RunRequest) -> dict[str, Any]:
    """Run `request` on the sample in this process and store its result (no worker)."""
    result = run_backtest(request, settings)
    store = ResultStore(settings)
    try:
        store.save(result)
    finally:
        store.close()
    return result


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real sample imported once per session (copied, never written to)."""
    template = tmp_path_factory.mktemp("sample") / "data"
    import_samples(template)
    return template


@pytest.fixture
def data_dir(sample_template: Path, tmp_path: Path) -> Path:
    """A fresh data dir holding a copy of the imported real sample."""
    target = tmp_path / "data"
    shutil.copytree(sample_template, target)
    return target


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """Settings over `data_dir` (SQLite file `data_dir/app.db`)."""
    return make_settings(data_dir)


CLIENT_HEADERS = {"X-ScalpLab-Client": "tests"}
"""Sent by every test client, as the SPA does: without API_TOKEN a state change needs a
JSON body or this header (`scalplab.api.auth`)."""


def api_client(app: FastAPI) -> TestClient:
    """A test client of `app` that sends `CLIENT_HEADERS` (enter it to run the lifespan)."""
    return TestClient(app, headers=CLIENT_HEADERS)


@pytest.fixture
def client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """The real app (lifespan included) with no SPA build."""
    app = create_app(settings, web_dist=tmp_path / "no-dist")
    with api_client(app) as test_client:
        yield test_client


def wait_for_backtest(client: TestClient, backtest_id: str, timeout: float = 90.0) -> Any:
    """Poll `GET /backtests/{id}` until done or failed; returns the last body."""
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/backtests/{backtest_id}").json()
        if body["status"] in ("done", "failed"):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"backtest {backtest_id} still {body['status']} after {timeout}s")
        time.sleep(0.1)


BTC_PAIR = {"symbol": "BTCUSDT", "strategy": "sma_cross", "timeframe": "15m", "params": {}}
"""A pair of the sample that trades: sma_cross signals on BTCUSDT 15m."""


def add_pair(client: TestClient, **changes: Any) -> Any:
    """Follow a pair (default `BTC_PAIR`); returns the stored pair."""
    response = client.post("/pairs", json={**BTC_PAIR, **changes})
    assert response.status_code == 201, response.text
    return response.json()


def wait_for_simulation(
    client: TestClient, done: Callable[[Any], bool] | None = None, timeout: float = 60.0
) -> Any:
    """Poll `/simulation/status` until `done(status)` (default: stopped); returns the status."""
    check = done or (lambda status: status["state"] == "stopped")
    deadline = time.monotonic() + timeout
    while True:
        status = client.get("/simulation/status").json()
        if check(status):
            return status
        if time.monotonic() > deadline:
            raise AssertionError(f"simulation not there after {timeout}s: {status}")
        time.sleep(0.05)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    """The environment of a `scalplab serve` subprocess over `data_dir` (no inherited config)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DB_", "DATA_DIR", "TRADING_", "API_TOKEN", "BINANCE_"))
    }
    env.update({"DATA_DIR": str(data_dir), "LOG_LEVEL": "INFO", **overrides})
    return env


def wait_until_up(base: str, process: subprocess.Popen[str], timeout: float = 60.0) -> None:
    """Wait until a served app answers `/status/health` (fails if the process exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stderr.read() if process.stderr else ""
            raise AssertionError(f"serve exited early:\n{output}")
        try:
            if httpx.get(f"{base}/status/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("serve did not answer in time")
