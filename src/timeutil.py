"""UTC time parsing and formatting shared by the backtest CLI, runner and API."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np

from scalplab.errors import InputError, snippet


def parse_utc(text: str, what: str) -> datetime:
    """`2025-06-17`, `2025-06-17T12:00`, `...Z` or `...+00:00` → aware UTC datetime."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{what} {snippet(text)} is not an ISO-8601 date or datetime") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise InputError(f"{what} {snippet(text)} is outside the years 1 to 9999 in UTC") from None


def to_ms(moment: datetime) -> int:
    """Aware datetime → UTC epoch milliseconds."""
    if moment.tzinfo is None:
        raise InputError(f"datetime {moment.isoformat()} has no time zone")
    return int(moment.timestamp() * 1000)


def iso_ms(epoch_ms: int) -> str:
    """UTC epoch milliseconds → `YYYY-MM-DDTHH:MM:SSZ` (milliseconds shown only if present)."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    if epoch_ms % 1000:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms_many(epoch_ms: Sequence[int]) -> list[str]:
    """`iso_ms` of each instant, formatted at once (an equity curve has one per bar)."""
    values = np.asarray(epoch_ms, dtype=np.int64)
    texts = [f"{text}Z" for text in np.datetime_as_string(values.astype("datetime64[ms]"), "s")]
    for index in np.flatnonzero(values % 1000):  # milliseconds shown: the slow way
        texts[index] = iso_ms(int(values[index]))
    return texts


def from_ms(epoch_ms: int) -> datetime:
    """An aware UTC datetime of an epoch-ms instant (the inverse of `to_ms`)."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=epoch_ms)
