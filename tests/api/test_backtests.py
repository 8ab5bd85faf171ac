"""`/backtests`: validation up front, runs in the worker process, state, results, deletes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scalplab.api.app import create_app
from scalplab.api.schemas.backtests import BacktestResultPublic, BacktestSummaryPublic
from scalplab.backtests.runner import run_backtest
from scalplab.backtests.storage import ResultStore
from scalplab.config import Settings
from scalplab.data.samples import import_samples
from scalplab.orders.gates import GATE_NAMES
from scalplab.orders.runs import RunRequest
from tests.api.conftest import api_client, wait_for_backtest
from tests.conftest import corrupt_candle_file, make_settings

RUN = {
    "pair": "BTCUSDT",
    "strategy": "sma_cross",
    "timeframe": "15m",
    "start": "2025-06-17",
    "end": "2025-06-24T00:00:00Z",
    "params": {"fast": 5},
}

EXPLODING_PLUGIN = '''
from scalplab.strategies.base import SignalStrategy


class Exploding(SignalStrategy):
    """Raises on its first bar (a plugin bug)."""

    name = "exploding"

    def generate_signal(self):
        raise RuntimeError("boom on the first bar")
'''


@pytest.fixture(scope="module")
def worker_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Real sample data plus a buggy user plugin in STRATEGIES_DIR."""
    data_dir = tmp_path_factory.mktemp("worker") / "data"
    import_samples(data_dir)
    (data_dir / "strategies").mkdir()
    (data_dir / "strategies" / "exploding.py").write_text(EXPLODING_PLUGIN, encoding="utf-8")
    return make_settings(data_dir)


