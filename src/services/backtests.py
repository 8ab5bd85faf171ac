"""Backtest jobs: validate a run up front, queue it on the worker, read and delete results.

A run is a `RunRequest` (pair, strategy, timeframe, range, params, risk overrides, the
circuit-breaker switch, `allow_partial`). Everything it refers to is checked before a
job is indexed, so a bad request queues nothing. A finished job's result is the stored
JSON document (`BacktestJob.result`), returned as stored (`job_json`: as its very bytes
once they are known to need no decoding).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import math
import re
import threading
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from scalplab.backtests.compare import ComparedRun, compare_results
from scalplab.backtests.labels import label_backtest, matches
from scalplab.backtests.storage import BacktestJob, BacktestSummary, ResultStore
from scalplab.backtests.worker import BacktestWorker
from scalplab.config import Settings
from scalplab.data.features import check_market_data
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import InputError, NoDataError, ScalpLabError
from scalplab.limits import check_offset
from scalplab.orders.runs import RunRequest, market_request, run_risk
from scalplab.services.job_ends import JobEnds
from scalplab.services.market import datetime_to_ms, ms_to_datetime
from scalplab.services.references import References
from scalplab.strategies.overlays import Overlays

VERBATIM_KEYS = 512
"""Result files remembered as servable verbatim (`BacktestService.job_json`), at most."""

MIN_RANGE = timedelta(days=1)
MAX_RANGE = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class QueuedJob:
    """A job accepted by `submit`: poll it by id."""

    id: str
    status: Literal["queued"] = "queued"


TRADE_COLUMNS = (
    "symbol",
    "strategy",
    "side",
    "entry_time",
    "exit_time",
    "entry_price",
    "exit_price",
    "qty",
    "exit_reason",
    "fees",
    "funding",
    "pnl",
)
"""The columns of `trades_csv`, in order."""

NUMERIC_COLUMNS = frozenset({"entry_price", "exit_price", "qty", "fees", "funding", "pnl"})


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A file to download: its name, media type and content."""

    filename: str
    media_type: str
    content: str


def check_range(start: datetime, end: datetime) -> None:
    """`[start, end)` must span 1 to 30 days."""
    if end <= start:
        raise InputError(f"end {end.isoformat()} must be after start {start.isoformat()}")
    span = end - start
    if span < MIN_RANGE or span > MAX_RANGE:
        days = span.total_seconds() / 86_400
        raise InputError(f"the range must span 1 to 30 days, not {days:g} days")


