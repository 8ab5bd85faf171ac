"""Run integrity: catching look-ahead by replaying a run bar by bar.

With `preload=True` Backtrader holds the whole series in memory, so a strategy
that reads `data.close[1]` silently sees the future. Replayed with
`preload=False, runonce=False`, the same strategy only has the bars up to now:
an honest strategy gives the identical signals and trades, a look-ahead one
either fails (the future bar does not exist yet) or trades differently.
"""

from __future__ import annotations

from dataclasses import dataclass

from scalplab.backtests.runner import EngineMode, RunBooks, execute
from scalplab.config import Settings
from scalplab.errors import StrategyError
from scalplab.orders.models import signal_dict, trade_dict
from scalplab.orders.runs import RunRequest, prepare_run
from scalplab.strategies.registry import Registry

PRELOADED = EngineMode(runonce=True, preload=True)
STREAMING = EngineMode(runonce=False, preload=False)


@dataclass(frozen=True)
class LookaheadReport:
    """Verdict of a look-ahead check, with a one-line explanation."""

    clean: bool
    message: str


def _fingerprint(books: RunBooks) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    signals = [signal_dict(s) for s in books.log.records]
    return signals, [trade_dict(t) for t in books.sandbox.model.trades]


def check_lookahead(
    request: RunRequest, settings: Settings, registry: Registry | None = None
) -> LookaheadReport:
    """Run preloaded and streaming; clean only when both give the same signals and trades."""
    run = prepare_run(request, settings, registry)
    preloaded = _fingerprint(execute(run, settings, mode=PRELOADED))
    name = run.info.name
    try:
        streaming = _fingerprint(execute(run, settings, mode=STREAMING))
    except StrategyError as exc:
        return LookaheadReport(
            False, f"look-ahead suspected: strategy {name!r} fails when replayed bar by bar ({exc})"
        )
    if preloaded != streaming:
        signals_a, trades_a = preloaded
        signals_b, trades_b = streaming
        return LookaheadReport(
            False,
            f"look-ahead suspected: strategy {name!r} gives {len(signals_a)} signals / "
            f"{len(trades_a)} trades preloaded but {len(signals_b)} / {len(trades_b)} "
            "replayed bar by bar",
        )
    return LookaheadReport(True, f"no look-ahead detected for strategy {name!r}")
