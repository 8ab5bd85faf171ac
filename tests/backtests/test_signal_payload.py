"""A strategy's signal payload (score, tier, variant, breakdown) in a backtest's result.

`SCORED_PLUGIN` is a user plugin (dropped into `STRATEGIES_DIR`) that rates every signal
it gives; the payload travels into the result's signals (and the `--json` output) as the
strategy set it, through the public result model, and never changes execution.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from scalplab.api.schemas.backtests import BacktestResultPublic, BacktestSignalPublic
from scalplab.backtests.runner import run_backtest
from scalplab.orders.runs import RunRequest
from tests.conftest import make_settings

SCORED_PLUGIN = '''
"""A long every `every` bars, rated: score, tier, variant and a feature breakdown."""

from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.signal import Signal


class ScoredPulse(SignalStrategy):
    name = "scored_pulse"
    version = "1.0.0"
    params = (("every", 12), ("rated", True))

    def generate_signal(self):
        bars = len(self)
        if bars < 2 or bars % int(self.p.every):
            return None
        close = float(self.data.close[0])
        momentum = close / float(self.data.open[0]) - 1.0  # the bar's own move
        score = float(bars * 7 % 100) + 0.5
        rated = bool(self.p.rated)
        return Signal(
            "long",
            close,
            close * 0.99,
            close * 1.04,
            confidence=55.0,
            reasons=["pulse", "momentum"],
            score=score if rated else None,
            tier=("HIGH" if score >= 72 else "MEDIUM") if rated else None,
            variant="A" if rated else None,
            breakdown=(
                {
                    "momentum": momentum,
                    "momentum_score": score,
                    "volume": float(self.data.volume[0]),
                }
                if rated
                else {}
            ),
        )
'''
"""Source of the rated test plugin (`scored_pulse`; `rated=False`: the same signals bare)."""

START = datetime(2025, 6, 17, tzinfo=UTC)
END = datetime(2025, 6, 20, tzinfo=UTC)


def with_plugin(source: Path, target: Path) -> Path:
    """A copy of the data dir `source` with `SCORED_PLUGIN` in its `strategies/`."""
    shutil.copytree(source, target)
    (target / "strategies").mkdir(exist_ok=True)
    (target / "strategies" / "scored_pulse.py").write_text(SCORED_PLUGIN, encoding="utf-8")
    return target


def test_the_payload_travels_into_the_results_signals(real_week_dir: Path, tmp_path: Path) -> None:
    settings = make_settings(with_plugin(real_week_dir, tmp_path / "data"))
    request = RunRequest("BTCUSDT", "scored_pulse", "1h", START, END, {})
    result = run_backtest(request, settings)
    signals = result["signals"]
    assert isinstance(signals, list) and len(signals) == 6  # bars 12, 24, …, 72 of 1h
    first = signals[0]
    assert first["time"] == "2025-06-17T11:00:00Z"  # the 12th bar
    assert (first["score"], first["tier"], first["variant"]) == (84.5, "HIGH", "A")
    assert list(first["breakdown"]) == ["momentum", "momentum_score", "volume"]
    assert first["breakdown"]["momentum_score"] == 84.5
    assert all(isinstance(value, float) for value in first["breakdown"].values())
    assert [s["score"] for s in signals] == [84.5, 68.5, 52.5, 36.5, 20.5, 4.5]
    assert [s["tier"] for s in signals] == ["HIGH"] + ["MEDIUM"] * 5

    public = BacktestResultPublic.model_validate(result)
    assert public.signals[0].breakdown == first["breakdown"]
    assert public.signals[0].score == 84.5 and not public.signals_truncated

    # The payload never changes execution: the bare twin trades exactly alike.
    bare = run_backtest(
        RunRequest("BTCUSDT", "scored_pulse", "1h", START, END, {"rated": False}), settings
    )
    assert bare["trades"] == result["trades"] and bare["metrics"] == result["metrics"]
    assert [(s["score"], s["tier"], s["variant"], s["breakdown"]) for s in bare["signals"]] == [
        (None, None, None, {})
    ] * 6


def test_a_result_stored_before_the_payload_still_validates() -> None:
    """Results stored by the release before have signals without payload keys."""
    old_signal = {
        "time": "2025-06-17T11:00:00Z",
        "side": "long",
        "entry": 1.0,
        "stop_loss": 0.9,
        "take_profit": 1.4,
        "confidence": 50.0,
        "reasons": [],
        "status": "accepted",
        "reason": "",
        "breaker": None,
        "qty": 1.0,
    }
    signal = BacktestSignalPublic.model_validate(old_signal)
    assert (signal.score, signal.tier, signal.variant, signal.breakdown) == (None, None, None, {})
    assert (signal.scope, signal.effect, signal.until) == (None, None, None)  # no breaker's hold
