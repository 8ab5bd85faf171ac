"""Seed 002's go-live gates (§12.3, `FEATURES.md` B.11) computed for a run's result.

The seed's table, each threshold a named constant below: win rate > 55 %, profit factor
> 1.5, max drawdown < 15 %, Sharpe > 1.2, average R:R achieved > 1.5, max consecutive losses
< 8, sample size > 200 trades; trades per day is shown beside them (no threshold), and "paper
trade ≥ 2 weeks" (Reminder #7) cannot be measured by a backtest: it is listed, not checked.

Definitions (the seed counts one outcome per signal, `mean([t.rr for t in trades])`):
- A *position* is one entry: the trade records of one book, one side and one entry time. A
  take-profit ladder's legs and the final stop / end / max-hold fill are one position, its
  P&L their sum (net: fees, slippage and funding included). Win rate, profit factor, average
  R, consecutive losses, sample size and trades per day count positions, so on a laddered run
  they differ from `metrics` (which counts every fill record as a trade).
- A position wins when its P&L is > 0, loses otherwise (as `metrics` counts a trade).
- Initial risk (USDT) = the position's quantity × |entry fill price − initial stop|, the
  initial stop being the tick-rounded `stop_loss` of the accepted signal that opened it: the
  book's latest accepted signal of the same side produced before the entry and not before the
  book's previous entry. R = P&L / initial risk. A position without such a signal (a manual
  order; a result whose stored signals were truncated) has no R and is left out of the mean.
- Average R achieved = the mean of R over positions (signed: a loss counts negative).
- Max consecutive losses = the longest run of losing positions, in exit order.
- Max drawdown and Sharpe are the run's own (`metrics`: the equity curve's largest fall in %
  of its peak; daily returns annualised with √365, risk-free rate 0).
- A value that cannot be computed (no position, Sharpe of under two days) fails its gate; a
  profit factor without any losing position is unbounded and passes.

Each row's `note` (how the value was computed, in English) has a stable `code` and the
numbers it quotes (`params`), for front ends that translate it: `won_of` `{won, count}`,
`no_position`, `per_position`, `unbounded`, `of_peak`, `daily_annualised`,
`sharpe_not_computable`, `mean_r` `{count}`, `mean_r_left_out` `{count, left_out}`,
`no_known_stop`, `losses_in_row`, `positions_ladder`, `per_day_over` `{days}`,
`paper_unchecked` `{weeks}`; a walk-forward's mean: `mean_of_windows` `{count, total}` and
`mean_of_windows_others` `{count, total, others}` (`others`: the English notes of the
windows without a value, joined by "; "; the row's `others` holds them as coded notes,
`{text, code, params}` each, for a front end to say each in its language).
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from scalplab.errors import InputError
from scalplab.orders import gate_notes as notes
from scalplab.orders.gate_notes import GateNote
from scalplab.orders.models import ReasonParams, SignalRecord, Trade, fields_dict
from scalplab.timeutil import parse_utc, to_ms

SOURCE = "seed 002 §12.3"
"""Where the thresholds come from (`FEATURES.md` B.11)."""
MIN_WIN_RATE_PCT = 55.0
"""§12.3 "Win Rate > 55%"."""
MIN_PROFIT_FACTOR = 1.5
"""§12.3 "Profit Factor > 1.5"."""
MAX_DRAWDOWN_PCT = 15.0
"""§12.3 "Max Drawdown < 15%"."""
MIN_SHARPE = 1.2
"""§12.3 "Sharpe Ratio > 1.2"."""
MIN_AVG_R = 1.5
"""§12.3 "Avg R:R Achieved > 1.5"."""
MAX_CONSECUTIVE_LOSSES = 8
"""§12.3 "Max Consecutive Losses < 8"."""
MIN_SAMPLE_TRADES = 200
"""§12.3 "Sample Size > 200 trades"."""
MIN_PAPER_TRADE_DAYS = 14
"""Reminder #7 "paper trade for ≥ 2 weeks": not measurable by a backtest."""

_DAY_MS = 86_400_000

GateName = Literal[
    "win_rate",
    "profit_factor",
    "max_drawdown_pct",
    "sharpe",
    "avg_r",
    "max_consecutive_losses",
    "sample_size",
    "trades_per_day",
    "paper_trade_days",
]
GateOp = Literal[">", "<", "info", "unchecked"]
"""`>`/`<`: passes when value op threshold; `info`: shown, no threshold; `unchecked`: a
requirement a backtest cannot measure."""
GATE_NAMES: tuple[GateName, ...] = (
    "win_rate",
    "profit_factor",
    "max_drawdown_pct",
    "sharpe",
    "avg_r",
    "max_consecutive_losses",
    "sample_size",
    "trades_per_day",
    "paper_trade_days",
)


