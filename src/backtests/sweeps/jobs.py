"""A sweep as a job: check and store it, run it on its engine, record how it ended, resume.

The CLI runs a job in the foreground; the API runs the same job in a background thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scalplab.backtests.sweeps.engines import Engine, local_engine
from scalplab.backtests.sweeps.planning import SweepPlan, plan_sweep
from scalplab.backtests.sweeps.records import SweepRequest
from scalplab.backtests.sweeps.store import SweepStore
from scalplab.backtests.sweeps.sweeper import SweepCancelledError, Sweeper
from scalplab.config import Settings
from scalplab.errors import ScalpLabError
from scalplab.storage.db import Database
from scalplab.strategies.registry import Registry

MAX_ERROR_CHARS = 2000


def make_engine(request: SweepRequest, settings: Settings) -> Engine:
    """The engine the request names (Ray is imported only when asked for)."""
    if request.engine == "ray":
        from scalplab.backtests.sweeps.ray_engine import RayEngine

        return RayEngine(request.run, settings, request.workers, settings.ray_address)
    return local_engine(request.run, settings, request.workers)


def create_sweep(
    request: SweepRequest,
    settings: Settings,
    database: Database,
    registry: Registry | None = None,
) -> tuple[str, SweepPlan]:
    """Check every input, then store the sweep as queued; nothing runs yet."""
    plan = plan_sweep(request, settings, registry)
    if request.engine == "ray":
        from scalplab.backtests.sweeps.ray_engine import check_ray_address

        check_ray_address(settings.ray_address)
    sweep_id = SweepStore(database).create(request, plan.info.version)
    return sweep_id, plan


def resume_plan(
    sweep_id: str, settings: Settings, database: Database, registry: Registry | None = None
) -> SweepPlan:
    """Queue a failed, cancelled or interrupted sweep again; its stored tasks are kept."""
    store = SweepStore(database)
    request = store.request(sweep_id)
    plan = plan_sweep(request, settings, registry)
    store.claim_resume(sweep_id)
    return plan


def execute_sweep(
    sweep_id: str,
    plan: SweepPlan,
    settings: Settings,
    database: Database,
    on_task: Callable[[int, int], None] | None = None,
) -> dict[str, Any] | None:
    """Run the sweep to its end; returns the summary (None when it was cancelled).

    A failure is stored with its message and re-raised; stored tasks stay, so the sweep
    can resume.
    """
    store = SweepStore(database)
    try:
        engine = make_engine(plan.request, settings)
    except ScalpLabError as exc:
        store.finish(sweep_id, "failed", None, exc.message[:MAX_ERROR_CHARS])
        raise
    try:
        summary = Sweeper(sweep_id, plan, store, engine, settings, on_task).run()
    except SweepCancelledError:
        store.finish(sweep_id, "cancelled", None, "cancelled")
        return None
    except KeyboardInterrupt:
        store.finish(sweep_id, "cancelled", None, "interrupted from the keyboard")
        raise
    except ScalpLabError as exc:
        store.finish(sweep_id, "failed", None, exc.message[:MAX_ERROR_CHARS])
        raise
    except Exception as exc:
        store.finish(sweep_id, "failed", None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS])
        raise
    finally:
        engine.close()
    store.finish(sweep_id, "done", summary, None)
    return summary