@pytest.fixture(scope="module")
def worker_client(
    worker_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """One app (and one worker process) shared by the tests that really run backtests."""
    app = create_app(worker_settings, web_dist=tmp_path_factory.mktemp("no-dist"))
    with api_client(app) as client:
        yield client


def test_a_backtest_runs_in_the_worker_process_and_is_stored(
    worker_client: TestClient, worker_settings: Settings
) -> None:
    response = worker_client.post("/backtests", json=RUN)
    assert response.status_code == 202
    queued = response.json()
    assert queued["status"] == "queued"
    assert response.headers["Location"] == f"/backtests/{queued['id']}"

    body = wait_for_backtest(worker_client, queued["id"])
    assert (body["status"], body["progress"], body["error"]) == ("done", 1.0, None)
    result = body["result"]
    BacktestResultPublic.model_validate(result)  # the documented schema holds
    assert result["id"] == queued["id"]
    assert (result["pair"], result["strategy"], result["timeframe"]) == (
        "BTCUSDT",
        "sma_cross",
        "15m",
    )
    assert result["params"]["fast"] == 5

    # the worker computed exactly what an in-process run computes (deterministic hash)
    direct = run_backtest(
        RunRequest(
            "BTCUSDT",
            "sma_cross",
            "15m",
            datetime(2025, 6, 17, tzinfo=UTC),
            datetime(2025, 6, 24, tzinfo=UTC),
            {"fast": 5},
        ),
        worker_settings,
    )
    assert result["result_hash"] == direct["result_hash"]
    assert result["metrics"] == direct["metrics"]
    assert result["gates"] == direct["gates"]
    gates = BacktestResultPublic.model_validate(result).gates
    assert gates is not None and [g.name for g in gates] == list(GATE_NAMES)

    pids = worker_client.app.state.services.worker.process_ids()  # type: ignore[attr-defined]
    assert pids and os.getpid() not in pids

    [summary] = [s for s in worker_client.get("/backtests").json() if s["id"] == queued["id"]]
    BacktestSummaryPublic.model_validate(summary)
    assert summary["status"] == "done" and summary["finished_at"].endswith("Z")
    assert summary["metrics"]["trades"] == direct["metrics"]["trades"]
    assert summary["metrics"]["net_pnl"] == direct["metrics"]["net_pnl"]
    assert summary["params"] == direct["params"]
    assert summary["start"] == "2025-06-17T00:00:00Z" and summary["end"] == "2025-06-24T00:00:00Z"
    files = list((worker_settings.data_dir / "backtests").rglob(f"*{queued['id']}.json"))
    assert len(files) == 1

    deleted = worker_client.delete(f"/backtests/{queued['id']}")
    assert deleted.status_code == 204
    assert worker_client.get(f"/backtests/{queued['id']}").status_code == 404
    assert not files[0].exists()


def test_risk_overrides_and_the_breaker_switch_are_recorded_in_the_result(
    worker_client: TestClient,
) -> None:
    strict = {"loss_streak_limit": 1, "loss_streak_cooldown_minutes": 10_080, "min_rr": 2.5}
    runs = {}
    for breakers in (True, False):
        response = worker_client.post(
            "/backtests", json={**RUN, "risk": strict, "breakers": breakers}
        )
        assert response.status_code == 202, response.text
        body = wait_for_backtest(worker_client, response.json()["id"])
        assert body["status"] == "done", body["error"]
        runs[breakers] = BacktestResultPublic.model_validate(body["result"])

    on, off = runs[True], runs[False]
    assert on.risk is not None and off.risk is not None
    assert (on.risk.loss_streak_limit, on.risk.min_rr) == (1, 2.5)
    assert on.settings["min_rr"] == 2.5 and on.feeds == []
    assert on.risk.loss_streak_enabled and "loss_streak" in on.risk.breakers_on
    assert off.risk.breakers_on == ["min_rr"]  # the research switch: min_rr stays
    assert not off.risk.loss_streak_enabled and off.risk.loss_streak_limit == 1
    # a week-long cooldown after the first loss blocks the later signals
    assert set(on.blocked) == {"loss_streak"} and on.blocked["loss_streak"] > 0
    assert on.metrics.signals_blocked == on.blocked["loss_streak"]
    assert (off.blocked, off.metrics.signals_blocked) == ({}, 0)
    assert on.metrics.trades < off.metrics.trades


def test_a_failing_plugin_fails_the_job_with_its_message(worker_client: TestClient) -> None:
    response = worker_client.post("/backtests", json={**RUN, "strategy": "exploding", "params": {}})
    assert response.status_code == 202
    body = wait_for_backtest(worker_client, response.json()["id"])
    assert body["status"] == "failed" and body["result"] is None
    # one line: the plugin, the exception and its message (the runner's wording around it)
    assert body["error"].startswith("strategy 'exploding' ")
    assert "RuntimeError: boom on the first bar" in body["error"]
    assert "\n" not in body["error"]
    [summary] = [
        s for s in worker_client.get("/backtests").json() if s["id"] == response.json()["id"]
    ]
    assert summary["metrics"] is None and summary["error"] == body["error"]


@pytest.mark.parametrize(
    ("changes", "status", "detail"),
    [
        (
            {"pair": "ZZZUSDT"},
            422,
            "no candles stored for ZZZUSDT (symbols with candles: BTCUSDT, ETHUSDT)",
        ),
        ({"strategy": "nope"}, 422, "unknown strategy 'nope' (known: "),
        ({"params": {"speed": 3}}, 422, "unknown param speed (known: "),
        ({"params": {"fast": 501}}, 422, "param fast=501 is above its maximum 500"),
        ({"timeframe": "10m"}, 422, "unknown timeframe '10m'"),
        ({"end": "2025-06-17T12:00:00Z"}, 422, "the range must span 1 to 30 days, not 0.5 days"),
        (
            {"start": "2025-05-01", "end": "2025-06-01"},
            422,
            "the range must span 1 to 30 days, not 31 days",
        ),
        (
            {"start": "2025-06-20", "end": "2025-06-18"},
            422,
            "end 2025-06-18T00:00:00+00:00 must be after start 2025-06-20T00:00:00+00:00",
        ),
        (
            {"start": "2024-01-01", "end": "2024-01-08"},
            422,
            "no BTCUSDT 15m candles from 2024-01-01T00:00:00Z to 2024-01-08T00:00:00Z; "
            "stored: 2025-06-17T00:00:00Z to 2025-06-24T00:00:00Z",
        ),
        ({"start": "next week"}, 422, "start: Value error, 'next week' is not an ISO-8601 date"),
        ({"pair": None}, 422, "pair: Input should be a valid string"),
        ({"risk": {"speed_limit": 1}}, 422, "risk.speed_limit: Extra inputs are not permitted"),
        (
            {"risk": {"max_open_positions": -1}},
            422,
            "risk.max_open_positions: Input should be greater than or equal to 0",
        ),
        ({"risk": {"min_rr": "2"}}, 422, "risk.min_rr: Input should be a valid number"),
        ({"breakers": "maybe"}, 422, "breakers: Input should be a valid boolean"),
        (
            {"start": "2025-06-10", "end": "2025-06-20"},
            422,
            "the stored BTCUSDT 15m candles cover only part of 2025-06-10T00:00:00Z to "
            "2025-06-20T00:00:00Z (stored: 2025-06-17T00:00:00Z to 2025-06-24T00:00:00Z)",
        ),
        ({"extra": 1}, 422, "extra: Extra inputs are not permitted"),
    ],
)
def test_invalid_requests_are_refused_and_nothing_is_queued(
    client: TestClient, settings: Settings, changes: dict[str, Any], status: int, detail: str
) -> None:
    response = client.post("/backtests", json={**RUN, **changes})
    assert response.status_code == status
    assert response.json()["detail"].startswith(detail), response.json()
    assert client.get("/backtests").json() == []
    assert not (settings.data_dir / "backtests").exists()
    assert client.app.state.services.worker.process_ids() == []  # type: ignore[attr-defined]


def test_missing_body_field_names_the_field(client: TestClient) -> None:
    response = client.post("/backtests", json={k: v for k, v in RUN.items() if k != "end"})
    assert response.status_code == 422
    assert response.json()["detail"] == "end: Field required"
    assert response.json()["errors"] == [{"loc": ["body", "end"], "msg": "Field required"}]


def test_unknown_ids_are_404(client: TestClient) -> None:
    for response in (client.get("/backtests/nope"), client.delete("/backtests/nope")):
        assert response.status_code == 404
        assert response.json() == {"detail": "no backtest with id 'nope'"}


def _stored_result(settings: Settings) -> dict[str, Any]:
    request = RunRequest(
        "ETHUSDT",
        "sma_cross",
        "1h",
        datetime(2025, 6, 17, tzinfo=UTC),
        datetime(2025, 6, 20, tzinfo=UTC),
        {},
    )
    result = run_backtest(request, settings)
    store = ResultStore(settings)
    store.save(result)
    store.close()
    return result


def test_list_detail_and_delete_all_of_stored_results(
    client: TestClient, settings: Settings
) -> None:
    first = _stored_result(settings)
    second = _stored_result(settings)
    listed = client.get("/backtests").json()
    assert {s["id"] for s in listed} == {first["id"], second["id"]}
    assert client.get("/backtests", params={"limit": 1}).json() == listed[:1]
    assert client.get("/backtests", params={"limit": 0}).status_code == 422
    detail = client.get(f"/backtests/{first['id']}").json()
    assert detail == {
        "id": first["id"],
        "status": "done",
        "progress": 1.0,
        "error": None,
        "result": first,
    }

    assert client.delete("/backtests").json() == {"deleted": 2}
    assert client.get("/backtests").json() == []
    assert list((settings.data_dir / "backtests").rglob("*.json")) == []
    assert client.delete("/backtests").json() == {"deleted": 0}


def test_a_result_stored_before_the_gates_gets_them_on_read(
    client: TestClient, settings: Settings
) -> None:
    """An older result file (no `gates`) loads with its gates computed from its trades,
    signals and metrics; one lacking what they need loads without them."""
    result = _stored_result(settings)
    [path] = (settings.data_dir / "backtests").rglob("*.json")
    old = {k: v for k, v in result.items() if k != "gates"}
    path.write_text(json.dumps(old), encoding="utf-8")
    body = client.get(f"/backtests/{result['id']}").json()["result"]
    assert body["gates"] == result["gates"]
    assert BacktestResultPublic.model_validate(body).gates is not None

    metrics = {k: v for k, v in old["metrics"].items() if k != "max_drawdown_pct"}
    older = {**{k: v for k, v in old.items() if k != "signals"}, "metrics": metrics}
    path.write_text(json.dumps(older), encoding="utf-8")
    body = client.get(f"/backtests/{result['id']}").json()["result"]
    assert "gates" not in body
    assert BacktestResultPublic.model_validate(body).gates is None
    assert json.loads(path.read_text(encoding="utf-8")) == older  # read, never rewritten


def test_a_corrupt_result_file_is_reported_and_kept(client: TestClient, settings: Settings) -> None:
    result = _stored_result(settings)
    [path] = (settings.data_dir / "backtests").rglob("*.json")
    path.write_text("{not json", encoding="utf-8")
    response = client.get(f"/backtests/{result['id']}")
    assert response.status_code == 422
    assert response.json()["detail"].startswith(
        f"result file of backtest {result['id']} is corrupt: backtests/"
    )
    assert path.read_text(encoding="utf-8") == "{not json"
    assert [s["id"] for s in client.get("/backtests").json()] == [result["id"]]


def test_a_stored_result_is_sent_as_its_very_bytes_until_the_file_changes(
    client: TestClient, settings: Settings
) -> None:
    """Once a result file is known to need no upgrade, `GET` sends its bytes as they are
    (the same body as decoding and re-encoding it); a changed file is read anew."""
    result = _stored_result(settings)
    [path] = (settings.data_dir / "backtests").rglob("*.json")
    url = f"/backtests/{result['id']}"
    first, again = client.get(url), client.get(url)
    assert again.content == first.content
    head = (
        b'{"id":"%s","status":"done","progress":1.0,"error":null,"result":' % result["id"].encode()
    )
    assert again.content == head + path.read_bytes() + b"}"
    assert again.json()["result"] == result

    old = {k: v for k, v in result.items() if k != "gates"}
    path.write_text(json.dumps(old, separators=(",", ":")), encoding="utf-8")
    assert client.get(url).json()["result"]["gates"] == result["gates"]
    path.write_text("{not json", encoding="utf-8")
    assert client.get(url).status_code == 422


def test_unfinished_jobs_are_failed_on_restart(settings: Settings, tmp_path: Path) -> None:
    store = ResultStore(settings)
    request = RunRequest(
        "BTCUSDT",
        "sma_cross",
        "15m",
        datetime(2025, 6, 17, tzinfo=UTC),
        datetime(2025, 6, 18, tzinfo=UTC),
        {},
    )
    queued = store.create_job(request)
    running = store.create_job(request)
    store.set_running(running)
    store.close()
    with api_client(create_app(settings, web_dist=tmp_path / "x")) as client:
        for job_id in (queued, running):
            body = client.get(f"/backtests/{job_id}").json()
            assert (body["status"], body["error"]) == ("failed", "interrupted by restart")


def test_a_truncated_candle_file_is_a_422_naming_the_file(
    client: TestClient, settings: Settings
) -> None:
    path = settings.data_dir / "candles" / "binance" / "BTCUSDT" / "1m.parquet"
    damaged = path.read_bytes()[:400]
    path.write_bytes(damaged)
    response = client.post(
        "/backtests",
        json={
            "pair": "BTCUSDT",
            "strategy": "sma_cross",
            "timeframe": "15m",
            "start": "2025-06-17",
            "end": "2025-06-24",
            "params": {},
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("unreadable BTCUSDT 1m candle file: ")
    assert str(path.parent) not in response.text
    assert path.read_bytes() == damaged
    assert client.get("/backtests").json() == []


def test_a_corrupted_candle_file_fails_the_backtest_with_the_check_summary(
    client: TestClient, settings: Settings
) -> None:
    summary = corrupt_candle_file(settings.data_dir)
    response = client.post(
        "/backtests",
        json={"pair": "BTCUSDT", "strategy": "sma_cross", "timeframe": "15m",
              "start": "2025-06-17", "end": "2025-06-24", "params": {}},
    )  # fmt: skip
    assert response.status_code == 202  # the footer is intact: the run itself finds out
    job = wait_for_backtest(client, response.json()["id"])
    assert (job["status"], job["result"]) == ("failed", None)
    assert job["error"] == (
        f"BTCUSDT 1m: {summary}; run `scalplab data check --symbol BTCUSDT --tf 1m`"
    )
