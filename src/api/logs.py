"""JSON structured logging: one object per line, with the request's correlation id.

`configure_logging(settings)` installs the formatter on the root logger (uvicorn's
loggers propagate to it). Every record carries `request_id` when it was emitted
while serving a request, including records of what the request caused in a
worker thread (`run_in_threadpool` copies the context, so the engine work a
request does synchronously is tagged too). The id is stamped on the record
when it is created (`install_request_id_stamping`), so it survives a record
being formatted later or on another thread. Values of secret settings are
masked in every line.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from scalplab.config import Settings

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
"""Correlation id of the request being served (set by the middleware)."""


class _RequestIdRecordFactory:
    """Wraps the log-record factory: stamps `request_id` from the context variable."""

    def __init__(self, wrapped: Callable[..., logging.LogRecord]) -> None:
        self.wrapped = wrapped

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.wrapped(*args, **kwargs)
        request_id = request_id_var.get()
        if request_id is not None:
            record.request_id = request_id
        return record


def install_request_id_stamping() -> None:
    """Stamp every record created inside a request's context with its id (idempotent)."""
    current = logging.getLogRecordFactory()
    if not isinstance(current, _RequestIdRecordFactory):
        logging.setLogRecordFactory(_RequestIdRecordFactory(current))


# Attributes every LogRecord has; anything else was passed with `extra=` and is kept.
_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName", "color_message"}
)
_MASK = "***"


def secret_values(settings: Settings) -> list[str]:
    """The non-empty secret settings (API keys, tokens), longest first."""
    values = [
        settings.binance_api_key.get_secret_value(),
        settings.binance_api_secret.get_secret_value(),
        settings.api_token.get_secret_value(),
        settings.telegram_bot_token.get_secret_value(),
        settings.whale_alert_api_key.get_secret_value(),
        settings.macro_api_key.get_secret_value(),
    ]
    return sorted({value for value in values if len(value) >= 4}, key=len, reverse=True)


class JsonFormatter(logging.Formatter):
    """Formats a record as a single-line JSON object, secrets masked."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self._secrets = list(secrets or [])

    def format(self, record: logging.LogRecord) -> str:
        """`{"time", "level", "logger", "message", "request_id"?, ...extra, "exc"?}`."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        line = json.dumps(entry, default=str, ensure_ascii=False)
        for secret in self._secrets:
            line = line.replace(secret, _MASK)
        return line


def configure_logging(settings: Settings) -> None:
    """Route every logger through one JSON handler on stderr at `LOG_LEVEL`."""
    install_request_id_stamping()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(secret_values(settings)))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel("DEBUG" if settings.debug else settings.log_level)
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    access = logging.getLogger("uvicorn.access")  # replaced by the request middleware
    access.handlers.clear()
    access.propagate = False
    access.disabled = True
