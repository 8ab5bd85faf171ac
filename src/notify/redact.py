"""Keep the bot token out of every log line, error and response.

Telegram puts the token in every request URL (`/bot<TOKEN>/sendMessage`): httpx logs
each request URL at INFO, and python-telegram-bot writes the token into the message
of the `InvalidToken` it raises when Telegram refuses it. So:

- the `httpx` and `httpcore` loggers are raised to WARNING (their request lines go);
- `SECRETS`, one logging filter holding every token in use, is attached to the loggers
  of python-telegram-bot, httpx, httpcore, asyncio and this package: it renders each
  record (traceback included) and replaces any token with `[REDACTED]` before a
  handler sees it (a logger's filter runs before the record propagates);
- `scrub(text)` does the same for an error text this package reports or returns.
"""

from __future__ import annotations

import logging
import threading

REDACTED = "[REDACTED]"
QUIET_LOGGERS = ("httpx", "httpcore")
"""Loggers that log request URLs at INFO/DEBUG: silenced below WARNING."""
FILTERED_PREFIXES = ("telegram", "httpx", "httpcore", "asyncio", "scalplab.notify")
"""Logger families the redaction filter is attached to."""


class SecretFilter(logging.Filter):
    """Replaces every registered secret in a record's message and traceback."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secret: str) -> None:
        """Redact `secret` from now on (empty strings are ignored)."""
        if secret:
            with self._lock:
                self._secrets.add(secret)

    def scrub(self, text: str) -> str:
        """`text` with every registered secret replaced."""
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the record once, scrubbed; it always passes."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = self.scrub(message)
        record.args = None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


SECRETS = SecretFilter()
"""The process-wide redaction filter."""


def scrub(text: str) -> str:
    """`text` with every registered token replaced by `[REDACTED]`."""
    return SECRETS.scrub(text)


def protect(secret: str) -> None:
    """Register `secret` and (re)attach the filter to every logger that may print it.

    Call it after python-telegram-bot is imported, so its module loggers exist.
    """
    SECRETS.add(secret)
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)
    names = [
        name
        for name in list(logging.Logger.manager.loggerDict)
        if name.startswith(FILTERED_PREFIXES)
    ]
    for name in {*names, *FILTERED_PREFIXES}:
        logger = logging.getLogger(name)
        if SECRETS not in logger.filters:
            logger.addFilter(SECRETS)
