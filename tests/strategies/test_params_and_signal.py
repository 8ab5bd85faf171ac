"""The signal contract and parameter parsing."""

from __future__ import annotations

import pytest

from scalplab.errors import InputError
from scalplab.strategies.params import ParamSpec, type_of
from scalplab.strategies.signal import Signal


def test_signal_validation_and_geometry() -> None:
    long = Signal("long", 100.0, 95.0, 115.0, confidence=80, reasons=["why"])
    assert long.levels_valid and long.reward_risk == pytest.approx(3.0)
    assert long.to_dict()["reasons"] == ["why"]
    assert not Signal("short", 100.0, 95.0, 85.0).levels_valid
    assert Signal("long", 100.0, 100.0, 115.0).reward_risk == 0.0
    with pytest.raises(ValueError, match="side"):
        Signal("up", 1.0, 1.0, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stop_loss must be a positive finite"):
        Signal("long", 100.0, float("nan"), 115.0)
    with pytest.raises(ValueError, match="confidence"):
        Signal("long", 100.0, 95.0, 115.0, confidence=101)


def test_param_spec_parsing() -> None:
    flag = ParamSpec("flag", "bool", False)
    assert flag.coerce("yes") is True and flag.coerce("0") is False and flag.coerce(True)
    with pytest.raises(InputError, match="expects bool"):
        flag.coerce("maybe")
    number = ParamSpec("n", "int", 1)
    assert number.coerce(3.0) == 3
    with pytest.raises(InputError, match="expects int"):
        number.coerce([1])
    ratio = ParamSpec("r", "float", 1.0, min=0.5)
    assert ratio.coerce(2) == 2.0
    with pytest.raises(InputError, match="expects float"):
        ratio.coerce(False)
    with pytest.raises(InputError, match="expects float"):
        ratio.coerce("abc")
    text = ParamSpec("s", "str", "a")
    with pytest.raises(InputError, match="expects str"):
        text.coerce(5)
    assert [type_of(v) for v in (True, 1, 1.0, "x")] == ["bool", "int", "float", "str"]
    with pytest.raises(TypeError):
        type_of(None)


def test_strict_params_take_json_values_of_their_own_type_only() -> None:
    spec_int = ParamSpec("n", "int", 3, min=1, max=10)
    spec_bool = ParamSpec("on", "bool", True)
    spec_float = ParamSpec("x", "float", 1.5)
    assert spec_int.coerce(4, strict=True) == 4 and spec_int.coerce(4.0, strict=True) == 4
    assert spec_float.coerce(2, strict=True) == 2.0
    assert spec_bool.coerce(False, strict=True) is False
    for spec, value in ((spec_int, "4"), (spec_int, True), (spec_bool, "yes"), (spec_bool, 1)):
        with pytest.raises(InputError, match=f"param {spec.name} expects {spec.type}"):
            spec.coerce(value, strict=True)
    assert spec_int.coerce("4") == 4 and spec_bool.coerce("yes") is True  # the CLI's way
