"""A writable copy of the real week for sweeps (they store into the app database)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from scalplab.config import Settings
from scalplab.storage.db import Database, open_database
from tests.conftest import make_settings

FAILING_PLUGIN = '''
from scalplab.strategies.sma_cross import SmaCrossStrategy


class FragileCross(SmaCrossStrategy):
    """The SMA cross, except that it raises with fast=7 (a trial that fails)."""

    name = "fragile_cross"

    def generate_signal(self):
        if self.p.fast == 7:
            raise RuntimeError("fast=7 is cursed")
        return super().generate_signal()
'''


@pytest.fixture
def sweep_dir(real_week_dir: Path, tmp_path: Path) -> Path:
    """The real BTCUSDT week (1m + funding) in a data dir of this test's own, with a plugin
    that fails for one param value."""
    target = tmp_path / "data"
    shutil.copytree(real_week_dir, target)
    (target / "strategies").mkdir()
    (target / "strategies" / "fragile_cross.py").write_text(FAILING_PLUGIN)
    return target


@pytest.fixture
def sweep_settings(sweep_dir: Path) -> Settings:
    """Settings on that data dir; breakers stay on, `min_rr` 1.5 so the cross trades."""
    return make_settings(sweep_dir, MIN_RR=1.5)


@pytest.fixture
def database(sweep_settings: Settings) -> Iterator[Database]:
    """The migrated app database of the data dir."""
    database = open_database(sweep_settings)
    yield database
    database.dispose()
