"""`/sweeps`: queue a parameter sweep (202), poll it, read its trials, cancel, resume, delete."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from starlette.concurrency import run_in_threadpool

from scalplab.api.deps import SweepsDep
from scalplab.api.schemas.common import ErrorPublic, PageLimit, PageOffset
from scalplab.api.schemas.sweeps import SweepCreate, SweepPublic, SweepTrialPublic
from scalplab.backtests.sweeps.records import SweepRequest, TaskKind
from scalplab.backtests.sweeps.walkforward import MAX_WINDOWS, parse_walk_forward
from scalplab.orders.properties import RunProperties
from scalplab.orders.runs import RunRequest
from scalplab.services.sweeps import SweepRecord

router = APIRouter(prefix="/sweeps", tags=["sweeps"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic},
    409: {"model": ErrorPublic},
    422: {"model": ErrorPublic},
}


@router.post(
    "",
    response_model=SweepPublic,
    status_code=status.HTTP_202_ACCEPTED,
    responses=ERRORS,
)
async def create_sweep(body: SweepCreate, sweeps: SweepsDep, response: Response) -> SweepPublic:
    """Check every input, then queue the sweep; it runs on the server's sweep thread, one
    sweep at a time. Poll `GET /sweeps/{id}`.

    Refused (422, nothing stored) for an unknown pair, strategy, timeframe, param or
    objective, a grid value outside a param's bounds, more `trials` than the grid holds,
    a walk-forward window shorter than the strategy's warm-up, candles the store lacks.
    """
    request = SweepRequest(
        run=RunRequest(
            pair=body.pair,
            strategy=body.strategy,
            timeframe=body.timeframe,
            start=body.start,
            end=body.end,
            params=body.params,
            risk=body.risk.model_dump(exclude_none=True),
            breakers=body.breakers,
            properties=RunProperties()
            if body.properties is None
            else body.properties.to_properties(),
        ),
        grid=tuple(body.grid),
        sampler=body.sampler,
        trials=body.trials,
        objective=body.objective,
        walk_forward=None if body.walk_forward is None else parse_walk_forward(body.walk_forward),
        engine=body.engine,
        workers=body.workers,
        seed=body.seed,
        verify_top=body.verify_top,
        verify_sample=body.verify_sample,
        fast_path=body.fast_path,
    )
    queued = await run_in_threadpool(sweeps.submit, request)
    response.headers["Location"] = f"/sweeps/{queued.id}"
    return _public(queued)


@router.get("", response_model=list[SweepPublic])
async def list_sweeps(
    sweeps: SweepsDep, limit: PageLimit = 100, offset: PageOffset = 0
) -> list[SweepPublic]:
    """Sweeps (any status), newest first, without their trials."""
    return [_public(record) for record in await run_in_threadpool(sweeps.list, limit, offset)]


@router.get("/{sweep_id}", response_model=SweepPublic, responses=ERRORS)
async def get_sweep(sweep_id: str, sweeps: SweepsDep) -> SweepPublic:
    """Status, progress, estimated seconds left, error, and the summary once done."""
    return _public(await run_in_threadpool(sweeps.get, sweep_id))


@router.get("/{sweep_id}/trials", response_model=list[SweepTrialPublic], responses=ERRORS)
async def list_sweep_trials(
    sweep_id: str,
    sweeps: SweepsDep,
    kind: Annotated[TaskKind | None, Query(description="screen, verify or test")] = None,
    window: Annotated[
        int | None, Query(ge=0, le=MAX_WINDOWS, description="walk-forward window")
    ] = None,
) -> Response:
    """The sweep's stored tasks by window, kind and number (a running sweep: those done)."""
    trials = await run_in_threadpool(sweeps.trials, sweep_id, kind, window)
    body = await run_in_threadpool(_trials_json, trials)
    return Response(body, media_type="application/json")


@router.post(
    "/{sweep_id}/cancel",
    response_model=SweepPublic,
    status_code=status.HTTP_202_ACCEPTED,
    responses=ERRORS,
)
async def cancel_sweep(sweep_id: str, sweeps: SweepsDep) -> SweepPublic:
    """Stop a queued or running sweep (409 once it has ended): a queued one is cancelled at
    once, a running one stops at its next finished task. Its trials stay; it can resume."""
    return _public(await run_in_threadpool(sweeps.cancel, sweep_id))


@router.post(
    "/{sweep_id}/resume",
    response_model=SweepPublic,
    status_code=status.HTTP_202_ACCEPTED,
    responses=ERRORS,
)
async def resume_sweep(sweep_id: str, sweeps: SweepsDep) -> SweepPublic:
    """Queue a failed, cancelled or interrupted sweep again (409 otherwise); the trials it
    stored are kept and not run again."""
    return _public(await run_in_threadpool(sweeps.resume, sweep_id))


@router.delete("/{sweep_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
async def delete_sweep(sweep_id: str, sweeps: SweepsDep) -> None:
    """Delete an ended sweep with its trials (409 while it is queued or running)."""
    await run_in_threadpool(sweeps.delete, sweep_id)


def _public(record: SweepRecord) -> SweepPublic:
    return SweepPublic.model_validate(record, from_attributes=True)


def _trials_json(trials: list[dict[str, Any]]) -> str:
    """The `SweepTrialPublic` list as stored (a sweep can hold many thousands of trials: no
    model validation on the way out)."""
    return json.dumps(trials, separators=(",", ":"), ensure_ascii=False)
