"""Simulation fixtures: a tmp data dir holding the bundled REAL sample, settings, an engine.

The sample is 7 UTC days (2025-06-17 → 2025-06-24) of BTCUSDT and ETHUSDT 1m
Binance klines, their funding and a recorded exchangeInfo (see tests/api/conftest.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scalplab.backtests.runner import run_backtest
from scalplab.config import Settings
from scalplab.data.candles import CandleStore
from scalplab.data.samples import import_samples
from scalplab.data.stream import bars_from_frame
from scalplab.orders.models import Bar
from scalplab.orders.runs import RunRequest
from scalplab.simulation.cli import run_simulation
from scalplab.simulation.engine import SimulationEngine
from scalplab.storage.db import Database, open_database
from scalplab.strategies.registry import Registry, discover
from scalplab.timeutil import parse_utc
from tests.conftest import make_settings

WEEK_START = "2025-06-17"
WEEK_END = "2025-06-24"
NON_BINDING_RISK: dict[str, Any] = {
    "MAX_OPEN_POSITIONS": 0,
    "DAILY_LOSS_LIMIT_PCT": 0,
    "LOSS_STREAK_LIMIT": 0,
    "MAX_TRADES_PER_HOUR": 0,
    "EXTREME_VOLATILITY_ATR_MULT": 0,
}
"""Every breaker off (0 disables a limit): the replay must then equal the backtest."""


class FakeClock:
    """A wall clock the test moves by hand (epoch seconds)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real sample imported once per session (copied, never written to)."""
    template = tmp_path_factory.mktemp("sim_sample") / "data"
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
    """Settings over `data_dir`, every breaker off, confirmation off."""
    return make_settings(data_dir, **NON_BINDING_RISK)


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The built-in strategy plugins."""
    return discover(None)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    """The migrated SQLite database of `settings`."""
    db = open_database(settings)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FakeClock:
    """The engine's wall clock (pending TTL)."""
    return FakeClock()


@pytest.fixture
def make_engine(
    settings: Settings, database: Database, registry: Registry, clock: FakeClock
) -> Iterator[Callable[..., SimulationEngine]]:
    """Engines over the same database (a second one = a restarted process); all closed."""
    engines: list[SimulationEngine] = []

    def make(**kwargs: Any) -> SimulationEngine:
        engine = SimulationEngine(
            kwargs.pop("settings", settings), database, registry, clock=clock, **kwargs
        )
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


def real_bars(data_dir: Path, symbol: str = "BTCUSDT", tf: str = "15m") -> list[Bar]:
    """The sample's bars of `symbol` at `tf`."""
    return bars_from_frame(CandleStore(data_dir).read(symbol, tf, None, None))


def add_plugin(data_dir: Path, name: str, source: str) -> None:
    """Write the plugin `source` to `data_dir`'s `strategies/<name>.py`: the run's
    `STRATEGIES_DIR`, so that a backtest and a replayed paper engine discover the same code."""
    plugins = data_dir / "strategies"
    plugins.mkdir(exist_ok=True)
    (plugins / f"{name}.py").write_text(source, encoding="utf-8")


def two_days(strategy: str, params: dict[str, Any] | None = None) -> RunRequest:
    """`strategy` on the sample's ETHUSDT 15m bars of 2025-06-17 and 2025-06-18."""
    return RunRequest(
        "ETHUSDT",
        strategy,
        "15m",
        parse_utc("2025-06-17", "start"),
        parse_utc("2025-06-19", "end"),
        params=params or {},
    )


def replayed_backtest(
    request: RunRequest,
    settings: Settings,
    keys: tuple[str, ...] = ("signals", "trades", "metrics"),
) -> dict[str, object]:
    """The backtest of `request`, after checking that a replay of it through paper trading
    (at full speed) gives the same `keys`."""
    backtest = run_backtest(request, settings)
    simulated = run_simulation(request, settings, speed=None)
    for key in keys:
        assert simulated[key] == backtest[key], key
    return backtest
