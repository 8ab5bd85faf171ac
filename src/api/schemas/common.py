"""Shared schema pieces: the error body, strict request models, numbers, UTC timestamps.

Request models are strict: a boolean is `true`/`false` only, a number a JSON
number only (an int is fine where a float is expected), NaN and infinities are
refused ("must be a finite number"). Exact decimals (order quantities and
prices) may also be given as decimal strings ("0.001"), as documented.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from scalplab.errors import snippet
from scalplab.limits import MAX_PAGE_LIMIT, MAX_PAGE_OFFSET
from scalplab.validation import FINITE


def _param_value(value: object) -> object:
    """One clear message for a value no strategy parameter can take."""
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("finite_number", FINITE)
    if not isinstance(value, int | float | str):
        raise PydanticCustomError("param_type", "must be a number, true/false or a string")
    return value


ParamValue = Annotated[int | float | bool | str, BeforeValidator(_param_value)]
"""A strategy parameter value (types follow the strategy's metadata)."""


REASON_CODE_HELP = (
    "`reason` as a stable code a front end translates (`min_rr`, `position_open`, "
    "`daily_loss_limit`, …); null when only the text says it (keep showing `reason`)"
)
REASON_PARAMS_HELP = "the numbers (or names) the code's message fills in: {rr: 2.1, min: 3}"

_NOT_A_NUMBER = 'must be a number (a JSON number or a string such as "0.001")'


def _decimal_input(value: object) -> object:
    """A JSON number or a decimal string as an exact `Decimal`; anything else refused."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise PydanticCustomError("decimal_type", _NOT_A_NUMBER)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PydanticCustomError("finite_number", FINITE)
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise PydanticCustomError("decimal_parsing", _NOT_A_NUMBER) from None
    if not value.is_finite():
        raise PydanticCustomError("finite_number", FINITE)
    return value


def decimal_schema(**bounds: float) -> dict[str, object]:
    """The JSON schema of a decimal given as a number (with `bounds`) or a decimal string."""
    return {
        "anyOf": [
            {"type": "number", **bounds},
            {"type": "string", "description": 'a decimal number as text, e.g. "0.001"'},
        ]
    }


DecimalInput = Annotated[Decimal, BeforeValidator(_decimal_input)]
"""An exact decimal from a JSON number or a decimal string (bounds come with the field)."""

PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE_LIMIT, description="page size")]
"""The `limit` of a paged list."""
PageOffset = Annotated[
    int, Query(ge=0, le=MAX_PAGE_OFFSET, description="rows to skip (newest first)")
]
"""The `offset` of a paged list."""


class FieldError(BaseModel):
    """One invalid field of a request: where (`["body", "start"]`) and what is wrong."""

    loc: list[str | int]
    msg: str


class ErrorPublic(BaseModel):
    """Every error response: one readable message (`errors`: per field, on 422 validation)."""

    detail: str
    errors: list[FieldError] | None = None


class RequestModel(BaseModel):
    """Base of request bodies: strict types, finite numbers, no unknown fields, trimmed strings."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, strict=True, allow_inf_nan=False
    )


def parse_utc(value: object) -> object:
    """`2025-06-17` (midnight UTC) or an ISO datetime; naive means UTC, offsets convert."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"{snippet(value)} is not an ISO-8601 date or datetime (e.g. 2025-06-17 or "
                "2025-06-17T12:00:00Z)"
            ) from None
    else:
        return value  # let pydantic report the wrong type
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{snippet(value)} is outside the years 1 to 9999 in UTC") from None


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
