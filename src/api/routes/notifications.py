"""`/notifications`: a test message to the configured Telegram chat (seed 004)."""

from __future__ import annotations

import time

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from scalplab.api.deps import ServicesDep
from scalplab.api.schemas.notifications import NotificationTestPublic
from scalplab.notify.notifier import SendOutcome

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.post("/test", response_model=NotificationTestPublic)
async def send_test(services: ServicesDep) -> NotificationTestPublic:
    """Send a test message now (not queued) and report the outcome: `sent`, `failed` with
    the reason in words (unreachable Bot API, refused token, unknown chat …) or `disabled`
    (TELEGRAM_ENABLED is false). Always 200: the outcome is in the body."""
    telegram = services.telegram
    if telegram is None:
        outcome = SendOutcome("disabled", "Telegram is disabled: set TELEGRAM_ENABLED=true")
    else:
        outcome = await run_in_threadpool(telegram.send_test, int(time.time() * 1000))
    return NotificationTestPublic.model_validate(outcome, from_attributes=True)