@dataclass(frozen=True, slots=True)
class GateCheck:
    """One row of the go-live table: `passed` None for `info` and `unchecked` rows;
    `code` and `params` say the `note` as a code and its numbers (see the module)."""

    name: GateName
    value: float | None
    threshold: float | None
    op: GateOp
    passed: bool | None
    note: str
    code: str | None = None
    params: ReasonParams = field(default_factory=dict)
    others: tuple[GateNote, ...] = ()

    @property
    def coded(self) -> GateNote:
        """The row's note as a coded note (`code` empty for a row stored before codes)."""
        return GateNote(self.note, self.code or "", dict(self.params), self.others)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (the result's and the sweep summary's `gates` rows)."""
        return {**fields_dict(self), "others": [note.to_dict() for note in self.others]}


@dataclass(frozen=True, slots=True)
class PositionOutcome:
    """One position's outcome: net P&L and initial risk in USDT (None: no known stop)."""

    entry_ms: int
    exit_ms: int
    pnl: float
    risk: float | None

    @property
    def r(self) -> float | None:
        """P&L in units of initial risk."""
        return None if self.risk is None else self.pnl / self.risk


@dataclass(frozen=True, slots=True)
class PositionDetail:
    """One position with what it was made of: its side, quantity-weighted entry fill,
    total quantity, number of trade records (`legs`), net P&L, the initial stop and
    initial risk (None: no known stop) and the reasons of the accepted signal that opened
    it (empty: none known)."""

    book: str
    side: str
    entry_ms: int
    exit_ms: int
    entry_price: float
    qty: float
    legs: int
    pnl: float
    stop: float | None
    risk: float | None
    reasons: tuple[str, ...]

    @property
    def outcome(self) -> PositionOutcome:
        """The gates' view of the position."""
        return PositionOutcome(self.entry_ms, self.exit_ms, self.pnl, self.risk)

    @property
    def r(self) -> float | None:
        """P&L in units of initial risk."""
        return None if self.risk is None else self.pnl / self.risk


@dataclass(frozen=True, slots=True)
class _Leg:
    book: str
    side: str
    entry_ms: int
    exit_ms: int
    entry_price: float
    qty: float
    pnl: float


@dataclass(frozen=True, slots=True)
class _Stop:
    book: str
    side: str
    time_ms: int
    stop_loss: float
    reasons: tuple[str, ...] = ()


def _details(legs: Iterable[_Leg], stops: Iterable[_Stop]) -> list[PositionDetail]:
    groups: dict[tuple[str, str, int], list[_Leg]] = {}
    for leg in legs:
        groups.setdefault((leg.book, leg.side, leg.entry_ms), []).append(leg)
    by_book: dict[str, list[_Stop]] = {}
    for signal in sorted(stops, key=lambda s: s.time_ms):
        by_book.setdefault(signal.book, []).append(signal)
    times = {book: [s.time_ms for s in found] for book, found in by_book.items()}
    previous_entry: dict[str, int] = {}
    details: list[PositionDetail] = []
    for (book, side, entry_ms), group in sorted(groups.items(), key=lambda item: item[0][2]):
        qty = sum(leg.qty for leg in group)
        entry_price = sum(leg.entry_price * leg.qty for leg in group) / qty if qty else 0.0
        opening = _opening_signal(
            by_book.get(book, []), times.get(book, []), side, previous_entry.get(book), entry_ms
        )
        previous_entry[book] = entry_ms
        risk = None if opening is None else qty * abs(entry_price - opening.stop_loss)
        details.append(
            PositionDetail(
                book=book,
                side=side,
                entry_ms=entry_ms,
                exit_ms=max(leg.exit_ms for leg in group),
                entry_price=entry_price,
                qty=qty,
                legs=len(group),
                pnl=sum(leg.pnl for leg in group),
                stop=None if opening is None else opening.stop_loss,
                risk=risk if risk is not None and math.isfinite(risk) and risk > 0 else None,
                reasons=() if opening is None else opening.reasons,
            )
        )
    return sorted(details, key=lambda p: (p.exit_ms, p.entry_ms))


def _positions(legs: Iterable[_Leg], stops: Iterable[_Stop]) -> list[PositionOutcome]:
    return [detail.outcome for detail in _details(legs, stops)]


