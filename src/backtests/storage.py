"""Stored backtest results: one JSON file per run, indexed by a database row.

The file (`DATA_DIR/backtests/{date}/{pair}_{strategy}_{tf}_{id}.json`) is the
result exactly as the runner produced it; the `backtests` row carries the job
state (queued → running → done | failed), the run's inputs, its key metrics and what a
degraded run substituted (`degraded`) so lists never open the files. Files are written
atomically (temp file + `os.replace`) and a failed operation leaves files and rows as
they were. A result stored before the go-live gates existed gets them computed on read
from its trades, signals and metrics (left out when it lacks what they need).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, Executable, delete, func, select, update
from sqlalchemy.orm import Session

from scalplab.backtests.degraded import DegradedCode, index_items, split
from scalplab.config import Settings
from scalplab.errors import ConflictError, DataError, NotFoundError, snippet
from scalplab.limits import check_offset
from scalplab.orders.gates import gates_of_result
from scalplab.storage.db import Database, open_database
from scalplab.storage.models import KEY_METRICS, Backtest, utc_now
from scalplab.storage.paths import backtest_result_path

log = logging.getLogger(__name__)

REQUIRED_FIELDS = ("id", "created_at", "pair", "strategy", "timeframe", "start", "end", "metrics")
MAX_ERROR_CHARS = 2000
UNFINISHED = ("queued", "running")


class JobRequest(Protocol):
    """What a backtest job needs to know up front (`runner.RunRequest` fits)."""

    @property
    def pair(self) -> str: ...
    @property
    def strategy(self) -> str: ...
    @property
    def timeframe(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def params(self) -> Mapping[str, object]: ...


@dataclass(frozen=True, slots=True)
class BacktestSummary:
    """One row of the backtest list: inputs, state and key metrics (no trades).

    `degraded` lists what a degraded run substituted or lacked (empty for a run that had
    all its declared market data, and for rows indexed before the column existed);
    `degraded_codes` the same as codes (empty for rows indexed before codes existed).
    """

    id: str
    status: str
    progress: float
    error: str | None
    pair: str
    strategy: str
    strategy_version: str | None
    timeframe: str
    start: datetime
    end: datetime
    params: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None
    metrics: dict[str, float | int | None] | None
    result_hash: str | None
    degraded: list[str]
    degraded_codes: list[DegradedCode]
    notes: str
    tags: list[str]

    @classmethod
    def from_row(cls, row: Backtest) -> BacktestSummary:
        """Build from an index row; metrics only once the run is done."""
        metrics: dict[str, float | int | None] | None = None
        if row.status == "done":
            metrics = {name: getattr(row, name) for name in KEY_METRICS}
        return cls(
            id=row.id,
            status=row.status,
            progress=row.progress,
            error=row.error,
            pair=row.pair,
            strategy=row.strategy,
            strategy_version=row.strategy_version,
            timeframe=row.timeframe,
            start=row.start,
            end=row.end,
            params=dict(row.params),
            created_at=row.created_at,
            finished_at=row.finished_at,
            metrics=metrics,
            result_hash=row.result_hash,
            degraded=split(row.degraded)[0],
            degraded_codes=split(row.degraded)[1],
            notes=row.notes or "",
            tags=list(row.tags or []),
        )


@dataclass(frozen=True, slots=True)
class BacktestJob:
    """State of one backtest as the API reports it; `result` only when done."""

    id: str
    status: str
    progress: float
    error: str | None
    result: dict[str, Any] | None


def new_backtest_id(now: datetime | None = None) -> str:
    """A sortable, unique id: `YYYYMMDDTHHMMSS-xxxxxxxx` (UTC, 8 random hex digits)."""
    moment = now or utc_now()
    return f"{moment:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"


def one_line(message: str) -> str:
    """A message as one bounded line (what the job row and the API show)."""
    text = " ".join(message.split())
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


class ResultStore:
    """Backtest results on disk plus their database index, and the job-state helpers.

    Pass an open `Database` to share it (the API does); without one the store
    migrates and opens the database of `settings` itself.
    """

    def __init__(self, settings: Settings, database: Database | None = None) -> None:
        self.settings = settings
        self.data_dir = settings.data_dir
        self._owns_database = database is None
        self.db = database if database is not None else open_database(settings)

    def close(self) -> None:
        """Release the database when this store opened it."""
        if self._owns_database:
            self.db.dispose()

    # ------------------------------------------------------------------ results

    def save(self, result: Mapping[str, Any]) -> Path:
        """Write the result file atomically and insert or update its index row."""
        path = self._store(result, job_must_exist=False)
        if path is None:  # unreachable: only a job-bound store is ever dropped
            raise DataError(f"backtest {result.get('id')} could not be indexed")
        return path

    def get(self, result_id: str) -> dict[str, Any]:
        """The full stored result of a finished backtest."""
        with self.db.session() as session:
            row = self._row(session, result_id)
            if row.status != "done":
                raise ConflictError(f"backtest {result_id} is {row.status}: it has no result yet")
            return self._read(row)

    def result_text(self, result_id: str) -> str:
        """The stored result file of a finished backtest, as it is (`ConflictError` while
        it has no result yet)."""
        with self.db.session() as session:
            row = self._row(session, result_id)
            if row.status != "done":
                raise ConflictError(f"backtest {result_id} is {row.status}: it has no result yet")
            return self._read_text(row)

    def job(self, result_id: str) -> BacktestJob:
        """Status, progress, error and (when done) the result of one backtest."""
        with self.db.session() as session:
            row = self._row(session, result_id)
            result = self._read(row) if row.status == "done" else None
            return BacktestJob(row.id, row.status, row.progress, row.error, result)

    def summary(self, result_id: str) -> BacktestSummary:
        """The list entry of one backtest."""
        with self.db.session() as session:
            return BacktestSummary.from_row(self._row(session, result_id))

    def list(self, limit: int | None = None, offset: int = 0) -> list[BacktestSummary]:
        """Every backtest (any status), newest first."""
        check_offset(offset)
        query = (
            select(Backtest)
            .order_by(Backtest.created_at.desc(), Backtest.id.desc())
            .offset(offset)
            .limit(limit)
        )
        with self.db.session() as session:
            return [BacktestSummary.from_row(row) for row in session.scalars(query)]

    def count(self) -> int:
        """How many backtests are indexed."""
        with self.db.session() as session:
            return int(session.scalar(select(func.count()).select_from(Backtest)) or 0)

    def delete(self, result_id: str) -> None:
        """Remove one backtest: its file, then its row (kept if the file cannot be removed)."""
        with self.db.session() as session:
            row = self._row(session, result_id)
            path = self._absolute(row.result_path)
            session.delete(row)
            session.flush()
            if path is not None:
                self._unlink(path)

    def delete_all(self) -> int:
        """Remove every backtest (files and rows); returns how many there were."""
        with self.db.session() as session:
            paths = [
                self._absolute(stored) for stored in session.scalars(select(Backtest.result_path))
            ]
            count = _execute(session, delete(Backtest))
        failures: list[str] = []
        for path in filter(None, paths):
            try:
                self._unlink(path)
            except DataError as exc:
                failures.append(exc.message)
        if failures:
            raise DataError(
                f"deleted {count} backtests but {len(failures)} result files could not be "
                f"removed: {failures[0]}"
            )
        return int(count)

    # --------------------------------------------------------------------- jobs

    def create_job(self, request: JobRequest, strategy_version: str | None = None) -> str:
        """Index a queued backtest for `request`; returns its new id."""
        job_id = new_backtest_id()
        with self.db.session() as session:
            session.add(
                Backtest(
                    id=job_id,
                    status="queued",
                    progress=0.0,
                    pair=request.pair,
                    strategy=request.strategy,
                    strategy_version=strategy_version,
                    timeframe=request.timeframe,
                    start=request.start,
                    end=request.end,
                    params=dict(request.params),
                    created_at=utc_now(),
                )
            )
        return job_id

    def set_running(self, job_id: str) -> bool:
        """Queued → running; False when the job is gone or no longer queued."""
        return self._update(job_id, ("queued",), status="running", progress=0.0)

    def set_progress(self, job_id: str, fraction: float) -> bool:
        """Record progress (clamped to 0..1) of a running job."""
        value = min(max(float(fraction), 0.0), 1.0) if math.isfinite(fraction) else 0.0
        return self._update(job_id, ("running",), progress=value)

    def set_failed(self, job_id: str, message: str) -> bool:
        """Mark an unfinished job failed with a one-line reason."""
        return self._update(
            job_id, UNFINISHED, status="failed", error=one_line(message), finished_at=utc_now()
        )

    def set_done(self, job_id: str, result: Mapping[str, Any]) -> Path | None:
        """Store the result of job `job_id` under that id; None if the job was deleted."""
        return self._store({**result, "id": job_id}, job_must_exist=True)

    def fail_unfinished(self, message: str = "interrupted by restart") -> int:
        """Mark every queued/running job failed (their process is gone); returns the count."""
        with self.db.session() as session:
            return _execute(
                session,
                update(Backtest)
                .where(Backtest.status.in_(UNFINISHED))
                .values(status="failed", error=one_line(message), finished_at=utc_now()),
            )

    # ------------------------------------------------------------------ helpers

    def _row(self, session: Session, result_id: str) -> Backtest:
        row = session.get(Backtest, result_id)
        if row is None:
            raise NotFoundError(f"no backtest with id {snippet(result_id)}")
        return row

    def _update(self, job_id: str, statuses: tuple[str, ...], **values: Any) -> bool:
        with self.db.session() as session:
            changed = _execute(
                session,
                update(Backtest)
                .where(Backtest.id == job_id, Backtest.status.in_(statuses))
                .values(**values),
            )
            return changed > 0

    def _absolute(self, stored: str | None) -> Path | None:
        return self.data_dir / stored if stored else None

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.data_dir).as_posix()

    def _read_text(self, row: Backtest) -> str:
        path = self._absolute(row.result_path)
        if path is None:
            raise DataError(f"backtest {row.id} is done but has no result file recorded")
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DataError(
                f"result file of backtest {row.id} is missing: {row.result_path}"
            ) from None
        except OSError as exc:
            raise DataError(
                f"result file of backtest {row.id} cannot be read: {row.result_path}: "
                f"{exc.strerror}"
            ) from None
        return text

    def _read(self, row: Backtest) -> dict[str, Any]:
        text = self._read_text(row)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"result file of backtest {row.id} is corrupt: {row.result_path}: {exc.msg} "
                f"at line {exc.lineno}"
            ) from None
        if not isinstance(data, dict):
            raise DataError(
                f"result file of backtest {row.id} is corrupt: {row.result_path}: not a JSON object"
            )
        if "gates" not in data:
            gates = gates_of_result(data)
            if gates is not None:
                data["gates"] = gates
        settings = data.get("settings")
        if isinstance(settings, dict) and settings and "funding_model" not in settings:
            settings["funding_model"] = "recorded"  # stored before runs had funding models
        return data

    def _store(self, result: Mapping[str, Any], *, job_must_exist: bool) -> Path | None:
        values = _index_values(result)
        try:
            path = backtest_result_path(
                self.data_dir,
                str(result["created_at"])[:10],
                str(result["pair"]),
                str(result["strategy"]),
                str(result["timeframe"]),
                str(result["id"]),
            )
        except ValueError as exc:
            raise DataError(f"backtest result cannot be stored: {exc}") from None
        existed = path.exists()
        _write_json_atomic(path, result)
        try:
            with self.db.session() as session:
                row = session.get(Backtest, values["id"])
                if row is None and job_must_exist:
                    log.info("backtest %s was deleted while running; result dropped", values["id"])
                    if not existed:
                        path.unlink(missing_ok=True)
                    return None
                if row is None:
                    row = Backtest(id=values["id"], created_at=values["created_at"])
                    session.add(row)
                for name, value in values.items():
                    if name != "created_at":
                        setattr(row, name, value)
                row.status = "done"
                row.progress = 1.0
                row.error = None
                row.finished_at = utc_now()
                row.result_path = self._relative(path)
        except BaseException:
            if not existed:
                path.unlink(missing_ok=True)
            raise
        return path

    def _unlink(self, path: Path) -> None:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise DataError(
                f"cannot remove result file {self._relative(path)}: {exc.strerror}"
            ) from None
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # the date folder, once empty


def _execute(session: Session, statement: Executable) -> int:
    """Run a bulk UPDATE/DELETE; returns the number of rows it touched."""
    outcome = cast("CursorResult[Any]", session.execute(statement))
    return int(outcome.rowcount)


def _index_values(result: Mapping[str, Any]) -> dict[str, Any]:
    """The row columns a result fills; `DataError` when it lacks something required."""
    missing = [name for name in REQUIRED_FIELDS if name not in result]
    if missing:
        raise DataError(f"backtest result is malformed: missing {', '.join(missing)}")
    metrics = result["metrics"]
    if not isinstance(metrics, Mapping):
        raise DataError("backtest result is malformed: metrics is not an object")
    values: dict[str, Any] = {
        "id": str(result["id"]),
        "pair": str(result["pair"]),
        "strategy": str(result["strategy"]),
        "strategy_version": _optional_str(result.get("strategy_version")),
        "timeframe": str(result["timeframe"]),
        "start": _timestamp(result["start"], "start"),
        "end": _timestamp(result["end"], "end"),
        "created_at": _timestamp(result["created_at"], "created_at"),
        "params": dict(result.get("params") or {}),
        "result_hash": _optional_str(result.get("result_hash")),
        "degraded": index_items(result.get("degraded"), result.get("degraded_codes")),
    }
    for name in KEY_METRICS:
        values[name] = _metric(metrics.get(name), integer=name == "trades")
    return values


def _timestamp(value: object, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise DataError(
            f"backtest result is malformed: {name}={snippet(value)} is not ISO-8601"
        ) from None
    if moment.tzinfo is None:
        raise DataError(f"backtest result is malformed: {name}={snippet(value)} has no UTC offset")
    return moment


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _metric(value: object, *, integer: bool) -> float | int | None:
    """A finite number for an index column (anything else is stored as NULL)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value):
        return None
    return int(value) if integer else float(value)


def _write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """Write `data` as compact JSON beside `path`, fsync, then rename over it (compact:
    the C encoder, several times faster than an indented dump of a megabytes result)."""
    try:
        payload = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise DataError(f"backtest result is not valid JSON: {exc}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
