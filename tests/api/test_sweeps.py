"""`/sweeps`: every input checked before anything is stored, sweeps run one at a time on the
server's sweep thread over the real week, state, typed summary and trials, cancel, resume,
delete, the token, and sweeps a dead process left behind."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from scalplab.api.app import create_app
from scalplab.api.schemas.properties import RunPropertiesCreate
from scalplab.api.schemas.sweeps import (
    Objective,
    SweepPublic,
    SweepStatus,
    SweepSummaryPublic,
    SweepTrialPublic,
)
from scalplab.backtests.sweeps.jobs import create_sweep
from scalplab.backtests.sweeps.records import OBJECTIVES, SweepRequest
from scalplab.config import Settings
from scalplab.orders.gates import GATE_NAMES
from scalplab.orders.runs import RunRequest
from scalplab.storage.db import open_database
from scalplab.storage.models_research import SWEEP_STATUSES
from tests.api.conftest import api_client, wait_for_backtest
from tests.conftest import make_settings

SWEEP: dict[str, Any] = {
    "pair": "BTCUSDT",
    "strategy": "sma_cross",
    "timeframe": "15m",
    "start": "2025-06-17",
    "end": "2025-06-24",
    "params": {"rr": 2.0},
    "grid": ["fast=5:15:5", "slow=30,60"],
    "objective": "net_pnl",
    "workers": 1,
    "verify_top": 2,
    "verify_sample": 1,
}
"""Six grid points of the SMA cross on the real week, three of them verified: nine tasks."""
SLOW = {
    **SWEEP,
    "strategy": "slow_cross",
    "grid": ["fast=5:16:1"],
    "verify_top": 0,
    "verify_sample": 0,
}
"""Twelve Backtrader trials of a quarter of a second each: a sweep that runs for a while."""
ENDED = ("done", "failed", "cancelled", "interrupted")
TOKEN = "Zq3-7vKp_Lx9NwT2bYr5HsJd-4Fm"

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


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """The real sample with a slow plugin; `min_rr` 1.5 so the SMA cross trades."""
    (data_dir / "strategies").mkdir()
    (data_dir / "strategies" / "slow_cross.py").write_text(SLOW_PLUGIN, encoding="utf-8")
    return make_settings(data_dir, MIN_RR=1.5)


def wait_for_sweep(
    client: TestClient, sweep_id: str, statuses: tuple[str, ...] = ENDED, timeout: float = 90.0
) -> Any:
    """Poll `GET /sweeps/{id}` until its status is one of `statuses`; returns the last body."""
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/sweeps/{sweep_id}").json()
        if body["status"] in statuses:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"sweep {sweep_id} still {body['status']} after {timeout}s")
        time.sleep(0.05)


def wait_for_task(client: TestClient, sweep_id: str) -> Any:
    """Poll until the sweep runs and has finished a task; returns that body."""
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        body = client.get(f"/sweeps/{sweep_id}").json()
        if body["status"] == "running" and body["tasks_done"] >= 1:
            return body
        assert body["status"] in ("queued", "running"), body
        time.sleep(0.02)
    raise AssertionError(f"sweep {sweep_id} finished no task in time")


def test_a_sweep_runs_in_the_background_and_reports_its_best_trial(client: TestClient) -> None:
    response = client.post("/sweeps", json=SWEEP)
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["status"] in ("queued", "running")
    assert response.headers["Location"] == f"/sweeps/{queued['id']}"
    assert queued["request"] == {
        "grid": ["fast=5:15:5", "slow=30,60"],
        "sampler": "grid",
        "trials": None,
        "objective": "net_pnl",
        "walk_forward": None,
        "engine": "local",
        "workers": 1,
        "seed": 42,
        "verify_top": 2,
        "verify_sample": 1,
        "fast_path": True,
        "params": {"rr": 2.0},
        "risk": {},
        "breakers": True,
        "properties": dict.fromkeys(RunPropertiesCreate.model_fields),
    }

    body = wait_for_sweep(client, queued["id"])
    SweepPublic.model_validate(body)
    assert (body["status"], body["error"], body["progress"]) == ("done", None, 1.0)
    assert (body["tasks_done"], body["tasks_total"], body["eta_seconds"]) == (9, 9, None)
    assert (body["pair"], body["strategy"], body["timeframe"]) == ("BTCUSDT", "sma_cross", "15m")
    assert (body["start"], body["end"]) == ("2025-06-17T00:00:00Z", "2025-06-24T00:00:00Z")
    summary = SweepSummaryPublic.model_validate(body["summary"])
    assert (summary.trials, summary.trials_failed, summary.path) == (6, 0, "fast")
    assert summary.verification.ok and summary.valid
    assert summary.verification.checked == 3
    assert summary.walk_forward is None and summary.best is not None

    screened = client.get(f"/sweeps/{queued['id']}/trials", params={"kind": "screen"}).json()
    for trial in screened:
        SweepTrialPublic.model_validate(trial)
    assert [t["number"] for t in screened] == list(range(6))
    assert {t["path"] for t in screened} == {"fast"}
    best = max(screened, key=lambda t: t["objective"])
    assert (summary.best.number, summary.best.objective) == (best["number"], best["objective"])
    assert summary.best.params == best["params"]
    verified = client.get(f"/sweeps/{queued['id']}/trials?kind=verify").json()
    assert len(verified) == 3
    assert all(t["verification"]["ok"] and t["path"] == "backtrader" for t in verified)
    assert len(client.get(f"/sweeps/{queued['id']}/trials?window=0").json()) == 9
    assert client.get(f"/sweeps/{queued['id']}/trials?window=1").json() == []

    listed = client.get("/sweeps").json()
    assert [s["id"] for s in listed] == [queued["id"]]
    assert listed[0]["summary"] == body["summary"] and "trials" not in listed[0]


def test_a_walk_forward_sweep_types_its_windows_and_out_of_sample_result(
    client: TestClient,
) -> None:
    response = client.post("/sweeps", json={**SWEEP, "walk_forward": "3d/2d"})
    assert response.status_code == 202, response.text
    body = wait_for_sweep(client, response.json()["id"])
    assert body["status"] == "done", body["error"]
    assert body["request"]["walk_forward"] == "3d/2d"
    summary = SweepSummaryPublic.model_validate(body["summary"])
    assert summary.best is None and summary.walk_forward is not None
    walk = summary.walk_forward
    assert walk.train_test == "3d/2d"
    assert [w.index for w in walk.windows] == [0, 1]
    assert body["summary"]["walk_forward"]["windows"][1]["test_start"] == "2025-06-22T00:00:00Z"
    assert [s.name for s in walk.stability] == ["fast", "slow"]
    tests = client.get(f"/sweeps/{body['id']}/trials?kind=test").json()
    assert [t["window"] for t in tests] == [0, 1]
    net = sum(t["score"]["net_pnl"] for t in tests)
    assert walk.out_of_sample.net_pnl == pytest.approx(net, rel=1e-9)
    assert walk.gates is not None
    assert [g.name for g in walk.gates.out_of_sample] == list(GATE_NAMES)
    assert [g.name for g in walk.gates.in_sample] == list(GATE_NAMES)
    sample = {g.name: g for g in walk.gates.out_of_sample}["sample_size"]
    assert sample.value == walk.out_of_sample.trades  # sma_cross: a trade is a position
    second = client.get(f"/sweeps/{body['id']}/trials?kind=test&window=1").json()
    assert second == tests[1:]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"grid": []}, "grid: List should have at least 1 item"),
        ({"grid": ["fast=1:900:100"]}, "above its maximum 500"),
        ({"grid": ["fast=5,10"], "sampler": "tpe", "trials": 3}, "cannot produce that many"),
        ({"grid": ["fast=5,10"], "trials": 3}, "runs them all"),
        ({"walk_forward": "1d/1h"}, "has 4 15m bars, fewer than the 61-bar warm-up"),
        ({"walk_forward": "sixty days"}, "must look like TRAIN/TEST"),
        ({"objective": "luck"}, "objective: Input should be 'sharpe'"),
        ({"grid": ["rr=1,2"]}, "both fixed (--param) and swept (--grid)"),
        ({"grid": ["speed=1,2"]}, "has no param 'speed'"),
        ({"params": {"rr": "2"}}, "param rr expects float, got '2'"),
        ({"strategy": "nope"}, "nope"),
        ({"pair": "DOGEUSDT"}, "no candles stored for DOGEUSDT"),
        ({"end": "2025-07-30"}, "do not cover 2025-06-17T00:00:00Z to 2025-07-30"),
        ({"risk": {"min_rr": 1001}}, "risk.min_rr"),
        ({"risk": {"leverage": 3}}, "risk.leverage"),
        ({"workers": 0}, "workers"),
        ({"trials": 2_000_000, "sampler": "random"}, "trials"),
        ({"seed": -1}, "seed"),
        ({"verify_top": 1001}, "verify_top"),
        ({"folds": 3}, "folds"),
        ({"properties": {"max_leverage": 200}}, "properties.max_leverage"),
        ({"properties": {"funding_model": "daily"}}, "properties.funding_model"),
        ({"properties": {"leverage": 3}}, "properties.leverage"),
    ],
)
def test_bad_sweeps_are_refused_before_anything_is_stored(
    client: TestClient, changes: dict[str, Any], message: str
) -> None:
    response = client.post("/sweeps", json={**SWEEP, **changes})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert message in detail
    assert "\n" not in detail
    assert client.get("/sweeps").json() == []


def test_a_sweeps_properties_are_recorded_and_its_best_trial_is_that_backtest(
    client: TestClient,
) -> None:
    properties = {"initial_capital": 5000.0, "taker_fee_pct": 0.1, "funding_model": "none"}
    sweep = {**SWEEP, "grid": ["fast=5,10"], "fast_path": False, "properties": properties}
    response = client.post("/sweeps", json=sweep)
    assert response.status_code == 202, response.text
    body = wait_for_sweep(client, response.json()["id"])
    assert body["status"] == "done", body["error"]
    recorded = body["request"]["properties"]
    assert {name: value for name, value in recorded.items() if value is not None} == properties
    best = SweepSummaryPublic.model_validate(body["summary"]).best
    assert best is not None and best.score is not None and best.path == "backtrader"
    assert best.score.funding == 0 and best.score.trades > 0
    assert best.score.final_equity == pytest.approx(5000 + best.score.net_pnl)

    run = {key: SWEEP[key] for key in ("pair", "strategy", "timeframe", "start", "end")}
    params = {**SWEEP["params"], **best.params}
    response = client.post("/backtests", json={**run, "params": params, "properties": properties})
    assert response.status_code == 202, response.text
    result = wait_for_backtest(client, response.json()["id"])["result"]
    assert result["settings"]["initial_capital"] == 5000.0
    metrics = result["metrics"]
    assert (metrics["trades"], metrics["net_pnl"]) == (best.score.trades, best.score.net_pnl)
    assert (metrics["fees"], metrics["final_equity"]) == (best.score.fees, best.score.final_equity)


def test_a_cancelled_sweep_resumes_to_every_planned_trial(client: TestClient) -> None:
    running = client.post("/sweeps", json=SLOW).json()
    waiting = client.post("/sweeps", json=SLOW).json()
    assert waiting["status"] == "queued"  # one sweep at a time
    started = wait_for_task(client, running["id"])
    assert started["eta_seconds"] is not None and started["eta_seconds"] > 0

    # a queued sweep is cancelled at once, without running
    cancelled = client.post(f"/sweeps/{waiting['id']}/cancel")
    assert cancelled.status_code == 202
    assert cancelled.json()["status"] == "cancelled"
    assert (cancelled.json()["started_at"], cancelled.json()["tasks_done"]) == (None, 0)
    # a running one stops at its next finished task
    assert client.post(f"/sweeps/{running['id']}/cancel").status_code == 202
    stopped = wait_for_sweep(client, running["id"])
    assert (stopped["status"], stopped["error"]) == ("cancelled", "cancelled")
    assert 1 <= stopped["tasks_done"] < stopped["tasks_total"] == 12
    assert stopped["eta_seconds"] is None
    kept = client.get(f"/sweeps/{running['id']}/trials").json()
    assert len(kept) >= 1

    resumed = client.post(f"/sweeps/{running['id']}/resume")
    assert resumed.status_code == 202
    assert resumed.json()["status"] in ("queued", "running")
    done = wait_for_sweep(client, running["id"])
    assert done["status"] == "done", done["error"]
    assert (done["tasks_done"], done["summary"]["trials"]) == (12, 12)
    trials = client.get(f"/sweeps/{running['id']}/trials").json()
    assert [t["number"] for t in trials] == list(range(12))
    assert trials[: len(kept)] == kept  # stored trials are kept, not run again
    assert {t["path"] for t in trials} == {"backtrader"}


def test_conflicts_and_deletes(client: TestClient) -> None:
    running = client.post("/sweeps", json=SLOW).json()
    wait_for_task(client, running["id"])
    for method, path in (
        ("POST", f"/sweeps/{running['id']}/resume"),
        ("DELETE", f"/sweeps/{running['id']}"),
    ):
        response = client.request(method, path)
        assert response.status_code == 409, (method, path)
        assert running["id"] in response.json()["detail"]
    client.post(f"/sweeps/{running['id']}/cancel")
    wait_for_sweep(client, running["id"])

    done = client.post("/sweeps", json=SWEEP).json()
    wait_for_sweep(client, done["id"])
    assert client.post(f"/sweeps/{done['id']}/cancel").status_code == 409
    resume = client.post(f"/sweeps/{done['id']}/resume")
    assert resume.status_code == 409
    assert "only a failed, cancelled or interrupted sweep resumes" in resume.json()["detail"]

    for sweep_id in (done["id"], running["id"]):
        assert client.delete(f"/sweeps/{sweep_id}").status_code == 204
        assert client.get(f"/sweeps/{sweep_id}").status_code == 404
        assert client.get(f"/sweeps/{sweep_id}/trials").status_code == 404
    assert client.get("/sweeps").json() == []
    for method, path in (
        ("GET", "/sweeps/nope"),
        ("POST", "/sweeps/nope/cancel"),
        ("POST", "/sweeps/nope/resume"),
        ("DELETE", "/sweeps/nope"),
    ):
        assert client.request(method, path).status_code == 404, (method, path)


def test_state_changes_need_the_token(settings: Settings, tmp_path: Path) -> None:
    secured = settings.model_copy(update={"api_token": SecretStr(TOKEN)})
    with TestClient(create_app(secured, web_dist=tmp_path / "x")) as client:
        for method, path, body in (
            ("POST", "/sweeps", SWEEP),
            ("POST", "/sweeps/x/cancel", None),
            ("POST", "/sweeps/x/resume", None),
            ("DELETE", "/sweeps/x", None),
        ):
            assert client.request(method, path, json=body).status_code == 401, (method, path)
        assert client.get("/sweeps").json() == []  # reading needs no token
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        created = client.post("/sweeps", json=SWEEP, headers=bearer)
        assert created.status_code == 202
        wait_for_sweep(client, created.json()["id"])


def test_sweeps_a_dead_process_left_are_interrupted_and_resume(
    settings: Settings, tmp_path: Path
) -> None:
    database = open_database(settings)
    try:
        run = RunRequest(
            "BTCUSDT",
            "sma_cross",
            "15m",
            datetime(2025, 6, 17, tzinfo=UTC),
            datetime(2025, 6, 24, tzinfo=UTC),
            params={"rr": 2.0},
        )
        request = SweepRequest(run, ("fast=5:15:5",), workers=1, verify_top=1, verify_sample=0)
        sweep_id, _ = create_sweep(request, settings, database)  # queued, then the process died
    finally:
        database.dispose()
    with api_client(create_app(settings, web_dist=tmp_path / "x")) as client:
        body = client.get(f"/sweeps/{sweep_id}").json()
        assert (body["status"], body["error"]) == ("interrupted", "the process running it stopped")
        assert client.post(f"/sweeps/{sweep_id}/resume").status_code == 202
        assert wait_for_sweep(client, sweep_id)["status"] == "done"


def test_the_schema_names_every_status_and_objective() -> None:
    assert get_args(SweepStatus) == SWEEP_STATUSES
    assert get_args(Objective) == tuple(OBJECTIVES)
