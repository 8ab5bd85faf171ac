"""`/status`: health check."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from scalplab.api.deps import HealthDep
from scalplab.api.schemas.status import HealthPublic

router = APIRouter(prefix="/status", tags=["status"])


@router.get(
    "/health",
    response_model=HealthPublic,
    responses={503: {"model": HealthPublic, "description": "database unavailable"}},
)
async def health(service: HealthDep, response: Response) -> HealthPublic:
    """Liveness, version, trading mode and why, database state (503 if the database is down)."""
    report = service.cached()
    if report is None:
        report = await run_in_threadpool(service.check)
    if not report.healthy:
        response.status_code = 503
    return HealthPublic.model_validate(report, from_attributes=True)