class BacktestService:
    """The backtest actions: thin over `ResultStore` and `BacktestWorker`."""

    def __init__(
        self,
        settings: Settings,
        references: References,
        store: ResultStore,
        worker: BacktestWorker,
    ) -> None:
        self.settings = settings
        self.references = references
        self.store = store
        self.worker = worker
        self.ends = JobEnds()
        self._verbatim: dict[tuple[str, int, int], None] = {}
        self._verbatim_lock = threading.Lock()
        worker.add_listener(self._job_ended)

    def submit(self, request: RunRequest) -> QueuedJob:
        """Validate everything the run needs, index the job as queued and queue it.

        `InputError` for an unknown pair, strategy, timeframe or param, a range outside
        1 to 30 days, a risk override that is unknown or out of bounds; `NoDataError`
        when no stored candle falls in the range, or only some do and the request does
        not `allow_partial`, or the strategy declares market data the store lacks and the
        request is not `degraded` (nothing is queued or stored then).
        """
        symbol = self.references.symbol_with_candles(request.pair)
        info = self.references.strategy(request.strategy)
        self.references.timeframe(request.timeframe)
        check_range(request.start, request.end)
        resolved = info.resolve(dict(request.params), strict=True)
        run_risk(self.settings, request)  # the overrides, validated
        self._check_candles(symbol, request)
        wanted = market_request(
            request, info, resolved, datetime_to_ms(request.start), datetime_to_ms(request.end)
        )
        if wanted is not None:
            check_market_data(self.settings.data_dir, wanted)
        # the row shows every param value the run uses, defaults included
        job_id = self.store.create_job(
            replace(request, pair=symbol, strategy=info.name, params=resolved),
            strategy_version=info.version,
        )
        try:
            self.worker.submit(job_id, replace(request, pair=symbol, strategy=info.name))
        except BaseException as exc:
            self.store.set_failed(job_id, f"could not queue the backtest: {exc}")
            raise
        return QueuedJob(job_id)

    def _check_candles(self, symbol: str, request: RunRequest) -> None:
        timeframe = request.timeframe
        first, last, _ = self.references.candles.span(symbol, timeframe)
        step = timeframe_ms(timeframe)
        start_ms, end_ms = datetime_to_ms(request.start), datetime_to_ms(request.end)
        stored = f"stored: {_iso(ms_to_datetime(first))} to {_iso(ms_to_datetime(last + step))}"
        if end_ms <= first or start_ms > last:
            raise NoDataError(
                f"no {symbol} {timeframe} candles from {_iso(request.start)} to "
                f"{_iso(request.end)}; {stored}"
            )
        if not request.allow_partial and (start_ms < first or end_ms > last + step):
            raise NoDataError(
                f"the stored {symbol} {timeframe} candles cover only part of "
                f"{_iso(request.start)} to {_iso(request.end)} ({stored}): narrow the range "
                "or set allow_partial to run on the part that is stored"
            )

    def compare(self, ids: Sequence[str]) -> list[ComparedRun]:
        """Finished backtests side by side (`compare.compare_results`)."""
        return compare_results(self.store, ids)

    def list(
        self,
        limit: int | None = None,
        offset: int = 0,
        tag: str | None = None,
        text: str | None = None,
    ) -> list[BacktestSummary]:
        """Every backtest, newest first; with `tag` and/or `text`, only those carrying the
        tag and containing the text in their pair, strategy, timeframe, notes or tags."""
        if not tag and not text:
            return self.store.list(limit=limit, offset=offset)
        check_offset(offset)
        found = [summary for summary in self.store.list() if matches(summary, tag, text)]
        return found[offset : None if limit is None else offset + limit]

    def label(
        self, job_id: str, notes: str | None = None, tags: Sequence[str] | None = None
    ) -> BacktestSummary:
        """Set the notes and/or tags of one backtest (`labels.label_backtest`)."""
        return label_backtest(self.store, job_id, notes=notes, tags=tags)

    async def wait_end(self, job_id: str, seconds: float) -> None:
        """Return once job `job_id` is done or failed, or after `seconds` (at once when it
        has already ended; `NotFoundError` for an unknown id). Only this server's worker
        reports an end: a job run elsewhere waits the whole time."""
        async with self.ends.watch(job_id) as end:
            summary = await asyncio.to_thread(self.store.summary, job_id)
            if summary.status in ("queued", "running"):
                await end.wait(seconds)

    def _job_ended(self, job_id: str) -> None:
        """The worker ended job `job_id` (on its callback thread). A result it has just
        stored is `build_result`'s document written compact, with nothing for the store to
        upgrade on read: `job_json` may send its file as it is from the first request on
        (no decoding and re-encoding of megabytes while the user waits). Then the long
        polls waiting for it are woken."""
        try:
            text = self.store.result_text(job_id)
        except ScalpLabError:  # failed, or deleted meanwhile: no result to send
            text = None
        if text is not None:
            self._remember_verbatim((job_id, len(text), zlib.crc32(text.encode("utf-8"))))
        self.ends.notify(job_id)

    def _remember_verbatim(self, key: tuple[str, int, int]) -> None:
        with self._verbatim_lock:  # the request threads and the worker's callback thread
            if len(self._verbatim) >= VERBATIM_KEYS:
                self._verbatim.pop(next(iter(self._verbatim)))
            self._verbatim[key] = None

    def job(self, job_id: str) -> BacktestJob:
        """State and (when done) the stored result document of one backtest."""
        return self.store.job(job_id)

    def job_json(self, job_id: str) -> str:
        """`job` as the JSON text of `BacktestPublic` (compact, the result as decoded).

        A result file (megabytes) is decoded and re-encoded the first time; when that gives
        back its very text (a compact file the store upgrades nothing in on read), the file
        is remembered by its id, length and CRC-32 and from then on sent as it is: the same
        bytes without the decoding and re-encoding (a result this server's worker has just
        stored is remembered as it ends: `_job_ended`).
        """
        summary = self.store.summary(job_id)
        key: tuple[str, int, int] | None = None
        if summary.status == "done":
            text = self.store.result_text(job_id)
            key = (job_id, len(text), zlib.crc32(text.encode("utf-8")))
            if key in self._verbatim:
                return _envelope(summary.id, "done", summary.progress, summary.error, text)
        job = self.store.job(job_id)
        result = None if job.result is None else _compact(job.result)
        if key is not None and result == text:
            self._remember_verbatim(key)
        return _envelope(job.id, job.status, job.progress, job.error, result)

    def trades_csv(self, job_id: str) -> ExportFile:
        """Every trade of a finished backtest as CSV with a header (`TRADE_COLUMNS`; ISO
        UTC times, numbers as plain decimals). `NotFoundError` for an unknown id,
        `ConflictError` while it has no result."""
        result = self.store.get(job_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(TRADE_COLUMNS)
        for trade in result.get("trades") or []:
            writer.writerow(_trade_row(trade, result))
        name = _export_name(result, job_id)
        return ExportFile(f"{name}_trades.csv", "text/csv", buffer.getvalue())

    def result_file(self, job_id: str) -> ExportFile:
        """The stored result file of a finished backtest, as it is. `NotFoundError` for
        an unknown id, `ConflictError` while it has no result."""
        text = self.store.result_text(job_id)
        summary = self.store.summary(job_id)
        meta = {"pair": summary.pair, "strategy": summary.strategy, "timeframe": summary.timeframe}
        name = _export_name(meta, job_id)
        return ExportFile(f"{name}_result.json", "application/json", text)

    def overlays(self, job_id: str) -> Overlays:
        """The strategy's chart overlays over the run's stored candles with its stored
        params (nothing when the plugin declares none). `NotFoundError` for an unknown id."""
        summary = self.store.summary(job_id)
        info = self.references.strategy(summary.strategy)
        candles = self.references.candles.read(
            summary.pair,
            summary.timeframe,
            datetime_to_ms(summary.start),
            datetime_to_ms(summary.end),
        )
        overlays = info.cls.chart_overlays(candles, info.resolve(dict(summary.params)))
        return overlays if overlays is not None else Overlays()

    def delete(self, job_id: str) -> None:
        """Delete one backtest (a queued one is also taken off the worker's queue)."""
        self.store.delete(job_id)
        self.worker.cancel(job_id)

    def delete_all(self) -> int:
        """Delete every backtest; returns how many."""
        for job_id in self.worker.pending():
            self.worker.cancel(job_id)
        return self.store.delete_all()


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _envelope(
    job_id: str, status: str, progress: float, error: str | None, result: str | None
) -> str:
    """`{"id":…,"status":…,"progress":…,"error":…,"result":…}` around the result's JSON
    text: what `_compact` gives for the whole object."""
    head = _compact({"id": job_id, "status": status, "progress": progress, "error": error})
    return f'{head[:-1]},"result":{"null" if result is None else result}}}'


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _plain(value: object) -> str:
    """A number as a plain decimal (`1e-05` → `0.00001`); anything else as text."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return format(Decimal(repr(value)), "f")
    return str(value)


def _trade_row(trade: Mapping[str, Any], result: Mapping[str, Any]) -> list[str]:
    fallback = {"symbol": result.get("pair"), "strategy": result.get("strategy")}
    row = []
    for column in TRADE_COLUMNS:
        value = trade.get(column, fallback.get(column))
        row.append(_plain(value) if column in NUMERIC_COLUMNS else _text(value))
    return row


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _export_name(meta: Mapping[str, Any], job_id: str) -> str:
    """`{pair}_{strategy}_{tf}_{id}`, safe as a file name."""
    parts = (meta.get("pair"), meta.get("strategy"), meta.get("timeframe"), job_id)
    return "_".join(re.sub(r"[^A-Za-z0-9._-]+", "-", str(part or "")) for part in parts)
