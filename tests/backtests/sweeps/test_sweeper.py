"""Sweeps end to end on the real week: every trial equals the backtest it stands for, the
fast path is verified against Backtrader, engines and resumes give the same result, and a
failing trial never stops the sweep."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from scalplab.backtests.runner import run_backtest
from scalplab.backtests.sweeps.jobs import create_sweep, execute_sweep, resume_plan
from scalplab.backtests.sweeps.records import SweepRequest, WalkForward
from scalplab.backtests.sweeps.store import SweepStore
from scalplab.config import Settings
from scalplab.errors import ScalpLabError
from scalplab.orders.gates import GateCheck, mean_gates
from scalplab.orders.runs import RunRequest
from scalplab.storage.db import Database

START = datetime(2025, 6, 17, tzinfo=UTC)
END = datetime(2025, 6, 24, tzinfo=UTC)
DAY = 86_400_000


def _request(**changes: object) -> SweepRequest:
    base = SweepRequest(
        run=RunRequest("BTCUSDT", "sma_cross", "5m", START, END, params={"rr": 2.0}),
        grid=("fast=5:15:5", "slow=30,60"),
        objective="net_pnl",
        workers=1,
        verify_top=2,
        verify_sample=1,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _screen(store: SweepStore, sweep_id: str) -> list[tuple[int, dict, float | None, str]]:  # type: ignore[type-arg]
    return [
        (t.number, t.params, t.objective, t.path) for t in store.trials(sweep_id, kind="screen")
    ]


def test_a_grid_sweep_ranks_trials_that_equal_their_backtests(
    sweep_settings: Settings, database: Database
) -> None:
    request = _request()
    sweep_id, plan = create_sweep(request, sweep_settings, database)
    assert plan.trials_per_window == 6
    summary = execute_sweep(sweep_id, plan, sweep_settings, database)
    assert summary is not None
    store = SweepStore(database)
    row = store.get(sweep_id)
    assert (row.status, row.progress) == ("done", 1.0)
    screened = _screen(store, sweep_id)
    assert [n for n, *_ in screened] == list(range(6))
    assert {path for *_, path in screened} == {"fast"}
    assert summary["verification"] == {"checked": 3, "failed": 0, "ok": True, "failures": []}
    assert summary["valid"] is True
    best = summary["best"]
    assert best["objective"] == max(o for _, _, o, _ in screened if o is not None)
    # the best trial is exactly `scalplab backtest` with its params
    result = run_backtest(
        dataclasses.replace(request.run, params={"rr": 2.0, **best["params"]}), sweep_settings
    )
    assert result["metrics"]["net_pnl"] == pytest.approx(best["score"]["net_pnl"], rel=1e-9)
    assert result["metrics"]["trades"] == best["score"]["trades"]
    assert summary["workers"][0]["peak_rss_mb"] > 0


def test_the_pool_gives_the_same_trials_as_one_process(
    sweep_settings: Settings, database: Database
) -> None:
    store = SweepStore(database)
    results = []
    for workers in (1, 2):
        request = _request(sampler="tpe", trials=6, workers=workers, seed=5)
        sweep_id, plan = create_sweep(request, sweep_settings, database)
        execute_sweep(sweep_id, plan, sweep_settings, database)
        results.append(_screen(store, sweep_id))
    assert results[0] == results[1]
    assert len(results[0]) == 6


def test_a_failing_trial_is_recorded_and_the_sweep_goes_on(
    sweep_settings: Settings, database: Database
) -> None:
    request = _request(
        run=RunRequest("BTCUSDT", "fragile_cross", "5m", START, END, params={"rr": 2.0}),
        grid=("fast=6,7,8",),
    )
    sweep_id, plan = create_sweep(request, sweep_settings, database)
    summary = execute_sweep(sweep_id, plan, sweep_settings, database)
    assert summary is not None
    trials = SweepStore(database).trials(sweep_id, kind="screen")
    assert [(t.params["fast"], t.status) for t in trials] == [
        (6, "done"),
        (7, "failed"),
        (8, "done"),
    ]
    assert "fast=7 is cursed" in (trials[1].error or "")
    assert trials[1].path == "backtrader"  # no vector form: the plugin sweeps through Backtrader
    assert summary["trials_failed"] == 1
    assert summary["verification"]["checked"] == 0


def test_an_interrupted_sweep_resumes_to_the_uninterrupted_result(
    sweep_settings: Settings, database: Database
) -> None:
    store = SweepStore(database)
    request = _request(sampler="random", trials=5, seed=3)
    whole_id, plan = create_sweep(request, sweep_settings, database)
    execute_sweep(whole_id, plan, sweep_settings, database)

    crashed_id, plan = create_sweep(request, sweep_settings, database)

    def crash(done: int, total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        execute_sweep(crashed_id, plan, sweep_settings, database, crash)
    assert store.get(crashed_id).status == "cancelled"
    assert len(store.trials(crashed_id)) == 3
    plan = resume_plan(crashed_id, sweep_settings, database)
    execute_sweep(crashed_id, plan, sweep_settings, database)
    assert store.get(crashed_id).status == "done"
    assert _screen(store, crashed_id) == _screen(store, whole_id)
    assert store.get(crashed_id).summary["best"] == store.get(whole_id).summary["best"]  # type: ignore[index]


@pytest.mark.parametrize("sampler", ["grid", "tpe"])
def test_walk_forward_tests_each_windows_best_on_the_next_range(
    sweep_settings: Settings, database: Database, sampler: str
) -> None:
    trials = None if sampler == "grid" else 4
    request = _request(walk_forward=WalkForward(3 * DAY, 2 * DAY), sampler=sampler, trials=trials)
    sweep_id, plan = create_sweep(request, sweep_settings, database)
    assert len(plan.windows) == 2
    summary = execute_sweep(sweep_id, plan, sweep_settings, database)
    assert summary is not None
    walk = summary["walk_forward"]
    assert walk["train_test"] == "3d/2d"
    assert [(w["train_start"], w["test_start"], w["test_end"]) for w in walk["windows"]] == [
        ("2025-06-17T00:00:00Z", "2025-06-20T00:00:00Z", "2025-06-22T00:00:00Z"),
        ("2025-06-19T00:00:00Z", "2025-06-22T00:00:00Z", "2025-06-24T00:00:00Z"),
    ]
    total = 0.0
    test_trades: list[dict] = []  # type: ignore[type-arg]
    train_gates: list[list[GateCheck]] = []
    for window in walk["windows"]:
        test_run = dataclasses.replace(
            request.run,
            start=datetime.fromisoformat(window["test_start"]),
            end=datetime.fromisoformat(window["test_end"]),
            params={"rr": 2.0, **window["best"]["params"]},
        )
        result = run_backtest(test_run, sweep_settings)
        assert result["metrics"]["net_pnl"] == pytest.approx(
            window["test"]["score"]["net_pnl"], rel=1e-9
        )
        total += result["metrics"]["net_pnl"]
        test_trades.extend(result["trades"])
        train_run = dataclasses.replace(
            test_run,
            start=datetime.fromisoformat(window["train_start"]),
            end=datetime.fromisoformat(window["train_end"]),
        )
        train_result = run_backtest(train_run, sweep_settings)
        train_gates.append([GateCheck(**g) for g in train_result["gates"]])
    oos = walk["out_of_sample"]
    assert oos["net_pnl"] == pytest.approx(total, rel=1e-9)
    # Go-live gates: the stitched test runs (sma_cross has no ladder: a trade is a position),
    # and in sample the mean of each window's best params re-run on its train range.
    gates = {side: {g["name"]: g for g in rows} for side, rows in walk["gates"].items()}
    assert gates["out_of_sample"]["sample_size"]["value"] == len(test_trades) == oos["trades"]
    assert gates["out_of_sample"]["win_rate"]["value"] == pytest.approx(oos["win_rate"])
    assert gates["out_of_sample"]["max_drawdown_pct"]["value"] == oos["max_drawdown_pct"]
    assert gates["out_of_sample"]["sharpe"]["value"] == oos["sharpe"]
    assert gates["out_of_sample"]["trades_per_day"]["value"] == pytest.approx(len(test_trades) / 4)
    assert walk["gates"]["in_sample"] == [g.to_dict() for g in mean_gates(train_gates)]
    assert gates["in_sample"]["win_rate"]["note"] == "mean of 2 of 2 windows"
    assert (oos["start"], oos["end"]) == ("2025-06-20T00:00:00Z", "2025-06-24T00:00:00Z")
    assert [s["name"] for s in walk["stability"]] == ["fast", "slow"]
    assert len(SweepStore(database).windows(sweep_id)) == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"grid": ()}, "at least one --grid"),
        ({"grid": ("fast=1:900:100",)}, "above its maximum 500"),
        ({"grid": ("fast=5,10",), "sampler": "tpe", "trials": 3}, "cannot produce that many"),
        ({"objective": "luck"}, "unknown objective"),
        ({"grid": ("rr=1,2",)}, "both fixed (--param) and swept (--grid)"),
        (
            {"walk_forward": WalkForward(DAY, DAY // 24)},
            "has 12 5m bars, fewer than the 61-bar warm-up",
        ),
        ({"workers": 0}, "--workers must be between 1"),
        ({"run": RunRequest("ETHUSDT", "sma_cross", "5m", START, END)}, "ETHUSDT"),
    ],
)
def test_bad_sweeps_are_refused_before_any_work(
    sweep_settings: Settings,
    database: Database,
    changes: dict,
    message: str,  # type: ignore[type-arg]
) -> None:
    with pytest.raises(ScalpLabError) as error:  # InputError, or NoDataError for data
        create_sweep(_request(**changes), sweep_settings, database)
    assert message in error.value.message
    assert "\n" not in error.value.message
    assert SweepStore(database).recent() == []


def test_every_fast_trial_equals_its_backtrader_run(
    sweep_settings: Settings, database: Database
) -> None:
    store = SweepStore(database)
    screened = {}
    for fast_path in (True, False):
        request = _request(fast_path=fast_path, grid=("fast=5:15:5", "slow=30,60", "rr=1.5,3"))
        request = dataclasses.replace(request, run=dataclasses.replace(request.run, params={}))
        sweep_id, plan = create_sweep(request, sweep_settings, database)
        summary = execute_sweep(sweep_id, plan, sweep_settings, database)
        assert summary is not None
        assert summary["path"] == ("fast" if fast_path else "backtrader")
        screened[fast_path] = store.trials(sweep_id, kind="screen")
    assert len(screened[True]) == 12
    for fast, slow in zip(screened[True], screened[False], strict=True):
        assert fast.params == slow.params
        assert fast.score is not None and slow.score is not None
        assert fast.score.trades == slow.score.trades
        assert fast.score.net_pnl == pytest.approx(slow.score.net_pnl, rel=1e-9, abs=1e-9)
        assert fast.score.fees == pytest.approx(slow.score.fees, rel=1e-9, abs=1e-9)
        assert fast.score.max_drawdown_pct == pytest.approx(slow.score.max_drawdown_pct, rel=1e-9)
