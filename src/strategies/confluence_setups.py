"""The backtest score (BT) of the 15m confluence engine (seed 002 §7; FEATURES.md B.6).

The seed's `backtesting_engine.get_pattern_confidence(pair, direction)` is undefined;
FEATURES.md B.6 PROPOSES the historical win rate of the same setup (pattern × direction ×
pair) from stored backtests, point-in-time. Not taken exactly: stored backtests overlap
(the same trade counted once per stored run) and what is stored changes from one machine to
the next, so a run's result would depend on the result store — and a replay would no longer
equal its backtest. Instead (the fallback the issue allows): the point-in-time win rate of
the plugin's *own* closed trades of the same setup on the same pair — within the run in a
backtest or replay, and in paper trading from its book's trade history (`closed_trades()`,
which keeps the trades of earlier runs of the book; those are matched to a setup when the
warm-up history replays the signal that opened them).

A setup is the signal's pattern (its strongest pattern on the signal's side, or
`confluence` when none) and direction. Each emitted signal is remembered with its bar; a
closed position (its trade records summed: one outcome per position, like the win-streak
breaker) belongs to the latest signal emitted on a bar before its entry bar — the entry
fills at the next bar's open, and one book holds one position at a time — and is a win when
its P&L after fees and funding is above 0. Only positions already closed by the bar's close
count (the plugin asks only while flat, so every trade it sees belongs to a closed position).

Score: the win rate in % (a direction-conditional agreement, stored as the bull score
`win rate` for a long and `100 − win rate` for a short); missing until the setup has
`min_trades` closed positions (PROPOSED default 5: fewer is noise).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from scalplab.strategies.base import ClosedTrade
from scalplab.strategies.confluence_score import LayerReading


class SetupHistory:
    """The setups a plugin emitted and the outcomes of the positions they opened."""

    def __init__(self) -> None:
        self._opens: list[int] = []
        self._setups: list[tuple[str, int]] = []
        self._counted = 0
        self._tally: dict[tuple[str, int], list[int]] = {}

    def emitted(self, open_ms: int, pattern: str, direction: int) -> None:
        """A signal of `pattern` and `direction` left the plugin on the bar at `open_ms`."""
        if self._opens and open_ms <= self._opens[-1]:
            self._opens[-1], self._setups[-1] = open_ms, (pattern, direction)
            return
        self._opens.append(open_ms)
        self._setups.append((pattern, direction))

    def fold(self, trades: Sequence[ClosedTrade]) -> None:
        """Count the positions closed since the last call (`trades`: the book's closed
        trades in exit order, every position among them closed)."""
        start = self._counted
        if len(trades) <= start:
            return
        index = start
        while index < len(trades):
            first = trades[index]
            pnl, end = 0.0, index
            while end < len(trades) and (trades[end].entry_ms, trades[end].side) == (
                first.entry_ms,
                first.side,
            ):
                pnl += trades[end].pnl
                end += 1
            self._count(first.entry_ms, 1 if first.side == "long" else -1, pnl > 0)
            index = end
        self._counted = len(trades)

    def _count(self, entry_ms: int, direction: int, won: bool) -> None:
        at = bisect.bisect_left(self._opens, entry_ms) - 1
        if at < 0:
            return  # opened by a signal this plugin did not see (before its history)
        pattern, emitted_direction = self._setups[at]
        if emitted_direction != direction:
            return
        tally = self._tally.setdefault((pattern, direction), [0, 0])
        tally[0] += int(won)
        tally[1] += 1

    def record(self, pattern: str, direction: int) -> tuple[int, int]:
        """(wins, closed positions) of the setup so far."""
        wins, total = self._tally.get((pattern, direction), (0, 0))
        return wins, total


def backtest_layer(
    wins: int, total: int, pattern: str, direction: int, min_trades: int
) -> tuple[LayerReading | None, str]:
    """The BT layer of a setup with `wins` of `total` closed positions, or None with why."""
    side = "long" if direction > 0 else "short"
    if total < max(1, min_trades):
        return None, (
            f"{total} closed {pattern} {side} position(s) so far, under the {min_trades} "
            "the backtest score needs"
        )
    rate = wins / total * 100.0
    score = rate if direction > 0 else 100.0 - rate
    return LayerReading(score, 1.0, (f"{pattern} {side} won {wins} of {total}",)), ""


__all__ = ["SetupHistory", "backtest_layer"]
