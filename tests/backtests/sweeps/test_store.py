"""Sweeps in the app database: request round trip, trials stored once, job states, resume."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scalplab.backtests.sweeps.records import (
    SweepRequest,
    TrialOutcome,
    TrialScore,
    TrialTask,
    VerificationRecord,
    WalkForward,
    Window,
)
from scalplab.backtests.sweeps.store import SweepStore, request_from_json, request_to_json
from scalplab.errors import ConflictError, NotFoundError
from scalplab.orders.properties import RunProperties
from scalplab.orders.runs import RunRequest
from scalplab.storage.db import open_database
from scalplab.storage.models_research import SweepWindow
from tests.conftest import make_settings

REQUEST = SweepRequest(
    run=RunRequest(
        pair="BTCUSDT",
        strategy="sma_cross",
        timeframe="1m",
        start=datetime(2025, 6, 17, tzinfo=UTC),
        end=datetime(2025, 6, 24, tzinfo=UTC),
        params={"rr": "2"},
        risk={"min_rr": 1.5},
        breakers=False,
        properties=RunProperties(initial_capital=5000.0, funding_model="none"),
    ),
    grid=("fast=5:20:5", "slow=30,60"),
    sampler="tpe",
    trials=6,
    objective="net_pnl",
    walk_forward=WalkForward(2 * 86_400_000, 86_400_000),
    workers=1,
    seed=9,
    verify_top=2,
    verify_sample=1,
)
SCORE = TrialScore(
    trades=3,
    win_rate=66.7,
    net_pnl=12.5,
    return_pct=0.125,
    max_drawdown_pct=0.4,
    profit_factor=2.0,
    sharpe=1.1,
    sortino=None,
    expectancy=4.1,
    fees=3.2,
    funding=-0.1,
    final_equity=10_012.5,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SweepStore]:
    database = open_database(make_settings(tmp_path))
    yield SweepStore(database)
    database.dispose()


def test_the_request_round_trips_through_json() -> None:
    assert request_from_json(request_to_json(REQUEST)) == REQUEST


def test_trials_are_stored_once_and_read_back_typed(store: SweepStore) -> None:
    sweep_id = store.create(REQUEST, "1.0.0")
    window = Window(1, 0, 86_400_000)
    done = TrialOutcome(
        TrialTask("screen", window, 4, {"fast": 5, "slow": 30}),
        SCORE,
        "fast",
        None,
        1.5,
        worker="host:1",
        worker_rss_mb=80.0,
    )
    store.add_trial(sweep_id, 4, done, 12.5)
    store.add_trial(sweep_id, 4, done, 99.0)  # a task stored already stays as it was
    failed = TrialOutcome(
        TrialTask("screen", window, 5, {"fast": 10, "slow": 30}), None, "backtrader", "boom", 2.0
    )
    store.add_trial(sweep_id, 5, failed, None)
    check = VerificationRecord(True, 3, 3, 0.0, None)
    verified = TrialOutcome(
        TrialTask("verify", window, 4, {"fast": 5, "slow": 30}),
        SCORE,
        "backtrader",
        None,
        9.0,
        verification=check,
    )
    store.add_trial(sweep_id, 4, verified, 12.5)
    trials = store.trials(sweep_id)
    assert [(t.kind, t.number, t.status) for t in trials] == [
        ("screen", 4, "done"),
        ("screen", 5, "failed"),
        ("verify", 4, "done"),
    ]
    assert trials[0].score == SCORE
    assert trials[0].objective == 12.5
    assert trials[0].worker == "host:1"
    assert trials[1].error == "boom"
    assert trials[2].verification == check
    assert store.trials(sweep_id, kind="verify", window=1)[0].number == 4
    assert store.count_trials(sweep_id) == 3


def test_job_states_cancel_and_resume(store: SweepStore) -> None:
    sweep_id = store.create(REQUEST, "1.0.0")
    assert store.get(sweep_id).status == "queued"
    assert store.request(sweep_id) == REQUEST
    with pytest.raises(ConflictError, match="only a failed, cancelled or interrupted"):
        store.claim_resume(sweep_id)
    store.start(sweep_id, 40)
    store.progress(sweep_id, 10, 40)
    row = store.get(sweep_id)
    assert (row.status, row.tasks_done, row.tasks_total, row.progress) == ("running", 10, 40, 0.25)
    assert not store.cancel_requested(sweep_id)
    store.request_cancel(sweep_id)
    assert store.cancel_requested(sweep_id)
    store.finish(sweep_id, "cancelled", None, "cancelled")
    with pytest.raises(ConflictError, match="nothing to cancel"):
        store.request_cancel(sweep_id)
    with pytest.raises(ConflictError, match="cancel it first"):
        store.start(sweep_id, 40)
        store.delete(sweep_id)
    store.finish(sweep_id, "cancelled", None, "cancelled")
    store.claim_resume(sweep_id)
    assert store.get(sweep_id).status == "queued"
    assert not store.cancel_requested(sweep_id)
    store.start(sweep_id, 40)
    assert store.interrupt_unfinished() == 1
    assert store.get(sweep_id).status == "interrupted"
    store.finish(sweep_id, "done", {"best": None}, None)
    row = store.get(sweep_id)
    assert (row.status, row.progress, row.summary) == ("done", 1.0, {"best": None})


def test_windows_and_delete(store: SweepStore) -> None:
    sweep_id = store.create(REQUEST, "1.0.0")
    day = datetime(2025, 6, 17, tzinfo=UTC)
    store.save_window(
        sweep_id,
        SweepWindow(
            window=0,
            train_start=day,
            train_end=day,
            test_start=day,
            test_end=day,
            best_number=2,
            best_params={"fast": 5},
            train_score={"net_pnl": 1.0},
        ),
    )
    store.save_window(
        sweep_id,
        SweepWindow(
            window=0,
            train_start=day,
            train_end=day,
            test_start=day,
            test_end=day,
            best_number=3,
            best_params={"fast": 10},
        ),
    )
    [window] = store.windows(sweep_id)
    assert (window.best_number, window.best_params) == (3, {"fast": 10})
    store.add_trial(
        sweep_id,
        0,
        TrialOutcome(TrialTask("screen", Window(0, 0, 1), 0, {}), SCORE, "fast", None, 1.0),
        1.0,
    )
    store.finish(sweep_id, "done", None, None)
    store.delete(sweep_id)
    with pytest.raises(NotFoundError):
        store.get(sweep_id)
    assert store.trials(sweep_id) == []
    assert store.windows(sweep_id) == []
    assert store.recent() == []
