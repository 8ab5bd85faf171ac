"""Domain errors → HTTP responses, all shaped `{"detail": "one readable message"}`.

| error | status |
| --- | --- |
| `InputError` (bad value in the request) | 422 |
| `IdempotencyConflict` (a key reused for a different order) | 422 |
| `NotFoundError` (the resource in the URL) | 404 |
| `ConflictError` (clashes with what is stored) | 409 |
| `NoDataError`, `DataError`, `StrategyError` | 422 |
| `TemporaryError` | 503 |
| `ConfigError`, anything unexpected | 500 |

Request validation errors keep FastAPI's 422 but carry a one-line `detail`
(plus the per-field `errors` list for forms). Unexpected exceptions are turned
into a JSON 500 by `scalplab.api.middleware`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from scalplab.errors import (
    ConfigError,
    ConflictError,
    DataError,
    InputError,
    NotFoundError,
    ScalpLabError,
    StrategyError,
    TemporaryError,
)
from scalplab.orders.queue import IdempotencyConflict
from scalplab.validation import location, location_part, problem

log = logging.getLogger(__name__)

STATUS_BY_ERROR: tuple[tuple[type[ScalpLabError], int], ...] = (
    (IdempotencyConflict, 422),  # a ConflictError would say 409: the request is at fault
    (NotFoundError, 404),
    (ConflictError, 409),
    (InputError, 422),
    (DataError, 422),
    (StrategyError, 422),
    (TemporaryError, 503),
    (ConfigError, 500),
)


def status_for(exc: ScalpLabError) -> int:
    """The HTTP status of a domain error (most specific class wins)."""
    for kind, status in STATUS_BY_ERROR:
        if isinstance(exc, kind):
            return status
    return 500


def validation_message(errors: Sequence[Any]) -> str:
    """`field: problem; other: problem` from pydantic's error list (see `scalplab.validation`)."""
    messages = []
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "")
            messages.append(f"the request body is not valid JSON ({reason})".replace(" ()", ""))
            continue
        loc = error.get("loc", ())
        where = location(loc) or str(loc[0] if loc else "request")
        messages.append(f"{where}: {problem(error)}")
    return "; ".join(messages) or "invalid request"


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ScalpLabError)
    status = status_for(exc)
    level = logging.ERROR if status >= 500 else logging.INFO
    log.log(level, "request failed: %s", exc.message, extra={"error": type(exc).__name__})
    return JSONResponse({"detail": exc.message}, status_code=status)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": [location_part(part) for part in error.get("loc", ())],
            "msg": problem(error),
        }
        for error in exc.errors()
    ]
    return JSONResponse(
        {"detail": validation_message(exc.errors()), "errors": errors}, status_code=422
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse(
        {"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register every handler above on `app`."""
    app.add_exception_handler(ScalpLabError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
