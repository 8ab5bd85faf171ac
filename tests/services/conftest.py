"""Service fixtures: the real services over a tmp data dir holding the bundled REAL sample.

The sample (`data/samples/`) is 7 UTC days (2025-06-17 → 2025-06-24) of BTCUSDT and
ETHUSDT 1m Binance klines, their funding and a recorded exchangeInfo. Services are
started exactly as a front end starts them (`Services.start`) over a SQLite file.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from scalplab.config import Settings
from scalplab.data.samples import import_samples
from scalplab.services.context import Services
from tests.conftest import make_settings


@pytest.fixture(scope="session")
def services_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real sample imported once per session (copied, never written to)."""
    template = tmp_path_factory.mktemp("services_sample") / "data"
    import_samples(template)
    return template


@pytest.fixture
def data_dir(services_sample: Path, tmp_path: Path) -> Path:
    """A fresh data dir holding a copy of the imported real sample."""
    target = tmp_path / "data"
    shutil.copytree(services_sample, target)
    return target


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """Settings over `data_dir` (SQLite file `data_dir/app.db`)."""
    return make_settings(data_dir)


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    """Every service, started and closed as a front end does."""
    started = Services.start(settings)
    try:
        yield started
    finally:
        started.close()