def _opening_signal(
    stops: Sequence[_Stop], times: Sequence[int], side: str, after_ms: int | None, entry_ms: int
) -> _Stop | None:
    """The latest accepted signal of `side` in `[after_ms, entry_ms)`."""
    index = bisect.bisect_left(times, entry_ms) - 1
    while index >= 0 and (after_ms is None or stops[index].time_ms >= after_ms):
        if stops[index].side == side:
            return stops[index]
        index -= 1
    return None


def position_details(
    trades: Sequence[Trade], signals: Sequence[SignalRecord]
) -> list[PositionDetail]:
    """A run's positions in detail (grouped and linked as `positions_of`), in exit order."""
    return _details(_legs(trades), _stops(signals))


def _legs(trades: Sequence[Trade]) -> Iterable[_Leg]:
    return (
        _Leg(t.book, t.side, t.entry_ms, t.exit_ms, t.entry_price, t.qty, t.pnl) for t in trades
    )


def _stops(signals: Sequence[SignalRecord]) -> Iterable[_Stop]:
    return (
        _Stop(f"{s.symbol}/{s.strategy}", s.side, s.time_ms, s.stop_loss, tuple(s.reasons))
        for s in signals
        if s.status == "accepted"
    )


def positions_of(trades: Sequence[Trade], signals: Sequence[SignalRecord]) -> list[PositionOutcome]:
    """A run's positions (its trade records grouped by entry), in exit order."""
    return _positions(_legs(trades), _stops(signals))


def positions_of_result(result: Mapping[str, Any]) -> list[PositionOutcome]:
    """The positions of a result JSON (`trades` and `signals` of one pair and strategy)."""
    legs = (
        _Leg(
            "",
            str(t["side"]),
            _ms(t["entry_time"]),
            _ms(t["exit_time"]),
            float(t["entry_price"]),
            float(t["qty"]),
            float(t["pnl"]),
        )
        for t in result["trades"]
    )
    stops = (
        _Stop("", str(s["side"]), _ms(s["time"]), float(s["stop_loss"]))
        for s in result.get("signals") or []
        if s.get("status", "accepted") == "accepted"
    )
    return _positions(legs, stops)


def _ms(text: object) -> int:
    return to_ms(parse_utc(str(text), "time"))


def max_consecutive_losses(positions: Sequence[PositionOutcome]) -> int:
    """The longest run of losing positions (P&L ≤ 0), in the order given."""
    longest = run = 0
    for position in positions:
        run = run + 1 if position.pnl <= 0 else 0
        longest = max(longest, run)
    return longest


def _passes(value: float, op: GateOp, threshold: float) -> bool:
    return value > threshold if op == ">" else value < threshold


def _gate(
    name: GateName, value: float | None, op: GateOp, threshold: float, note: GateNote
) -> GateCheck:
    passed = value is not None and math.isfinite(value) and _passes(value, op, threshold)
    return GateCheck(
        name, value, threshold, op, passed, note.text, note.code, dict(note.params), note.others
    )


def _row(
    name: GateName,
    value: float | None,
    threshold: float | None,
    op: GateOp,
    passed: bool | None,
    note: GateNote,
) -> GateCheck:
    return GateCheck(
        name, value, threshold, op, passed, note.text, note.code, dict(note.params), note.others
    )


def evaluate(
    positions: Sequence[PositionOutcome],
    max_drawdown_pct: float,
    sharpe: float | None,
    days: float,
) -> list[GateCheck]:
    """The go-live table for positions (in exit order) and the run's drawdown and Sharpe."""
    count = len(positions)
    pnls = [p.pnl for p in positions]
    wins = [p for p in pnls if p > 0]
    gross_loss = -sum(p for p in pnls if p <= 0)
    r_values = [r for r in (p.r for p in positions) if r is not None]
    if gross_loss > 0:
        profit_factor = sum(wins) / gross_loss
        profit = _gate("profit_factor", profit_factor, ">", MIN_PROFIT_FACTOR, notes.PER_POSITION)
    else:
        note = notes.UNBOUNDED if wins else notes.NO_POSITION
        profit = _row("profit_factor", None, MIN_PROFIT_FACTOR, ">", bool(wins), note)
    win_rate = 100.0 * len(wins) / count if count else None
    avg_r = statistics.fmean(r_values) if r_values else None
    losses = float(max_consecutive_losses(positions))
    return [
        _gate("win_rate", win_rate, ">", MIN_WIN_RATE_PCT, notes.won_note(len(wins), count)),
        profit,
        _gate("max_drawdown_pct", max_drawdown_pct, "<", MAX_DRAWDOWN_PCT, notes.OF_PEAK),
        _gate("sharpe", sharpe, ">", MIN_SHARPE, notes.sharpe_note(sharpe is not None)),
        _gate("avg_r", avg_r, ">", MIN_AVG_R, notes.r_note(len(r_values), count)),
        _gate("max_consecutive_losses", losses, "<", MAX_CONSECUTIVE_LOSSES, notes.IN_A_ROW),
        _gate("sample_size", float(count), ">", MIN_SAMPLE_TRADES, notes.LADDER_IS_ONE),
        _row(
            "trades_per_day",
            count / days if days > 0 else None,
            None,
            "info",
            None,
            notes.per_day_note(days),
        ),
        _row(
            "paper_trade_days",
            None,
            MIN_PAPER_TRADE_DAYS,
            "unchecked",
            None,
            notes.paper_note(MIN_PAPER_TRADE_DAYS),
        ),
    ]


