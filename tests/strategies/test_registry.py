"""Plugin discovery, parameter metadata and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from scalplab.errors import InputError, NotFoundError
from scalplab.strategies.registry import discover

USER_PLUGIN = '''
from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.params import ParamInfo


class Breakout(SignalStrategy):
    """Breakout of the last N bars."""

    name = "user_breakout"
    version = "2.1.0"
    params = (("lookback", 20), ("buffer_pct", 0.1), ("mode", "close"))
    param_info = {
        "lookback": ParamInfo("Bars to look back.", min=2, max=500),
        "mode": ParamInfo("Price used.", choices=("close", "high_low")),
    }
'''


def test_builtin_plugins_are_discovered_with_metadata() -> None:
    registry = discover(None)
    sma = registry.get("sma_cross")
    assert sma.version == "1.0.0"
    data = sma.to_dict()
    params = {p["name"]: p for p in data["params"]}  # type: ignore[union-attr]
    assert params["fast"] == {
        "name": "fast",
        "type": "int",
        "default": 10,
        "min": 1,
        "max": 500,
        "choices": None,
        "description": "Period of the fast SMA, in bars.",
    }
    assert params["allow_short"]["type"] == "bool"
    assert params["max_hold_bars"]["min"] == 0  # owned by the base class
    assert "executor" not in params and "feed_name" not in params


def test_user_plugins_errors_and_duplicates(tmp_path: Path) -> None:
    (tmp_path / "breakout.py").write_text(USER_PLUGIN)
    (tmp_path / "broken.py").write_text("import nonexistent_module_xyz\n")
    (tmp_path / "dupe.py").write_text(USER_PLUGIN.replace("2.1.0", "9.9.9"))
    (tmp_path / "_private.py").write_text("raise RuntimeError('never imported')\n")
    registry = discover(tmp_path)
    info = registry.get("user_breakout")
    assert info.version in {"2.1.0", "9.9.9"}
    assert info.params["mode"].choices == ("close", "high_low")
    assert info.params["buffer_pct"].type == "float"
    assert any("broken.py" in e and "ModuleNotFoundError" in e for e in registry.errors)
    assert any("already taken" in e for e in registry.errors)
    assert not any("_private" in e for e in registry.errors)


def test_bad_plugin_metadata_is_reported(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(
        USER_PLUGIN.replace('"lookback": ParamInfo', '"nonexistent": ParamInfo').replace(
            "user_breakout", "bad_meta"
        )
    )
    (tmp_path / "badname.py").write_text(USER_PLUGIN.replace("user_breakout", "Bad Name"))
    registry = discover(tmp_path)
    assert any("param_info names unknown params: nonexistent" in e for e in registry.errors)
    assert any("must match" in e for e in registry.errors)
    with pytest.raises(NotFoundError, match="unknown strategy 'bad_meta'"):
        registry.get("bad_meta")


def test_resolve_validates_types_bounds_and_choices(tmp_path: Path) -> None:
    (tmp_path / "breakout.py").write_text(USER_PLUGIN)
    info = discover(tmp_path).get("user_breakout")
    assert info.resolve({"lookback": "30", "buffer_pct": "0.5", "max_hold_bars": 10}) == {
        "lookback": 30,
        "buffer_pct": 0.5,
        "mode": "close",
        "max_hold_bars": 10,
    }
    for given, message in (
        ({"lookback": 1}, "below its minimum 2"),
        ({"lookback": 501}, "above its maximum 500"),
        ({"lookback": 2.5}, "expects int"),
        ({"lookback": True}, "expects int"),
        ({"buffer_pct": "nan"}, "expects float"),
        ({"mode": "open"}, "not one of close, high_low"),
        ({"unknown": 1}, "unknown param unknown"),
    ):
        with pytest.raises(InputError, match=message):
            info.resolve(given)
