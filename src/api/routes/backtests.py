"""`/backtests`: queue a run (202), poll its state, list, delete one or all."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from starlette.concurrency import run_in_threadpool

from scalplab.api.deps import BacktestsDep
from scalplab.api.schemas.backtests import (
    BacktestCreate,
    BacktestPublic,
    BacktestQueued,
    BacktestsDeleted,
    BacktestSummaryPublic,
)
from scalplab.api.schemas.common import ErrorPublic, PageOffset
from scalplab.backtests.storage import BacktestJob
from scalplab.orders.runs import RunRequest
from scalplab.services.backtests import ExportFile

router = APIRouter(prefix="/backtests", tags=["backtests"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic},
    409: {"model": ErrorPublic},
    422: {"model": ErrorPublic},
}


@router.post(
    "",
    response_model=BacktestQueued,
    status_code=status.HTTP_202_ACCEPTED,
    responses=ERRORS,
)
async def create_backtest(
    body: BacktestCreate, backtests: BacktestsDep, response: Response
) -> BacktestQueued:
    """Validate and queue a backtest; it runs in the worker process. Poll `GET /backtests/{id}`.

    `risk` overrides risk settings for this run (unknown field or out of bounds: 422),
    `breakers: false` runs with every circuit breaker off, `allow_partial` runs on the
    stored part of a range the store covers only in part (else 422); a strategy that
    declares market data the store lacks is refused (422) unless `degraded: true`.
    """
    request = RunRequest(
        pair=body.pair,
        strategy=body.strategy,
        timeframe=body.timeframe,
        start=body.start,
        end=body.end,
        params=body.params,
        risk={} if body.risk is None else body.risk.model_dump(exclude_none=True),
        breakers=body.breakers,
        allow_partial=body.allow_partial,
        degraded=body.degraded,
    )
    queued = await run_in_threadpool(backtests.submit, request)
    response.headers["Location"] = f"/backtests/{queued.id}"
    return BacktestQueued(id=queued.id, status=queued.status)


@router.get("", response_model=list[BacktestSummaryPublic])
async def list_backtests(
    backtests: BacktestsDep,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    offset: PageOffset = 0,
) -> list[BacktestSummaryPublic]:
    """Every backtest (any status), newest first, with its key metrics once done."""
    summaries = await run_in_threadpool(backtests.list, limit, offset)
    return [BacktestSummaryPublic.model_validate(s, from_attributes=True) for s in summaries]


@router.get("/{backtest_id}", response_model=BacktestPublic, responses=ERRORS)
async def get_backtest(backtest_id: str, backtests: BacktestsDep) -> Response:
    """Status, progress, error, and the full result once done (`result` is null until then)."""
    job = await run_in_threadpool(backtests.job, backtest_id)
    body = await run_in_threadpool(_job_json, job)
    return Response(body, media_type="application/json")


@router.get(
    "/{backtest_id}/trades.csv",
    response_class=Response,
    responses={**ERRORS, 200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def export_trades(backtest_id: str, backtests: BacktestsDep) -> Response:
    """Every trade of a finished backtest as CSV (a download): symbol, strategy, side,
    entry/exit time (ISO UTC), entry/exit price, qty, exit reason, fees, funding, pnl.
    404 for an unknown id, 409 while it has no result."""
    export = await run_in_threadpool(backtests.trades_csv, backtest_id)
    return _download(export)


@router.get(
    "/{backtest_id}/result.json",
    response_class=Response,
    responses={**ERRORS, 200: {"content": {"application/json": {"schema": {"type": "object"}}}}},
)
async def export_result(backtest_id: str, backtests: BacktestsDep) -> Response:
    """The stored result file of a finished backtest as it is (a download).
    404 for an unknown id, 409 while it has no result."""
    export = await run_in_threadpool(backtests.result_file, backtest_id)
    return _download(export)


@router.delete("/{backtest_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
async def delete_backtest(backtest_id: str, backtests: BacktestsDep) -> None:
    """Delete one backtest: its result file and its row."""
    await run_in_threadpool(backtests.delete, backtest_id)


@router.delete("", response_model=BacktestsDeleted)
async def delete_all_backtests(backtests: BacktestsDep) -> BacktestsDeleted:
    """Delete every backtest; returns how many were deleted."""
    return BacktestsDeleted(deleted=await run_in_threadpool(backtests.delete_all))


def _job_json(job: BacktestJob) -> str:
    """The `BacktestPublic` body, the stored result document encoded as it is (results can
    be megabytes: no model validation on the way out)."""
    return json.dumps(
        {
            "id": job.id,
            "status": job.status,
            "progress": job.progress,
            "error": job.error,
            "result": job.result,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _download(export: ExportFile) -> Response:
    media_type = f"{export.media_type}; charset=utf-8"
    disposition = f'attachment; filename="{export.filename}"'
    return Response(
        export.content, media_type=media_type, headers={"Content-Disposition": disposition}
    )
