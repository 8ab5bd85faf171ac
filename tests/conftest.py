"""Shared fixtures: a store of REAL Binance candles and funding, and settings pointing at it."""

from __future__ import annotations

import random
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from scalplab.config import Settings, get_settings
from scalplab.data.candles import CandleStore
from scalplab.data.funding import FundingStore
from scalplab.data.integrity import check_candles
from scalplab.data.samples import import_samples
from scalplab.errors import DataError


def _recorded_data() -> Path:
    """The team's recorded Binance data: shared/data/real beside the repository (as in
    CI), or beside the repository this checkout was cloned from (a clone elsewhere)."""
    root = Path(__file__).resolve().parents[1]
    beside = root.parent / "shared" / "data" / "real"
    origin = subprocess.run(
        ["git", "-C", str(root), "config", "--get", "remote.origin.url"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if beside.is_dir() or not origin or not Path(origin).is_dir():
        return beside
    return Path(origin).resolve().parent / "shared" / "data" / "real"


REAL = _recorded_data()

# Seven full UTC days of the real 30-day 1m series (2025-05-25 → 2025-06-24).
WEEK_START_MS = 1_750_118_400_000  # 2025-06-17T00:00:00Z
WEEK_END_MS = 1_750_723_200_000  # 2025-06-24T00:00:00Z


def real_klines(symbol: str, tf: str = "1m") -> pd.DataFrame:
    """The recorded Binance USDT-M klines of `symbol` (see shared/data/real/SOURCES.md)."""
    return pd.read_csv(REAL / "klines" / "um" / symbol / f"{tf}.csv")


def real_funding(symbol: str) -> pd.DataFrame:
    """The recorded funding rates of `symbol`."""
    return pd.read_csv(REAL / "funding" / f"{symbol}.csv")


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test: no `.env`, the given data dir, explicit overrides by env name."""
    return Settings(_env_file=None, DATA_DIR=data_dir, **overrides)  # type: ignore[call-arg]


def corrupt_candle_file(data_dir: Path, symbol: str = "BTCUSDT", tf: str = "1m") -> str:
    """Overwrite 4,000 bytes of a stored candle file with seeded random bytes, the way a
    disk or a careless copy would, so that it still reads but holds corrupt bars.

    Tries offsets from the middle of the file on (the same ones every run) until
    the damage lands in data pages that decode; returns `data check`'s summary.
    """
    store = CandleStore(data_dir)
    path = store.path(symbol, tf)
    original = path.read_bytes()
    noise = random.Random(7)
    for offset in range(len(original) // 2, len(original) - 8_000, 7_919):
        damaged = bytearray(original)
        damaged[offset : offset + 4_000] = noise.randbytes(4_000)
        path.write_bytes(bytes(damaged))
        try:
            report = check_candles(store.read(symbol, tf), tf)
        except DataError:
            continue
        if not report.ok:
            return report.corruption().describe()
    path.write_bytes(original)
    raise AssertionError("no offset gave a readable but corrupt file")


@pytest.fixture(scope="session")
def real_week_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding one real week of BTCUSDT 1m candles and its funding (read-only use)."""
    data_dir = tmp_path_factory.mktemp("real_week")
    candles = real_klines("BTCUSDT")
    week = candles[(candles.open_time >= WEEK_START_MS) & (candles.open_time < WEEK_END_MS)]
    CandleStore(data_dir).merge("BTCUSDT", "1m", week.reset_index(drop=True))
    FundingStore(data_dir).merge("BTCUSDT", real_funding("BTCUSDT"))
    return data_dir


@pytest.fixture(scope="session")
def sample_week_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled real sample imported once (BTCUSDT and ETHUSDT 1m, a week, funding):
    read-only use."""
    data_dir = tmp_path_factory.mktemp("sample_week") / "data"
    import_samples(data_dir)
    return data_dir


@pytest.fixture
def clean_settings_cache() -> Iterator[None]:
    """Forget the process-wide settings before and after a test that sets env vars."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running for the session,
    and `asyncio.run` in a later test would refuse to start under it."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
