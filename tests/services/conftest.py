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
from scalplab.data.candles import CandleStore
from scalplab.data.samples import import_samples
from scalplab.data.stream import bars_from_frame
from scalplab.orders.models import Bar
from scalplab.services.context import Services
from scalplab.simulation.runner import StepExecutor
from scalplab.simulation.views import PairSpec
from scalplab.strategies.signal import Signal
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


@pytest.fixture
def bars(data_dir: Path) -> list[Bar]:
    """The sample's BTCUSDT 15m bars."""
    return bars_from_frame(CandleStore(data_dir).read("BTCUSDT", "15m", None, None))


def step(executor: StepExecutor, bar: Bar, signal: Signal | None = None) -> None:
    """One closed bar as a strategy drives it (`SimulationEngine.attach`)."""
    executor.on_bar(bar)
    if signal is not None:
        executor.on_signal(bar, signal)
    executor.checkpoint()


def long_signal(bar: Bar, reward: float = 0.04) -> Signal:
    """A long at the close with a 1 % stop (reward/risk `reward` / 1 %)."""
    return Signal("long", bar.close, bar.close * 0.99, bar.close * (1 + reward), 60.0, ["test"])


def two_books(services: Services, bars: list[Bar]) -> tuple[StepExecutor, StepExecutor]:
    """BTCUSDT traded by sma_cross and by smc, driven by hand, 20 plain bars each."""
    sma = services.engine.attach(PairSpec("BTCUSDT", "sma_cross", "15m"))
    smc = services.engine.attach(PairSpec("BTCUSDT", "smc", "15m"))
    for bar in bars[:20]:
        step(sma, bar)
        step(smc, bar)
    return sma, smc
