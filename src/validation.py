"""How a pydantic validation error reads, wherever one is shown: `field: problem; …`.

The API (request bodies and query parameters), the runtime settings store, the
risk settings and the environment settings all describe their errors with
`describe`, so the same mistake reads the same everywhere. Names in a location
the client made up (an unknown field, a dict key) are cut to a snippet, and a
non-finite number is refused with "must be a finite number" whichever field
type caught it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scalplab.errors import snippet

FINITE = "must be a finite number"
"""What a NaN or an infinity is told, in every field."""

_SOURCES = frozenset({"body", "query", "path", "header", "cookie"})
"""The first step of a request error's location (where in the request), left out."""

_NUMBER_TYPES = frozenset(
    {"float_type", "float_parsing", "int_type", "int_parsing", "decimal_type", "decimal_parsing"}
)


def location_part(part: object) -> str | int:
    """One step of a location; a name longer than a snippet is cut to one."""
    return part if isinstance(part, int) else snippet(str(part), bare=True)


def location(loc: Sequence[Any]) -> str:
    """`risk.min_rr` from `("body", "risk", "min_rr")`; empty when the loc names no field."""
    steps = list(loc)
    if steps and steps[0] in _SOURCES:
        steps = steps[1:]
    return ".".join(str(location_part(step)) for step in steps)


def _non_finite_text(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 20:
        return False
    try:
        return not math.isfinite(float(value))
    except ValueError:
        return False


def problem(error: Mapping[str, Any]) -> str:
    """The message of one pydantic error (`finite_number` and "NaN" strings: `FINITE`)."""
    kind = error.get("type")
    if kind == "finite_number" or (kind in _NUMBER_TYPES and _non_finite_text(error.get("input"))):
        return FINITE
    return str(error.get("msg") or "invalid value")


def describe(errors: Iterable[Mapping[str, Any]], whole: str = "value") -> str:
    """`field: problem; other: problem` (`whole` names an error about the whole input)."""
    return "; ".join(
        f"{location(error.get('loc', ())) or whole}: {problem(error)}" for error in errors
    )
