"""Scores of the stored signals: the scoreboard and the score histogram.

Strategies that rate their signals (`Signal.score`, 0..100) leave the score in the
`signals_sim` rows. The scoreboard is the newest scored signal of every (symbol,
strategy) the engine traded, best score first; the histogram counts the scored
signals in equal-width bins over 0..100 (the last bin includes 100). Both are one
aggregate query each, whose answer is bounded by `limit` and `bins`, however many
signals are stored; signals without a score are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal_column, select

from scalplab.data.symbols import normalize_symbol
from scalplab.limits import check_bins, check_page
from scalplab.simulation.store import SimStore
from scalplab.storage.models_sim import SignalSim
from scalplab.timeutil import iso_ms

SCORE_MAX = 100.0
"""The top of the score scale (`Signal.score` is within 0..100)."""


@dataclass(frozen=True, slots=True)
class ScoreboardRow:
    """The newest scored signal of one (symbol, strategy)."""

    signal_id: int
    symbol: str
    strategy: str
    score: float
    tier: str | None
    variant: str | None
    time_ms: int
    status: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form (`time`: the signal bar's open time)."""
        return {
            "signal_id": self.signal_id,
            "symbol": self.symbol,
            "strategy": self.strategy,
            "score": self.score,
            "tier": self.tier,
            "variant": self.variant,
            "time": iso_ms(self.time_ms),
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class ScoreBin:
    """Signals scored within `[lower, upper)` (the last bin: `[lower, 100]`)."""

    lower: float
    upper: float
    count: int


@dataclass(frozen=True, slots=True)
class ScoreHistogram:
    """How the stored signals' scores are distributed (of one strategy / symbol, if given)."""

    bins: list[ScoreBin]
    total: int
    mean: float | None
    strategy: str | None = None
    symbol: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "bins": [{"lower": b.lower, "upper": b.upper, "count": b.count} for b in self.bins],
            "total": self.total,
            "mean": self.mean,
            "strategy": self.strategy,
            "symbol": self.symbol,
        }


def bin_edges(bins: int) -> list[float]:
    """The `bins + 1` edges of equal-width bins over 0..100."""
    check_bins(bins)
    return [SCORE_MAX * index / bins for index in range(bins + 1)]


def scoreboard(
    store: SimStore, limit: int = 100, strategy: str | None = None
) -> list[ScoreboardRow]:
    """The newest scored signal of each (symbol, strategy), best score first (at most
    `limit`; ties by symbol, then strategy)."""
    check_page(limit, 0)
    newest = select(func.max(SignalSim.id).label("id")).where(SignalSim.score.is_not(None))
    if strategy is not None:
        newest = newest.where(SignalSim.strategy == strategy)
    latest = newest.group_by(SignalSim.symbol, SignalSim.strategy).subquery()
    query = (
        select(SignalSim)
        .join(latest, latest.c.id == SignalSim.id)
        .order_by(SignalSim.score.desc(), SignalSim.symbol, SignalSim.strategy)
        .limit(limit)
    )
    with store.transaction() as session:
        return [
            ScoreboardRow(
                signal_id=row.id,
                symbol=row.symbol,
                strategy=row.strategy,
                score=float(row.score or 0.0),
                tier=row.tier,
                variant=row.variant,
                time_ms=row.time_ms,
                status=row.status,
            )
            for row in session.scalars(query)
        ]


def histogram(
    store: SimStore, bins: int = 10, strategy: str | None = None, symbol: str | None = None
) -> ScoreHistogram:
    """The scored signals counted in `bins` equal-width bins over 0..100 (of `strategy` /
    `symbol`, if given)."""
    edges = bin_edges(bins)
    symbol = None if symbol is None else normalize_symbol(symbol)
    score = SignalSim.score
    # Edges and indexes as SQL literals: GROUP BY repeats the expression, and a server
    # matches it to the selected one only when no bound parameter differs.
    whens = [(score < _number(edges[i + 1]), _number(i)) for i in range(bins - 1)]
    index = case(*(whens or [(score.is_not(None), _number(0))]), else_=_number(bins - 1))
    query = select(index, func.count(), func.sum(score)).where(score.is_not(None))
    if strategy is not None:
        query = query.where(SignalSim.strategy == strategy)
    if symbol is not None:
        query = query.where(SignalSim.symbol == symbol)
    counts = [0] * bins
    total_score = 0.0
    with store.transaction() as session:
        for number, count, summed in session.execute(query.group_by(index)):
            counts[int(number)] = int(count)
            total_score += float(summed or 0.0)
    total = sum(counts)
    return ScoreHistogram(
        bins=[ScoreBin(edges[i], edges[i + 1], counts[i]) for i in range(bins)],
        total=total,
        mean=total_score / total if total else None,
        strategy=strategy,
        symbol=symbol,
    )


def _number(value: float) -> ColumnElement[float]:
    """`value` as an inline SQL number: an index, or an edge within 1..100 (whose `repr`
    is a plain decimal, exactly the float the bin bounds report)."""
    return literal_column(repr(value))
