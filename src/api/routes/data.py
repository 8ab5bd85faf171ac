"""`/data`: what is stored (coverage), kline downloads as jobs, integrity checks and
deleting a range of stored candles."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from starlette.concurrency import run_in_threadpool

from scalplab.api.deps import DataDep
from scalplab.api.schemas.common import ErrorPublic, UtcDateTime
from scalplab.api.schemas.data import (
    CandlesDeleted,
    CheckCreate,
    CheckPublic,
    DownloadCreate,
    DownloadPublic,
    FundingCoveragePublic,
    GapPublic,
    MarketDayPublic,
    SymbolCoveragePublic,
    TimeframeCoveragePublic,
)
from scalplab.data.download import DAY_MS
from scalplab.data.integrity import Gap
from scalplab.data.market_store import StoredDay
from scalplab.data.store_coverage import SymbolCoverage
from scalplab.services.downloads import DownloadJob
from scalplab.timeutil import from_ms, to_ms

router = APIRouter(prefix="/data", tags=["data"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic},
    409: {"model": ErrorPublic},
    422: {"model": ErrorPublic},
}


def _time(ms: int | None) -> datetime | None:
    return None if ms is None else from_ms(ms)


def _gap(gap: Gap) -> GapPublic:
    return GapPublic(
        after=from_ms(gap.after_ms), before=from_ms(gap.before_ms), missing_bars=gap.missing_bars
    )


def _day(day: StoredDay) -> MarketDayPublic:
    return MarketDayPublic(
        stream=day.stream, day=day.day, rows=day.rows, missing_ids=day.missing_ids, error=day.error
    )


def _coverage(entry: SymbolCoverage) -> SymbolCoveragePublic:
    funding = entry.funding
    return SymbolCoveragePublic(
        symbol=entry.symbol,
        timeframes=[
            TimeframeCoveragePublic(
                timeframe=row.timeframe,
                first=from_ms(row.first_ms),
                last=from_ms(row.last_ms),
                bars=row.bars,
                gap_count=row.gap_count,
                missing_bars=row.missing_bars,
                largest_gaps=[_gap(gap) for gap in row.largest_gaps],
            )
            for row in entry.timeframes
        ],
        resampled=entry.resampled,
        funding=None
        if funding is None
        else FundingCoveragePublic(
            records=funding.records,
            first=_time(funding.first_ms),
            last=_time(funding.last_ms),
            expected=funding.expected,
            missing=funding.missing,
            missing_first=[from_ms(t) for t in funding.missing_first],
        ),
        market=[_day(day) for day in entry.market],
        errors=entry.errors,
    )


def _job(job: DownloadJob) -> DownloadPublic:
    return DownloadPublic(
        id=job.id,
        symbol=job.symbol,
        timeframe=job.timeframe,
        start=from_ms(job.start_ms),
        end=from_ms(job.end_ms),
        status=job.status,
        pages=job.pages,
        fetched=job.fetched,
        expected=job.expected,
        progress=job.fraction,
        added=job.added,
        total=job.total,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


@router.get("/coverage", response_model=list[SymbolCoveragePublic])
async def get_coverage(data: DataDep) -> list[SymbolCoveragePublic]:
    """Per symbol: stored timeframes (span, bars, holes), the timeframes resampled from
    1m, funding coverage and the recorded market-data days."""
    return [_coverage(entry) for entry in await run_in_threadpool(data.coverage)]


@router.post(
    "/downloads",
    response_model=DownloadPublic,
    status_code=status.HTTP_202_ACCEPTED,
    responses=ERRORS,
)
async def create_download(
    body: DownloadCreate, data: DataDep, response: Response
) -> DownloadPublic:
    """Start downloading closed klines from Binance (`REST_URL`) in the background; poll
    `GET /data/downloads/{id}`. Only what the store lacks in the range is fetched, so a
    download of a range cancelled before resumes where it stopped. 409 when the same
    symbol and timeframe is already downloading."""
    now = int(time.time() * 1000)
    if body.start is not None:
        start = to_ms(body.start)
        end = now if body.end is None else min(to_ms(body.end), now)
    else:
        start, end = now - (body.days or 0) * DAY_MS, now
    job = data.downloads.submit(body.symbol, body.timeframe, start, end)
    response.headers["Location"] = f"/data/downloads/{job.id}"
    return _job(job)


@router.get("/downloads", response_model=list[DownloadPublic])
async def list_downloads(data: DataDep) -> list[DownloadPublic]:
    """The running and recent downloads, newest first."""
    return [_job(job) for job in data.downloads.list()]


@router.get("/downloads/{download_id}", response_model=DownloadPublic, responses=ERRORS)
async def get_download(download_id: str, data: DataDep) -> DownloadPublic:
    """A download's status, progress and outcome."""
    return _job(data.downloads.get(download_id))


@router.post("/downloads/{download_id}/cancel", response_model=DownloadPublic, responses=ERRORS)
async def cancel_download(download_id: str, data: DataDep) -> DownloadPublic:
    """Stop a download between pages; what it fetched stays stored."""
    return _job(data.downloads.cancel(download_id))


@router.post("/check", response_model=CheckPublic, responses=ERRORS)
async def check_data(body: CheckCreate, data: DataDep) -> CheckPublic:
    """Gaps, duplicates, OHLC sanity and grid alignment of the stored candles (resampled
    from 1m when the timeframe has no file), and the symbol's market-data days."""
    checked = await run_in_threadpool(data.check, body.symbol, body.timeframe)
    report = checked.candles

    def times(values: list[int]) -> list[Any]:
        return [from_ms(t) for t in values]

    return CheckPublic(
        symbol=checked.symbol,
        timeframe=checked.timeframe,
        ok=checked.ok,
        resampled_from="1m" if checked.resampled else None,
        rows=0 if report is None else report.rows,
        first=None if report is None else _time(report.first_ms),
        last=None if report is None else _time(report.last_ms),
        missing_bars=0 if report is None else report.missing_bars,
        gaps=[] if report is None else [_gap(gap) for gap in report.gaps],
        duplicates=[] if report is None else times(report.duplicates),
        ohlc_violations=[] if report is None else times(report.ohlc_violations),
        misaligned=[] if report is None else times(report.misaligned),
        market=[_day(day) for day in checked.market],
    )


@router.delete("/candles/{symbol}/{tf}", response_model=CandlesDeleted, responses=ERRORS)
async def delete_candle_range(
    symbol: str,
    tf: str,
    data: DataDep,
    start: Annotated[UtcDateTime, Query(description="first bar to delete (UTC)")],
    end: Annotated[UtcDateTime, Query(description="end of the range, exclusive (UTC)")],
) -> CandlesDeleted:
    """Delete the stored bars opening in `[start, end)` in one atomic write (404: no
    such file; 422: a range holding no stored bar, nothing deleted)."""
    report = await run_in_threadpool(data.delete, symbol, tf, to_ms(start), to_ms(end))
    return CandlesDeleted(
        symbol=report.symbol,
        timeframe=report.timeframe,
        start=from_ms(report.start_ms),
        end=from_ms(report.end_ms),
        deleted=report.deleted,
        remaining=report.remaining,
        first=_time(report.first_ms),
        last=_time(report.last_ms),
    )
