"""`ResultStore`: result files + index rows, job states, failure cases (real files, real SQLite).

The result stored here is a REAL run of the runner on one real week of BTCUSDT.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scalplab.backtests.runner import run_backtest
from scalplab.backtests.storage import ResultStore, new_backtest_id, one_line
from scalplab.errors import ConflictError, DataError, NotFoundError
from scalplab.orders.runs import RunRequest
from scalplab.storage.models import Backtest
from tests.conftest import make_settings

START = datetime(2025, 6, 17, tzinfo=UTC)
END = datetime(2025, 6, 24, tzinfo=UTC)


@pytest.fixture(scope="module")
def real_result(real_week_dir: Path) -> dict[str, Any]:
    """One real sma_cross run on 15m bars of the real week."""
    request = RunRequest("BTCUSDT", "sma_cross", "15m", START, END, {"fast": 5})
    return run_backtest(request, make_settings(real_week_dir))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ResultStore]:
    """A store over an empty tmp data dir (it migrates its own SQLite file)."""
    result_store = ResultStore(make_settings(tmp_path / "data"))
    yield result_store
    result_store.close()


@dataclass(frozen=True)
class Request:
    pair: str = "BTCUSDT"
    strategy: str = "sma_cross"
    timeframe: str = "15m"
    start: datetime = START
    end: datetime = END
    params: dict[str, object] = field(default_factory=lambda: {"fast": 5})


def _files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "backtests").rglob("*") if p.is_file())


def test_save_writes_the_result_file_and_indexes_it(
    store: ResultStore, real_result: dict[str, Any]
) -> None:
    path = store.save(real_result)
    expected = (
        store.data_dir
        / "backtests"
        / real_result["created_at"][:10]
        / f"BTCUSDT_sma_cross_15m_{real_result['id']}.json"
    )
    assert path == expected
    assert json.loads(path.read_text(encoding="utf-8")) == real_result
    assert _files(store.data_dir) == [path]  # no temp file left behind
    assert store.get(real_result["id"]) == real_result

    [summary] = store.list()
    metrics = real_result["metrics"]
    assert summary.id == real_result["id"]
    assert summary.status == "done" and summary.progress == 1.0 and summary.error is None
    assert (summary.pair, summary.strategy, summary.timeframe) == ("BTCUSDT", "sma_cross", "15m")
    assert summary.strategy_version == real_result["strategy_version"]
    assert (summary.start, summary.end) == (START, END)
    assert summary.params == real_result["params"]
    assert summary.result_hash == real_result["result_hash"]
    assert summary.metrics == {
        "trades": metrics["trades"],
        "win_rate": metrics["win_rate"],
        "net_pnl": metrics["net_pnl"],
        "return_pct": metrics["return_pct"],
        "max_drawdown_pct": metrics["max_drawdown_pct"],
        "profit_factor": metrics["profit_factor"],
        "sharpe": metrics["sharpe"],
    }
    assert (summary.notes, summary.tags) == ("", [])
    assert store.count() == 1
    assert store.summary(real_result["id"]) == summary


def test_saving_again_updates_the_same_row(store: ResultStore, real_result: dict[str, Any]) -> None:
    store.save(real_result)
    store.save(real_result)
    assert store.count() == 1
    assert len(_files(store.data_dir)) == 1


def test_list_is_newest_first_with_limit_and_offset(
    store: ResultStore, real_result: dict[str, Any]
) -> None:
    ids = []
    for day in ("2026-01-01", "2026-03-01", "2026-02-01"):
        result = {
            **real_result,
            "id": f"{day.replace('-', '')}T000000-00000000",
            "created_at": f"{day}T00:00:00Z",
        }
        store.save(result)
        ids.append(result["id"])
    assert [s.id for s in store.list()] == [ids[1], ids[2], ids[0]]
    assert [s.id for s in store.list(limit=1, offset=1)] == [ids[2]]


def test_delete_removes_file_and_row(store: ResultStore, real_result: dict[str, Any]) -> None:
    path = store.save(real_result)
    store.delete(real_result["id"])
    assert not path.exists()
    assert not path.parent.exists()  # the emptied date folder goes too
    assert store.list() == []
    with pytest.raises(NotFoundError, match="no backtest with id"):
        store.get(real_result["id"])


def test_delete_unknown_id_changes_nothing(store: ResultStore, real_result: dict[str, Any]) -> None:
    path = store.save(real_result)
    with pytest.raises(NotFoundError, match="no backtest with id 'nope'"):
        store.delete("nope")
    assert path.is_file() and store.count() == 1


def test_delete_all_returns_the_count(store: ResultStore, real_result: dict[str, Any]) -> None:
    store.save(real_result)
    store.save({**real_result, "id": "20260101T000000-11111111"})
    store.create_job(Request())
    assert store.delete_all() == 3
    assert store.list() == [] and _files(store.data_dir) == []
    assert store.delete_all() == 0


def test_a_corrupt_result_file_is_a_data_error_and_nothing_is_deleted(
    store: ResultStore, real_result: dict[str, Any]
) -> None:
    path = store.save(real_result)
    path.write_text('{"id": "truncated', encoding="utf-8")
    with pytest.raises(DataError, match=r"result file of backtest .* is corrupt: backtests/"):
        store.get(real_result["id"])
    with pytest.raises(DataError, match="is corrupt"):
        store.job(real_result["id"])
    assert path.read_text(encoding="utf-8") == '{"id": "truncated'
    assert store.count() == 1

    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(DataError, match="not a JSON object"):
        store.get(real_result["id"])


def test_a_missing_result_file_is_a_data_error_and_the_row_stays(
    store: ResultStore, real_result: dict[str, Any]
) -> None:
    path = store.save(real_result)
    path.unlink()
    with pytest.raises(DataError, match=r"result file of backtest .* is missing: backtests/"):
        store.get(real_result["id"])
    assert store.count() == 1
    store.delete(real_result["id"])  # still deletable
    assert store.count() == 0


def test_a_malformed_result_is_refused_and_nothing_is_stored(
    store: ResultStore, real_result: dict[str, Any]
) -> None:
    broken = {k: v for k, v in real_result.items() if k != "metrics"}
    with pytest.raises(DataError, match="missing metrics"):
        store.save(broken)
    with pytest.raises(DataError, match="start='yesterday' is not ISO-8601"):
        store.save({**real_result, "start": "yesterday"})
    with pytest.raises(DataError, match="has no UTC offset"):
        store.save({**real_result, "end": "2025-06-24T00:00:00"})
    with pytest.raises(DataError, match="cannot be stored: invalid pair"):
        store.save({**real_result, "pair": "../etc"})
    with pytest.raises(DataError, match="metrics is not an object"):
        store.save({**real_result, "metrics": [1]})
    with pytest.raises(DataError, match="not valid JSON"):
        store.save({**real_result, "metrics": {**real_result["metrics"], "sharpe": math.inf}})
    assert store.count() == 0 and _files(store.data_dir) == []


def test_a_degraded_run_is_indexed_with_what_it_substituted(
    store: ResultStore, real_result: dict[str, Any]
) -> None:
    assert real_result["degraded"] == []  # sma_cross declares no market data
    lines = ["funding for 2025-06-17 to 2025-06-23: the last settled rate from the funding store"]
    degraded_id = "20260101T000000-22222222"
    store.save({**real_result, "id": degraded_id, "degraded": lines})
    store.save(real_result)
    assert store.summary(degraded_id).degraded == lines
    assert store.summary(real_result["id"]).degraded == []
    with store.db.session() as session:  # a row indexed before the column existed
        row = session.get(Backtest, real_result["id"])
        assert row is not None and row.degraded == []
        row.degraded = None
    assert store.summary(real_result["id"]).degraded == []
    store.save({**real_result, "id": degraded_id, "degraded": []})  # re-indexed: not degraded
    assert store.summary(degraded_id).degraded == []
    with pytest.raises(DataError, match="degraded is not a list"):
        store.save({**real_result, "degraded": "funding"})


def test_a_degraded_run_s_codes_are_indexed_beside_its_lines(
    store: ResultStore, real_result: dict[str, Any]
) -> None:
    lines = ["funding for 2025-06-17: the last settled rate from the funding store (no next "
             "funding time)", "depth20 for 2025-06-17: missing: None"]  # fmt: skip
    days = {"days": "2025-06-17", "first": "2025-06-17", "last": "2025-06-17", "count": 1}
    codes = [
        {"code": "funding_last_rate", "params": {"data": "funding", **days}},
        {"code": "missing", "params": {"data": "depth20", **days}},
    ]
    store.save({**real_result, "degraded": lines, "degraded_codes": codes})
    summary = store.summary(real_result["id"])
    assert summary.degraded == lines
    assert [(c.code, c.params) for c in summary.degraded_codes] == [
        (c["code"], c["params"]) for c in codes
    ]
    # a result stored before codes, or with codes that do not match its lines: lines only
    for stored in ({}, {"degraded_codes": codes[:1]}, {"degraded_codes": [{"params": {}}] * 2}):
        store.save({**real_result, "degraded": lines, **stored})
        summary = store.summary(real_result["id"])
        assert (summary.degraded, summary.degraded_codes) == (lines, [])


def test_non_numeric_metrics_are_indexed_as_null(
    store: ResultStore, real_result: dict[str, Any]
) -> None:
    metrics = {**real_result["metrics"], "profit_factor": None, "win_rate": True}
    store.save({**real_result, "metrics": metrics})
    [summary] = store.list()
    assert summary.metrics is not None
    assert summary.metrics["profit_factor"] is None and summary.metrics["win_rate"] is None


def test_job_lifecycle_queued_running_done(store: ResultStore, real_result: dict[str, Any]) -> None:
    job_id = store.create_job(Request(), strategy_version="1.0.0")
    job = store.job(job_id)
    assert (job.status, job.progress, job.error, job.result) == ("queued", 0.0, None, None)
    [summary] = store.list()
    assert summary.metrics is None and summary.params == {"fast": 5}
    with pytest.raises(ConflictError, match=f"backtest {job_id} is queued: it has no result yet"):
        store.get(job_id)

    assert store.set_progress(job_id, 0.5) is False  # not running yet
    assert store.set_running(job_id) is True
    assert store.set_running(job_id) is False  # only from queued
    assert store.set_progress(job_id, 1.7) is True
    assert store.job(job_id).progress == 1.0
    assert store.set_progress(job_id, math.nan) is True
    assert store.job(job_id).progress == 0.0

    path = store.set_done(job_id, real_result)
    assert path is not None and job_id in path.name
    done = store.job(job_id)
    assert done.status == "done" and done.progress == 1.0
    assert done.result == {**real_result, "id": job_id}
    assert store.summary(job_id).created_at == summary.created_at  # the job's own time
    assert store.set_failed(job_id, "late failure") is False  # done stays done


def test_failed_jobs_keep_a_one_line_message(store: ResultStore) -> None:
    job_id = store.create_job(Request())
    assert store.set_failed(job_id, "strategy 'x' failed:\n  ValueError: boom\n")
    job = store.job(job_id)
    assert job.status == "failed"
    assert job.error == "strategy 'x' failed: ValueError: boom"
    assert store.summary(job_id).finished_at is not None
    assert len(one_line("x" * 5000)) == 2000


def test_result_of_a_deleted_job_is_dropped(
    store: ResultStore, real_result: dict[str, Any]
) -> None:
    job_id = store.create_job(Request())
    store.set_running(job_id)
    store.delete(job_id)
    assert store.set_done(job_id, real_result) is None
    assert _files(store.data_dir) == [] and store.count() == 0
    assert store.set_progress(job_id, 0.5) is False


def test_fail_unfinished_marks_queued_and_running_jobs(
    store: ResultStore, real_result: dict[str, Any]
) -> None:
    queued = store.create_job(Request())
    running = store.create_job(Request())
    store.set_running(running)
    store.save(real_result)
    assert store.fail_unfinished() == 2
    for job_id in (queued, running):
        job = store.job(job_id)
        assert (job.status, job.error) == ("failed", "interrupted by restart")
    assert store.job(real_result["id"]).status == "done"


def test_ids_sort_by_time_and_are_unique() -> None:
    first = new_backtest_id(datetime(2025, 6, 1, 12, tzinfo=UTC))
    assert first.startswith("20250601T120000-") and len(first) == 24
    assert len({new_backtest_id() for _ in range(100)}) == 100


def test_a_shared_database_is_not_closed_by_the_store(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    owner = ResultStore(settings)
    borrower = ResultStore(settings, owner.db)
    borrower.close()
    assert owner.db.ping() is True
    owner.close()
