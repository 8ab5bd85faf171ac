"""API fixtures: a real app over a tmp data dir holding the bundled REAL sample.

The sample (`data/samples/`) is 7 UTC days (2025-06-17 → 2025-06-24) of BTCUSDT
and ETHUSDT 1m Binance klines, their funding and a recorded exchangeInfo.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from src.api.app import create_app
from src.config import Settings
from src.data.samples import import_samples
from tests.conftest import make_settings


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


@pytest.fixture
def client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """The real app (lifespan included) with no SPA build."""
    app = create_app(settings, web_dist=tmp_path / "no-dist")
    with TestClient(app) as test_client:
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
