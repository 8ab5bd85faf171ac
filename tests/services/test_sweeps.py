"""The sweeps service over the real sample: the time-left estimate, and sweeps that a
shutdown stops become interrupted and resume to the planned result."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scalplab.backtests.sweeps.records import SweepRequest
from scalplab.backtests.sweeps.worker import SHUTTING_DOWN
from scalplab.config import Settings
from scalplab.orders.runs import RunRequest
from scalplab.services.context import Services
from scalplab.services.sweeps import SweepRecord, SweepService, eta_seconds
from scalplab.storage.models_research import Sweep
from tests.conftest import make_settings

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
SLOW_PLUGIN = '''
import time

from scalplab.strategies.sma_cross import SmaCrossStrategy


class SlowCross(SmaCrossStrategy):
    """The SMA cross, a quarter of a second slower per run (and without its vector form)."""

    name = "slow_cross"

    def generate_signal(self):
        if not getattr(self, "slept", False):
            time.sleep(0.25)
            self.slept = True
        return super().generate_signal()
'''


def _row(status: str, done: int, total: int, started: datetime | None) -> Sweep:
    return Sweep(status=status, tasks_done=done, tasks_total=total, started_at=started)


@pytest.mark.parametrize(
    ("row", "eta"),
    [
        (_row("running", 4, 12, NOW - timedelta(seconds=10)), 20.0),
        (_row("running", 12, 12, NOW - timedelta(seconds=10)), 0.0),
        (_row("running", 0, 12, NOW - timedelta(seconds=10)), None),
        (_row("running", 4, 12, None), None),
        (_row("queued", 4, 12, NOW - timedelta(seconds=10)), None),
        (_row("done", 12, 12, NOW - timedelta(seconds=10)), None),
        (_row("cancelled", 4, 12, NOW - timedelta(seconds=10)), None),
    ],
)
def test_the_time_left_is_the_pace_so_far_times_the_tasks_left(
    row: Sweep, eta: float | None
) -> None:
    assert eta_seconds(row, NOW) == eta


@pytest.fixture
def slow_settings(data_dir: Path) -> Settings:
    """The real sample with a plugin that runs through Backtrader, slowly."""
    (data_dir / "strategies").mkdir()
    (data_dir / "strategies" / "slow_cross.py").write_text(SLOW_PLUGIN, encoding="utf-8")
    return make_settings(data_dir, MIN_RR=1.5)


def _request(pair: str = "BTCUSDT") -> SweepRequest:
    run = RunRequest(
        pair,
        "slow_cross",
        "15m",
        datetime(2025, 6, 17, tzinfo=UTC),
        datetime(2025, 6, 24, tzinfo=UTC),
        params={"rr": 2.0},
    )
    return SweepRequest(run, ("fast=5:12:1",), workers=1, verify_top=0, verify_sample=0)


def _wait(sweeps: SweepService, sweep_id: str, ready: tuple[str, ...]) -> SweepRecord:
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        record = sweeps.get(sweep_id)
        if record.status in ready and (record.status != "running" or record.tasks_done >= 1):
            return record
        time.sleep(0.02)
    raise AssertionError(f"sweep {sweep_id} never reached {ready}")


def test_sweeps_a_shutdown_stops_are_interrupted_and_resume(slow_settings: Settings) -> None:
    services = Services.start(slow_settings)
    try:
        running = services.sweeps.submit(_request("btcusdt"))
        assert running.pair == "BTCUSDT"  # normalised as a backtest's pair
        waiting = services.sweeps.submit(_request())
        assert services.sweep_worker.pending() == [running.id, waiting.id]
        _wait(services.sweeps, running.id, ("running",))
    finally:
        services.close()

    services = Services.start(slow_settings)
    try:
        sweeps = services.sweeps
        stopped, dropped = sweeps.get(running.id), sweeps.get(waiting.id)
        assert (stopped.status, stopped.error) == ("interrupted", SHUTTING_DOWN)
        assert 1 <= stopped.tasks_done < stopped.tasks_total == 8
        assert (dropped.status, dropped.tasks_done, dropped.started_at) == (
            "interrupted",
            0,
            None,
        )
        kept = sweeps.trials(running.id)
        assert sweeps.resume(running.id).status in ("queued", "running")
        done = _wait(sweeps, running.id, ("done", "failed"))
        assert (done.status, done.tasks_done, done.eta_seconds) == ("done", 8, None)
        trials = sweeps.trials(running.id)
        assert [t["number"] for t in trials] == list(range(8))
        assert trials[: len(kept)] == kept
    finally:
        services.close()
