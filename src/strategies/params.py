"""Parameter metadata of strategy plugins, so an API or a form can be built for any plugin."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from scalplab.errors import InputError, snippet

ParamType = Literal["int", "float", "bool", "str"]


@dataclass(frozen=True, slots=True)
class ParamInfo:
    """What a plugin author declares beside a Backtrader param (all optional)."""

    description: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter as the outside sees it: name, type, default, bounds, description."""

    name: str
    type: ParamType
    default: int | float | bool | str
    description: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form used by the CLI and the API."""
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "min": self.min,
            "max": self.max,
            "choices": list(self.choices) if self.choices is not None else None,
            "description": self.description,
        }

    def coerce(self, value: object, strict: bool = False) -> int | float | bool | str:
        """Validate and convert one user value: from a `k=v` string (the CLI), or, with
        `strict`, a JSON value of the param's own type (no `"10"`, no `"yes"`)."""
        if strict:
            self._check_json_type(value)
        parsed = self._parse(value)
        if isinstance(parsed, int | float) and not isinstance(parsed, bool):
            if self.min is not None and parsed < self.min:
                raise InputError(
                    f"param {self.name}={snippet(parsed)} is below its minimum {self.min:g}"
                )
            if self.max is not None and parsed > self.max:
                raise InputError(
                    f"param {self.name}={snippet(parsed)} is above its maximum {self.max:g}"
                )
        if self.choices is not None and parsed not in self.choices:
            raise InputError(
                f"param {self.name}={snippet(parsed)} is not one of {', '.join(self.choices)}"
            )
        return parsed

    def _check_json_type(self, value: object) -> None:
        expected: tuple[type, ...] = {
            "bool": (bool,),
            "int": (int, float),  # JSON has one number type: 7.0 is the integer 7
            "float": (int, float),
            "str": (str,),
        }[self.type]
        numeric_bool = isinstance(value, bool) and self.type != "bool"
        if numeric_bool or not isinstance(value, expected):
            raise InputError(f"param {self.name} expects {self.type}, got {snippet(value)}")

    def _parse(self, value: object) -> int | float | bool | str:
        bad = InputError(f"param {self.name} expects {self.type}, got {snippet(value)}")
        if self.type == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in {"true", "1", "yes", "false", "0", "no"}:
                return value.lower() in {"true", "1", "yes"}
            raise bad
        if self.type == "int":
            if isinstance(value, bool):
                raise bad
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str):
                try:
                    return int(value.strip())
                except ValueError:
                    raise bad from None
            raise bad
        if self.type == "float":
            if isinstance(value, bool):
                raise bad
            try:
                number = float(value) if isinstance(value, int | float | str) else math.nan
            except ValueError:
                raise bad from None
            if not math.isfinite(number):
                raise bad
            return number
        if isinstance(value, str):
            return value
        raise bad


def type_of(default: object) -> ParamType:
    """The metadata type of a Backtrader param default."""
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, str):
        return "str"
    raise TypeError(f"unsupported param default {snippet(default)}: use int, float, bool or str")


def resolve_params(
    specs: Mapping[str, ParamSpec], given: Mapping[str, object], strict: bool = False
) -> dict[str, int | float | bool | str]:
    """Defaults overlaid with validated user values; unknown names are refused (`strict`:
    JSON values of each param's own type, see `ParamSpec.coerce`)."""
    unknown = sorted(set(given) - set(specs))
    if unknown:
        known = ", ".join(sorted(specs)) or "none"
        names = ", ".join(snippet(name, bare=True) for name in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise InputError(f"unknown param {names}{more} (known: {known})")
    values = {name: spec.default for name, spec in specs.items()}
    for name, value in given.items():
        values[name] = specs[name].coerce(value, strict)
    return values
