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
async def health(service: HealthDep, response: Response) -> dict[str, object]:
    """Liveness, version, trading mode and why, database state (503 if the database is down)."""
    database_ok = service.database_state_cached()
    if database_ok is None:
        database_ok = await run_in_threadpool(service.ping_database)
    if not database_ok:
        response.status_code = 503
    return service.report(database_ok)
