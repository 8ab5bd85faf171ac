"""The parameter space of a sweep: one axis of values per swept param, checked against the
plugin's own metadata before any work starts.

An axis is written the way a trader thinks of it: `fast=5:50:5` (start:stop:step, both ends
included), `fast=5,8,13` (a list) or `allow_short=true,false`. Every value is typed and
bounded by the param's `ParamSpec` (the same check a single backtest applies), so a sweep
can never try a value a backtest would refuse.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from scalplab.errors import InputError, snippet
from scalplab.strategies.params import ParamSpec

ParamValue = int | float | bool | str
MAX_AXIS_VALUES = 10_000
"""Most values one axis may hold (a typo like `1:100000:1` is refused, not enumerated)."""
MAX_GRID_POINTS = 1_000_000
"""Most points a whole grid may hold."""


@dataclass(frozen=True, slots=True)
class Axis:
    """One swept param and the values it takes, in the order given."""

    name: str
    values: tuple[ParamValue, ...]

    @property
    def numeric(self) -> bool:
        """Whether the values are numbers (an axis of a heat map, a TPE range)."""
        return all(isinstance(v, int | float) and not isinstance(v, bool) for v in self.values)

    def to_text(self) -> str:
        """The axis as `name=v1,v2,…` (how it is stored and shown)."""
        return f"{self.name}=" + ",".join(_show(v) for v in self.values)


@dataclass(frozen=True, slots=True)
class SearchSpace:
    """The axes of a sweep; the params not swept keep their fixed value (or default)."""

    axes: tuple[Axis, ...]

    @property
    def size(self) -> int:
        """Number of distinct parameter sets."""
        return math.prod(len(axis.values) for axis in self.axes)

    @property
    def names(self) -> tuple[str, ...]:
        """Swept param names, in axis order."""
        return tuple(axis.name for axis in self.axes)

    def grid(self) -> Iterator[dict[str, ParamValue]]:
        """Every point, the last axis varying fastest (a deterministic order)."""
        for combo in itertools.product(*(axis.values for axis in self.axes)):
            yield dict(zip(self.names, combo, strict=True))

    def corners(self, limit: int = 64) -> list[dict[str, ParamValue]]:
        """The extreme points (every axis at its first or last value), at most `limit`: the
        cheap candidates for the largest warm-up a sweep can need."""
        ends = [(axis.values[0], axis.values[-1]) for axis in self.axes]
        points: list[dict[str, ParamValue]] = []
        for combo in itertools.product(*ends):
            point = dict(zip(self.names, combo, strict=True))
            if point not in points:
                points.append(point)
            if len(points) >= limit:
                break
        return points

    def to_texts(self) -> list[str]:
        """The axes as `name=v1,v2,…` texts (`parse_space` reads them back)."""
        return [axis.to_text() for axis in self.axes]


def parse_space(texts: Sequence[str], specs: Mapping[str, ParamSpec], strategy: str) -> SearchSpace:
    """The space `--grid` texts describe, each value checked against the plugin's metadata.

    One-line `InputError`s name what is wrong: an unknown param, a param given twice, an
    axis with no values, a value of the wrong type or outside the param's bounds.
    """
    if not texts:
        raise InputError("a sweep needs at least one --grid NAME=START:STOP:STEP or NAME=V1,V2")
    axes: list[Axis] = []
    for text in texts:
        name, sep, body = text.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InputError(
                f"--grid {snippet(text)} must look like NAME=START:STOP:STEP or NAME=V1,V2"
            )
        spec = specs.get(name)
        if spec is None:
            known = ", ".join(sorted(specs)) or "none"
            raise InputError(f"strategy {strategy!r} has no param {name!r} (params: {known})")
        if any(axis.name == name for axis in axes):
            raise InputError(f"--grid {name} is given twice")
        axes.append(Axis(name, _values(spec, body.strip())))
    space = SearchSpace(tuple(axes))
    if space.size > MAX_GRID_POINTS:
        raise InputError(
            f"the grid has {space.size:,} points, more than {MAX_GRID_POINTS:,}: "
            "use wider steps or --sampler random/tpe over fewer values"
        )
    return space


def _values(spec: ParamSpec, body: str) -> tuple[ParamValue, ...]:
    if not body:
        raise InputError(f"--grid {spec.name} has no values")
    if ":" in body:
        raw: list[object] = list(_range(spec, body))
    else:
        raw = [part.strip() for part in body.split(",")]
        if any(not part for part in raw):
            raise InputError(f"--grid {spec.name}={snippet(body)} has an empty value")
    values: list[ParamValue] = []
    for item in raw:
        value = spec.coerce(item)
        if value not in values:
            values.append(value)
    if not values:
        raise InputError(f"--grid {spec.name}={snippet(body)} has no values")
    return tuple(values)


def _range(spec: ParamSpec, body: str) -> Iterator[object]:
    """`start:stop:step`, both ends included, counted in Decimal (0.1 steps stay exact)."""
    parts = body.split(":")
    if spec.type not in ("int", "float"):
        raise InputError(
            f"--grid {spec.name}={snippet(body)}: {spec.name} is a {spec.type} param, "
            "list its values as V1,V2"
        )
    if len(parts) != 3:
        raise InputError(f"--grid {spec.name}={snippet(body)} must be START:STOP:STEP")
    try:
        start, stop, step = (Decimal(part.strip()) for part in parts)
    except InvalidOperation:
        raise InputError(
            f"--grid {spec.name}={snippet(body)}: START, STOP and STEP must be numbers"
        ) from None
    if not all(d.is_finite() for d in (start, stop, step)):
        raise InputError(f"--grid {spec.name}={snippet(body)}: START, STOP and STEP must be finite")
    if step <= 0:
        raise InputError(f"--grid {spec.name}={snippet(body)}: STEP must be positive")
    if stop < start:
        raise InputError(f"--grid {spec.name}={snippet(body)} has no values (STOP is below START)")
    count = int((stop - start) / step) + 1
    if count > MAX_AXIS_VALUES:
        raise InputError(
            f"--grid {spec.name}={snippet(body)} has {count:,} values, "
            f"more than {MAX_AXIS_VALUES:,}"
        )
    for index in range(count):
        value = start + step * index
        if spec.type == "int":
            if value != value.to_integral_value():
                raise InputError(
                    f"--grid {spec.name}={snippet(body)}: {spec.name} is an integer param"
                )
            yield int(value)
        else:
            yield float(value)


def _show(value: ParamValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