def mean_gates(sets: Sequence[Sequence[GateCheck]]) -> list[GateCheck]:
    """One table from several (a walk-forward's windows): each value the mean of the
    windows that have one, checked against its threshold again."""
    if not sets:
        return []
    by_name: dict[str, list[GateCheck]] = {}
    for checks in sets:
        for check in checks:
            by_name.setdefault(check.name, []).append(check)
    merged: list[GateCheck] = []
    for name in GATE_NAMES:
        found = by_name.get(name)
        if not found:
            continue
        first = found[0]
        values = [c.value for c in found if c.value is not None]
        value = statistics.fmean(values) if values else None
        note = notes.mean_note(len(values), len(found), [c.coded for c in found if c.value is None])
        if first.op == "unchecked":
            merged.append(first)
        elif first.op == "info" or first.threshold is None:
            merged.append(_row(first.name, value, first.threshold, first.op, None, note))
        elif value is None:
            passed = all(c.passed for c in found)
            merged.append(_row(first.name, None, first.threshold, first.op, passed, note))
        else:
            merged.append(_gate(first.name, value, first.op, first.threshold, note))
    return merged


def result_gates(
    trades: Sequence[Trade],
    signals: Sequence[SignalRecord],
    metrics: Mapping[str, Any],
    start_ms: int,
    end_ms: int,
) -> list[GateCheck]:
    """The go-live table of a finished run (its trades, every signal, its metrics)."""
    return evaluate(
        positions_of(trades, signals),
        float(metrics["max_drawdown_pct"]),
        _optional(metrics.get("sharpe")),
        (end_ms - start_ms) / _DAY_MS,
    )


def gates_of_result(result: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The `gates` of a result JSON: stored ones, else computed from its trades, signals and
    metrics (a result stored before gates existed); None when it lacks what they need."""
    stored = result.get("gates")
    if isinstance(stored, list):
        return stored
    try:
        metrics = result["metrics"]
        checks = evaluate(
            positions_of_result(result),
            float(metrics["max_drawdown_pct"]),
            _optional(metrics.get("sharpe")),
            (_ms(result["end"]) - _ms(result["start"])) / _DAY_MS,
        )
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError, InputError):
        return None
    return [check.to_dict() for check in checks]


def _optional(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


_LABELS: dict[str, tuple[str, str]] = {
    # name → (short label, value format)
    "win_rate": ("win rate", "{:.1f} %"),
    "profit_factor": ("PF", "{:.2f}"),
    "max_drawdown_pct": ("max DD", "{:.1f} %"),
    "sharpe": ("Sharpe", "{:.2f}"),
    "avg_r": ("avg R", "{:.2f}"),
    "max_consecutive_losses": ("loss streak", "{:.0f}"),
    "sample_size": ("positions", "{:.0f}"),
    "trades_per_day": ("per day", "{:.2f}"),
}


def gates_line(checks: Sequence[Mapping[str, Any]]) -> str:
    """One compact line of pass/fail marks: `gates (seed 002 §12.3) 2/7 passed: …`."""
    gated = [c for c in checks if c.get("op") in (">", "<")]
    passed = sum(1 for c in gated if c.get("passed"))
    parts: list[str] = []
    for check in checks:
        label = _LABELS.get(str(check.get("name")))
        if label is None:
            continue
        value = check.get("value")
        shown = "n/a" if value is None else label[1].format(value)
        if check.get("name") == "profit_factor" and value is None and check.get("passed"):
            shown = "∞"
        mark = "" if check.get("passed") is None else ("✓ " if check.get("passed") else "✗ ")
        parts.append(f"{mark}{label[0]} {shown}")
    return f"gates ({SOURCE}) {passed}/{len(gated)} passed: " + " · ".join(parts)
