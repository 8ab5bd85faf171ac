"""`/backtests`: queue a run (202), poll its state, list, label, compare, delete one or all."""

from __future__ import annotations

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
    BacktestUpdate,
    ComparedRunPublic,
)
from scalplab.api.schemas.common import ErrorPublic, PageOffset
from scalplab.api.schemas.overlays import OverlaysPublic
from scalplab.orders.properties import RunProperties
from scalplab.orders.runs import RunRequest
from scalplab.services.backtests import ExportFile

router = APIRouter(prefix="/backtests", tags=["backtests"])

MAX_WAIT_S = 10.0
"""The longest `GET /backtests/{id}?wait=` may hold its answer."""

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
        properties=RunProperties() if body.properties is None else body.properties.to_properties(),
    )
    queued = await run_in_threadpool(backtests.submit, request)
    response.headers["Location"] = f"/backtests/{queued.id}"
    return BacktestQueued(id=queued.id, status=queued.status)


@router.get("", response_model=list[BacktestSummaryPublic])
async def list_backtests(
    backtests: BacktestsDep,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    offset: PageOffset = 0,
    tag: Annotated[str | None, Query(max_length=32, description="only runs with this tag")] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="only runs with this text in pair, strategy, notes…"),
    ] = None,
) -> list[BacktestSummaryPublic]:
    """Every backtest (any status), newest first, with its key metrics once done, its run
    date (`created_at`), notes and tags. `tag` and `q` filter (ignoring case)."""
    summaries = await run_in_threadpool(backtests.list, limit, offset, tag, q)
    return [BacktestSummaryPublic.model_validate(s, from_attributes=True) for s in summaries]


@router.get("/compare", response_model=list[ComparedRunPublic], responses=ERRORS)
async def compare_backtests(
    backtests: BacktestsDep,
    ids: Annotated[
        str, Query(max_length=1000, description="2 to 6 finished backtest ids, comma-separated")
    ],
) -> list[ComparedRunPublic]:
    """Finished backtests side by side, in the order given: metrics and equity curves
    normalised to 100 at their start. 422 for fewer than 2 or more than 6 ids (or one
    given twice), 404 naming an unknown id, 409 for a run that has no result yet."""
    wanted = [part.strip() for part in ids.split(",")]
    runs = await run_in_threadpool(backtests.compare, wanted)
    return [ComparedRunPublic.model_validate(run, from_attributes=True) for run in runs]


@router.get("/{backtest_id}", response_model=BacktestPublic, responses=ERRORS)
async def get_backtest(
    backtest_id: str,
    backtests: BacktestsDep,
    wait: Annotated[
        float,
        Query(ge=0, le=MAX_WAIT_S, description="seconds to hold the answer until the job ends"),
    ] = 0,
) -> Response:
    """Status, progress, error, and the full result once done (`result` is null until then).

    `wait` (0–10 s) holds the answer until the queued or running job ends, or that long
    (a long poll: the result comes the moment it is stored, without polling delay)."""
    if wait > 0:
        await backtests.wait_end(backtest_id, wait)
    body = await run_in_threadpool(backtests.job_json, backtest_id)
    return Response(body, media_type="application/json")


@router.patch("/{backtest_id}", response_model=BacktestSummaryPublic, responses=ERRORS)
async def update_backtest(
    backtest_id: str, body: BacktestUpdate, backtests: BacktestsDep
) -> BacktestSummaryPublic:
    """Set the notes and/or tags of a backtest (any status); returns its list row.
    422 for notes over 2,000 characters, more than 10 tags or a malformed tag."""
    summary = await run_in_threadpool(backtests.label, backtest_id, body.notes, body.tags)
    return BacktestSummaryPublic.model_validate(summary, from_attributes=True)


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


@router.get("/{backtest_id}/overlays", response_model=OverlaysPublic, responses=ERRORS)
async def get_overlays(backtest_id: str, backtests: BacktestsDep) -> OverlaysPublic:
    """The strategy's own chart overlays (lines such as `sma_fast`, zones such as
    `order_block_bull` or `fvg_bear`) over the run's candles with its params, computed
    without look-ahead; both lists are empty when the plugin declares none. 404 for an
    unknown id."""
    overlays = await run_in_threadpool(backtests.overlays, backtest_id)
    return await run_in_threadpool(OverlaysPublic.of, overlays)


@router.delete("/{backtest_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
async def delete_backtest(backtest_id: str, backtests: BacktestsDep) -> None:
    """Delete one backtest: its result file and its row."""
    await run_in_threadpool(backtests.delete, backtest_id)


@router.delete("", response_model=BacktestsDeleted)
async def delete_all_backtests(backtests: BacktestsDep) -> BacktestsDeleted:
    """Delete every backtest; returns how many were deleted."""
    return BacktestsDeleted(deleted=await run_in_threadpool(backtests.delete_all))


def _download(export: ExportFile) -> Response:
    media_type = f"{export.media_type}; charset=utf-8"
    disposition = f'attachment; filename="{export.filename}"'
    return Response(
        export.content, media_type=media_type, headers={"Content-Disposition": disposition}
    )
