"""`scalplab.validation`: one wording of pydantic errors for the API, settings and config."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from scalplab.validation import FINITE, describe, location, problem


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="forbid")

    speed: float = 1.0
    count: int = 1


def _errors(data: dict[str, object]) -> str:
    with pytest.raises(ValidationError) as info:
        _Strict.model_validate(data)
    return describe(info.value.errors())


def test_non_finite_numbers_read_the_same_in_every_field() -> None:
    assert _errors({"speed": float("nan")}) == f"speed: {FINITE}"
    assert _errors({"speed": float("inf")}) == f"speed: {FINITE}"
    assert _errors({"speed": "Infinity"}) == f"speed: {FINITE}"
    assert _errors({"count": "NaN"}) == f"count: {FINITE}"
    assert _errors({"speed": "fast"}) == "speed: Input should be a valid number"


def test_locations_drop_the_request_part_and_cut_invented_names() -> None:
    assert location(("body", "risk", "min_rr")) == "risk.min_rr"
    assert location(("query", "offset")) == "offset"
    assert location(("risk", 0)) == "risk.0"
    assert location(()) == ""
    invented = "k" * 10_000
    described = _errors({invented: 1})
    assert described.endswith(": Extra inputs are not permitted")
    assert len(described) < 120


def test_describe_names_the_whole_value_when_no_field_is_at_fault() -> None:
    errors = [{"type": "model_type", "loc": (), "msg": "Input should be an object"}]
    assert describe(errors) == "value: Input should be an object"
    assert describe(errors, whole="settings") == "settings: Input should be an object"
    assert problem({"type": "missing"}) == "invalid value"
