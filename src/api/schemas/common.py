"""Shared schema pieces: the error body and UTC timestamp parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema

from scalplab.errors import snippet

ParamValue = int | float | bool | str
"""A strategy parameter value (types follow the strategy's metadata)."""


class FieldError(BaseModel):
    """One invalid field of a request: where (`["body", "start"]`) and what is wrong."""

    loc: list[str | int]
    msg: str


class ErrorPublic(BaseModel):
    """Every error response: one readable message (`errors`: per field, on 422 validation)."""

    detail: str
    errors: list[FieldError] | None = None


class RequestModel(BaseModel):
    """Base of request bodies: unknown fields are an error, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def parse_utc(value: object) -> object:
    """`2025-06-17` (midnight UTC) or an ISO datetime; naive means UTC, offsets convert."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif isinstance(value, str):
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{snippet(value)} is not an ISO-8601 date or datetime (e.g. 2025-06-17 or "
                "2025-06-17T12:00:00Z)"
            ) from None
    else:
        return value  # let pydantic report the wrong type
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_utc(value: datetime) -> str:
    """ISO-8601 with a `Z` suffix, seconds precision unless there are fractions."""
    moment = value.astimezone(UTC)
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


UtcDateTime = Annotated[
    datetime,
    BeforeValidator(parse_utc),
    PlainSerializer(format_utc, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A tz-aware UTC timestamp: accepts a date or datetime, emits `...Z`."""
