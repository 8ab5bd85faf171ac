"""Kline downloads as background jobs: the Data tab's "download more from Binance".

Each job runs `download_range` on a thread of its own against `REST_URL`, reporting its
progress after every page; one job at a time per symbol and timeframe (another is a
`ConflictError`). A cancel stops it between pages (a rate-limit wait is cut short) and
keeps what it fetched, so a download of the same range later resumes from what is
stored. Jobs live in memory: a restart forgets them, never the candles they stored.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.candles import CandleStore
from scalplab.data.download import DownloadProgress, DownloadReport, download_range
from scalplab.data.integrity import ms_to_iso
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import ConflictError, InputError, NotFoundError, ScalpLabError, snippet

log = logging.getLogger(__name__)

DownloadStatus = Literal["queued", "running", "done", "failed", "cancelled"]
FINISHED: frozenset[str] = frozenset({"done", "failed", "cancelled"})
KEPT_JOBS = 50
"""Finished jobs remembered (the oldest are forgotten first)."""


@dataclass(frozen=True, slots=True)
class DownloadJob:
    """A download's state: what it asked, how far it is, and how it ended."""

    id: str
    symbol: str
    timeframe: str
    start_ms: int
    end_ms: int
    status: DownloadStatus
    created_at: datetime
    pages: int = 0
    fetched: int = 0
    expected: int = 0
    """Bars missing from the store in the range when the job began (0: nothing to do)."""
    added: int = 0
    total: int | None = None
    """Bars stored for the symbol and timeframe once the job ended."""
    error: str | None = None
    finished_at: datetime | None = None

    @property
    def fraction(self) -> float:
        """0..1: bars received of those expected (1 once done)."""
        if self.status == "done":
            return 1.0
        return min(1.0, self.fetched / self.expected) if self.expected else 0.0


ClientFactory = Callable[[Callable[[float], None]], BinanceRestClient]
"""A REST client for one job, given the `sleep` it must wait with (cut short by a cancel)."""


class DownloadJobs:
    """The running and recent downloads (thread-safe)."""

    def __init__(self, store: CandleStore, client_factory: ClientFactory) -> None:
        self.store = store
        self.client_factory = client_factory
        self._lock = threading.Lock()
        self._jobs: dict[str, DownloadJob] = {}
        self._stops: dict[str, threading.Event] = {}
        self._threads: dict[str, threading.Thread] = {}

    def submit(self, symbol: str, tf: str, start_ms: int, end_ms: int) -> DownloadJob:
        """Queue a download of `[start_ms, end_ms)` and start it; `ConflictError` when the
        same symbol and timeframe is already downloading."""
        name = normalize_symbol(symbol)
        timeframe_ms(tf)
        if start_ms >= end_ms:
            raise InputError(
                f"nothing to download: the start {ms_to_iso(start_ms)} is not before "
                f"{ms_to_iso(end_ms)} (the end, capped at now)"
            )
        with self._lock:
            busy = [
                job
                for job in self._jobs.values()
                if (job.symbol, job.timeframe) == (name, tf) and job.status not in FINISHED
            ]
            if busy:
                raise ConflictError(
                    f"{name} {tf} is already downloading (job {busy[0].id}); "
                    "wait for it or cancel it"
                )
            job = DownloadJob(
                id=uuid.uuid4().hex[:12],
                symbol=name,
                timeframe=tf,
                start_ms=start_ms,
                end_ms=end_ms,
                status="queued",
                created_at=datetime.now(UTC),
            )
            self._jobs[job.id] = job
            self._stops[job.id] = threading.Event()
            self._forget_old()
            thread = threading.Thread(
                target=self._run, args=(job.id,), name=f"download-{job.id}", daemon=True
            )
            self._threads[job.id] = thread
        thread.start()
        return job

    def _forget_old(self) -> None:
        finished = [job for job in self._jobs.values() if job.status in FINISHED]
        for job in sorted(finished, key=lambda j: j.created_at)[
            : max(0, len(finished) - KEPT_JOBS)
        ]:
            for table in (self._jobs, self._stops, self._threads):
                table.pop(job.id, None)

    def _update(self, job_id: str, **changes: object) -> None:
        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], **changes)  # type: ignore[arg-type]

    def _run(self, job_id: str) -> None:
        stop = self._stops[job_id]
        job = self.get(job_id)
        self._update(job_id, status="running")

        def progress(step: DownloadProgress) -> None:
            self._update(job_id, pages=step.pages, fetched=step.fetched, expected=step.expected)

        def sleep(seconds: float) -> None:  # a rate-limit wait, cut short by a cancel
            stop.wait(seconds)

        try:
            client = self.client_factory(sleep)
            try:
                report = download_range(
                    client,
                    self.store,
                    job.symbol,
                    job.timeframe,
                    job.start_ms,
                    job.end_ms,
                    progress=progress,
                    stop=stop.is_set,
                )
            finally:
                client.close()
        except ScalpLabError as exc:
            self._finish(job_id, "failed", error=exc.message)
        except Exception as exc:  # a bug: the job says so, the server goes on
            log.exception("download %s failed", job_id)
            self._finish(job_id, "failed", error=f"internal error ({type(exc).__name__})")
        else:
            self._finish(job_id, "cancelled" if report.cancelled else "done", report=report)

    def _finish(
        self,
        job_id: str,
        status: DownloadStatus,
        report: DownloadReport | None = None,
        error: str | None = None,
    ) -> None:
        changes: dict[str, object] = {
            "status": status,
            "error": error,
            "finished_at": datetime.now(UTC),
        }
        if report is not None:
            changes |= {"fetched": report.fetched, "added": report.added, "total": report.total}
        self._update(job_id, **changes)

    def get(self, job_id: str) -> DownloadJob:
        """One job; `NotFoundError` for an unknown id."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"no download {snippet(job_id)}")
        return job

    def list(self) -> list[DownloadJob]:
        """Every remembered job, newest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda job: job.created_at, reverse=True)

    def cancel(self, job_id: str) -> DownloadJob:
        """Ask a queued or running job to stop between pages (a finished one is returned
        as it is)."""
        job = self.get(job_id)
        if job.status not in FINISHED:
            self._stops[job_id].set()
        return self.get(job_id)

    def wait(self, job_id: str, timeout_s: float) -> DownloadJob:
        """The job once its thread ended (or after `timeout_s`)."""
        with self._lock:
            thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout_s)
        return self.get(job_id)

    def close(self, timeout_s: float = 10.0) -> None:
        """Cancel every unfinished job and wait for the threads to stop."""
        with self._lock:
            stops = list(self._stops.values())
            threads = list(self._threads.values())
        for stop in stops:
            stop.set()
        for thread in threads:
            thread.join(timeout_s)
