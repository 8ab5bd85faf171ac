"""The plugin example in the README is real: it loads from STRATEGIES_DIR and backtests."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from scalplab.backtests.runner import run_backtest
from scalplab.orders.runs import RunRequest
from scalplab.strategies.registry import discover
from tests.conftest import make_settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_plugin_example_runs(real_week_dir: Path, tmp_path: Path) -> None:
    [code] = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    (tmp_path / "breakout.py").write_text(code)
    registry = discover(tmp_path)
    assert registry.errors == []
    info = registry.get("breakout")
    assert info.params["lookback"].max == 500
    result = run_backtest(
        RunRequest(
            "BTCUSDT",
            "breakout",
            "15m",
            datetime(2025, 6, 17, tzinfo=UTC),
            datetime(2025, 6, 20, tzinfo=UTC),
            {"lookback": 30},
        ),
        make_settings(real_week_dir),
        registry=registry,
    )
    assert result["metrics"]["signals_generated"] > 0
    assert all(s["reasons"] == ["breakout"] for s in result["signals"])
