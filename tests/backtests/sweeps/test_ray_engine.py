"""The same sweep as Ray tasks on a real local Ray instance gives the same result."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from scalplab.backtests.sweeps.jobs import create_sweep, execute_sweep
from scalplab.backtests.sweeps.ray_engine import check_ray_address
from scalplab.backtests.sweeps.records import SweepRequest, WalkForward
from scalplab.backtests.sweeps.store import SweepStore
from scalplab.config import Settings
from scalplab.errors import InputError
from scalplab.orders.runs import RunRequest
from scalplab.storage.db import Database

REQUEST = SweepRequest(
    run=RunRequest(
        "BTCUSDT",
        "sma_cross",
        "15m",
        datetime(2025, 6, 17, tzinfo=UTC),
        datetime(2025, 6, 24, tzinfo=UTC),
        params={"rr": 2.0},
    ),
    grid=("fast=4:10:2", "slow=30,40"),
    objective="net_pnl",
    workers=2,
    verify_top=2,
    verify_sample=1,
)


def test_ray_and_local_engines_give_the_same_sweep(
    sweep_settings: Settings, database: Database
) -> None:
    store = SweepStore(database)
    results = []
    for engine in ("local", "ray"):
        sweep_id, plan = create_sweep(
            dataclasses.replace(REQUEST, engine=engine), sweep_settings, database
        )
        summary = execute_sweep(sweep_id, plan, sweep_settings, database)
        assert summary is not None
        trials = [
            (t.kind, t.number, t.params, t.objective, t.score) for t in store.trials(sweep_id)
        ]
        results.append((trials, summary["best"], summary["verification"]))
        if engine == "ray":
            workers = {w["worker"] for w in summary["workers"]}
            assert len(workers) == 2  # one actor per CPU of the local instance
    assert results[0] == results[1]


def test_a_ray_walk_forward_gives_the_local_gates(
    sweep_settings: Settings, database: Database
) -> None:
    """A test task also re-runs its params on the train range (the in-sample gates): on Ray
    the actor gets both windows' data."""
    day = 86_400_000
    gates = []
    for engine in ("local", "ray"):
        request = dataclasses.replace(
            REQUEST, engine=engine, grid=("fast=4,6",), walk_forward=WalkForward(3 * day, 2 * day)
        )
        sweep_id, plan = create_sweep(request, sweep_settings, database)
        summary = execute_sweep(sweep_id, plan, sweep_settings, database)
        assert summary is not None
        gates.append(summary["walk_forward"]["gates"])
    assert len(gates[0]["in_sample"]) == len(gates[0]["out_of_sample"]) == 9
    assert gates[0] == gates[1]


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("127.0.0.1:1", "Ray cluster at 127.0.0.1:1 is unreachable"),
        ("http://x", "must be auto, local or host:port"),
    ],
)
def test_a_bad_ray_address_is_refused_before_any_work(address: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_ray_address(address)
