"""Sweeps in the app database: the request, the job state, every trial and window, compact.

Each finished task is written as it arrives (one short transaction), so a crash loses at
most the tasks in flight; resuming reads what is stored and runs only the rest.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from scalplab.backtests.sweeps.records import (
    SweepRequest,
    TrialOutcome,
    TrialPath,
    TrialScore,
    VerificationRecord,
    WalkForward,
)
from scalplab.backtests.sweeps.space import ParamValue
from scalplab.errors import ConflictError, NotFoundError
from scalplab.orders.properties import RunProperties
from scalplab.orders.runs import RunRequest
from scalplab.storage.db import Database
from scalplab.storage.models import utc_now
from scalplab.storage.models_research import Sweep, SweepTrial, SweepWindow
from scalplab.timeutil import from_ms

RESUMABLE = ("failed", "cancelled", "interrupted")
"""States a sweep can resume from."""
UNFINISHED = ("queued", "running")


@dataclass(frozen=True, slots=True)
class StoredTrial:
    """A stored task: what it tried and what it gave."""

    window: int
    kind: str
    number: int
    params: dict[str, ParamValue]
    status: str
    path: TrialPath
    objective: float | None
    score: TrialScore | None
    error: str | None
    duration_ms: float
    verification: VerificationRecord | None
    worker: str | None


class SweepStore:
    """Reads and writes sweeps, their trials and windows."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def create(self, request: SweepRequest, strategy_version: str) -> str:
        """A new queued sweep; returns its id."""
        now = datetime.now(UTC)
        sweep_id = f"{now.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(4)}"
        run = request.run
        with self.database.session() as session:
            session.add(
                Sweep(
                    id=sweep_id,
                    status="queued",
                    pair=run.pair,
                    strategy=run.strategy,
                    strategy_version=strategy_version,
                    timeframe=run.timeframe,
                    start=run.start,
                    end=run.end,
                    objective=request.objective,
                    sampler=request.sampler,
                    engine=request.engine,
                    request=request_to_json(request),
                    progress=0.0,
                    tasks_total=0,
                    tasks_done=0,
                    cancel_requested=False,
                    created_at=utc_now(),
                )
            )
        return sweep_id

    def get(self, sweep_id: str) -> Sweep:
        """The sweep row (`NotFoundError` when there is none)."""
        with self.database.session() as session:
            row = session.get(Sweep, sweep_id)
            if row is None:
                raise NotFoundError(f"no sweep {sweep_id!r}")
            return row

    def request(self, sweep_id: str) -> SweepRequest:
        """The request a stored sweep was started with."""
        return request_from_json(self.get(sweep_id).request)

    def recent(self, limit: int = 100, offset: int = 0) -> list[Sweep]:
        """Sweeps, newest first."""
        with self.database.session() as session:
            query = select(Sweep).order_by(Sweep.created_at.desc(), Sweep.id.desc())
            return list(session.scalars(query.limit(limit).offset(offset)))

    def start(self, sweep_id: str, tasks_total: int) -> None:
        """Mark it running (from queued, or from a resumable state)."""
        with self.database.session() as session:
            row = session.get(Sweep, sweep_id)
            if row is None:
                raise NotFoundError(f"no sweep {sweep_id!r}")
            row.status = "running"
            row.started_at = row.started_at or utc_now()
            row.finished_at = None
            row.error = None
            row.cancel_requested = False
            row.tasks_total = tasks_total

    def claim_resume(self, sweep_id: str) -> None:
        """Queue a resumable sweep again (`ConflictError` unless it is resumable)."""
        with self.database.session() as session:
            row = session.get(Sweep, sweep_id)
            if row is None:
                raise NotFoundError(f"no sweep {sweep_id!r}")
            if row.status not in RESUMABLE:
                raise ConflictError(
                    f"sweep {sweep_id} is {row.status}: only a failed, cancelled or interrupted "
                    "sweep resumes"
                )
            row.status = "queued"
            row.cancel_requested = False

    def progress(self, sweep_id: str, done: int, total: int) -> None:
        """How many tasks are done."""
        with self.database.session() as session:
            session.execute(
                update(Sweep)
                .where(Sweep.id == sweep_id)
                .values(tasks_done=done, tasks_total=total, progress=done / max(total, 1))
            )

    def request_cancel(self, sweep_id: str) -> Sweep:
        """Ask a running or queued sweep to stop (`ConflictError` when it has finished)."""
        with self.database.session() as session:
            row = session.get(Sweep, sweep_id)
            if row is None:
                raise NotFoundError(f"no sweep {sweep_id!r}")
            if row.status not in UNFINISHED:
                raise ConflictError(f"sweep {sweep_id} is {row.status}: nothing to cancel")
            row.cancel_requested = True
            return row

    def cancel_requested(self, sweep_id: str) -> bool:
        """Whether someone asked the sweep to stop."""
        with self.database.session() as session:
            flag = session.scalar(select(Sweep.cancel_requested).where(Sweep.id == sweep_id))
            return bool(flag)

    def finish(
        self, sweep_id: str, status: str, summary: Mapping[str, Any] | None, error: str | None
    ) -> None:
        """Record the end state, the summary and the error if any."""
        with self.database.session() as session:
            values: dict[str, Any] = {"status": status, "finished_at": utc_now(), "error": error}
            if summary is not None:
                values["summary"] = dict(summary)
            if status == "done":
                values["progress"] = 1.0
            session.execute(update(Sweep).where(Sweep.id == sweep_id).values(**values))

    def interrupt_unfinished(self) -> int:
        """At start-up: sweeps a dead process left running become `interrupted` (resumable)."""
        with self.database.session() as session:
            result = session.execute(
                update(Sweep)
                .where(Sweep.status.in_(UNFINISHED))
                .values(status="interrupted", error="the process running it stopped")
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def delete(self, sweep_id: str) -> None:
        """Delete a finished sweep with its trials and windows."""
        with self.database.session() as session:
            row = session.get(Sweep, sweep_id)
            if row is None:
                raise NotFoundError(f"no sweep {sweep_id!r}")
            if row.status in UNFINISHED:
                raise ConflictError(f"sweep {sweep_id} is {row.status}: cancel it first")
            session.execute(delete(SweepTrial).where(SweepTrial.sweep_id == sweep_id))
            session.execute(delete(SweepWindow).where(SweepWindow.sweep_id == sweep_id))
            session.delete(row)

    def add_trial(
        self, sweep_id: str, number: int, outcome: TrialOutcome, objective: float | None
    ) -> None:
        """Store one finished task (a task stored already is kept as it was)."""
        task = outcome.task
        row = SweepTrial(
            sweep_id=sweep_id,
            window=task.window.index,
            kind=task.kind,
            number=number,
            params=dict(task.params),
            status="done" if outcome.error is None else "failed",
            path=outcome.path,
            objective=objective,
            score=None if outcome.score is None else dataclasses.asdict(outcome.score),
            error=outcome.error,
            duration_ms=outcome.duration_ms,
            verification=None
            if outcome.verification is None
            else dataclasses.asdict(outcome.verification),
            worker=outcome.worker,
        )
        try:
            with self.database.session() as session:
                session.add(row)
        except Exception as exc:
            if not isinstance(exc.__cause__, IntegrityError):
                raise

    def trials(
        self, sweep_id: str, kind: str | None = None, window: int | None = None
    ) -> list[StoredTrial]:
        """Stored tasks, by window, kind and number."""
        with self.database.session() as session:
            query = select(SweepTrial).where(SweepTrial.sweep_id == sweep_id)
            if kind is not None:
                query = query.where(SweepTrial.kind == kind)
            if window is not None:
                query = query.where(SweepTrial.window == window)
            query = query.order_by(SweepTrial.window, SweepTrial.kind, SweepTrial.number)
            return [_stored(row) for row in session.scalars(query)]

    def count_trials(self, sweep_id: str) -> int:
        """Stored tasks of a sweep."""
        with self.database.session() as session:
            query = select(func.count()).select_from(SweepTrial)
            return int(session.scalar(query.where(SweepTrial.sweep_id == sweep_id)) or 0)

    def save_window(self, sweep_id: str, window: SweepWindow) -> None:
        """Store (or replace) one walk-forward window."""
        window.sweep_id = sweep_id
        with self.database.session() as session:
            session.merge(window)

    def windows(self, sweep_id: str) -> list[SweepWindow]:
        """Stored walk-forward windows, in order."""
        with self.database.session() as session:
            query = select(SweepWindow).where(SweepWindow.sweep_id == sweep_id)
            return list(session.scalars(query.order_by(SweepWindow.window)))


def _stored(row: SweepTrial) -> StoredTrial:
    return StoredTrial(
        window=row.window,
        kind=row.kind,
        number=row.number,
        params=dict(row.params),
        status=row.status,
        path=cast(TrialPath, row.path),
        objective=row.objective,
        score=None if row.score is None else TrialScore(**row.score),
        error=row.error,
        duration_ms=row.duration_ms,
        verification=None if row.verification is None else VerificationRecord(**row.verification),
        worker=row.worker,
    )


def request_to_json(request: SweepRequest) -> dict[str, Any]:
    """The request as stored (and shown): plain JSON values."""
    run = request.run
    return {
        "pair": run.pair,
        "strategy": run.strategy,
        "timeframe": run.timeframe,
        "start_ms": int(run.start.timestamp() * 1000),
        "end_ms": int(run.end.timestamp() * 1000),
        "params": dict(run.params),
        "risk": dict(run.risk),
        "breakers": run.breakers,
        "properties": run.properties.to_dict(),
        "grid": list(request.grid),
        "sampler": request.sampler,
        "trials": request.trials,
        "objective": request.objective,
        "walk_forward": None
        if request.walk_forward is None
        else [request.walk_forward.train_ms, request.walk_forward.test_ms],
        "engine": request.engine,
        "workers": request.workers,
        "seed": request.seed,
        "verify_top": request.verify_top,
        "verify_sample": request.verify_sample,
        "fast_path": request.fast_path,
    }


def request_from_json(data: Mapping[str, Any]) -> SweepRequest:
    """The request `request_to_json` stored."""
    wf = data.get("walk_forward")
    return SweepRequest(
        run=RunRequest(
            pair=data["pair"],
            strategy=data["strategy"],
            timeframe=data["timeframe"],
            start=from_ms(int(data["start_ms"])),
            end=from_ms(int(data["end_ms"])),
            params=dict(data.get("params", {})),
            risk=dict(data.get("risk", {})),
            breakers=bool(data.get("breakers", True)),
            properties=RunProperties.of(data.get("properties", {})),
        ),
        grid=tuple(data["grid"]),
        sampler=data["sampler"],
        trials=data.get("trials"),
        objective=data["objective"],
        walk_forward=None if wf is None else WalkForward(int(wf[0]), int(wf[1])),
        engine=data.get("engine", "local"),
        workers=int(data.get("workers", 2)),
        seed=int(data.get("seed", 42)),
        verify_top=int(data.get("verify_top", 10)),
        verify_sample=int(data.get("verify_sample", 5)),
        fast_path=bool(data.get("fast_path", True)),
    )
