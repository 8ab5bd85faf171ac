"""The portfolio's risk and results as a trader asks for them: heat, P&L, win rate,
drawdown and one strategy's day, read from the paper (or live) books.

- `heat`: the open risk of every busy book — a position's quantity × the distance from
  its entry to its current stop, a waiting entry's quantity × the distance from its
  reference price to its stop — as % of the equity, exactly what the portfolio-heat
  breakers measure (`scalplab.orders.gating.open_books`), with the caps the strategies
  declared (`PortfolioHeat` breakers: confluence-15m's 6 %).
- `pnl`: one UTC day's realised P&L (trades exiting that day) and the total since the
  start (equity − initial capital, realised and unrealised).
- `win_rates`: winning closing fills (P&L after fees and funding > 0) of all trades and
  per strategy, as the metrics count them.
- `drawdown`: the equity's fall from its peak now and the largest one so far, over the
  snapshots and the last bar's equity (the metrics' own curve).
- `strategy_day`: one strategy's UTC day for its daily report: signals by fate, the
  positions closed that day (legs summed) with their R achieved, P&L against the equity
  the day began with, and the account's largest drawdown within the day.

Nothing is invented: a figure without data is None (or an empty list) and the front end
says so in words.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from scalplab.errors import InputError
from scalplab.orders.breaker_state import covers, scope_key
from scalplab.orders.metrics import max_drawdown_pct
from scalplab.orders.models import Trade
from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.queries import EquityCurve, OpenRisk
from scalplab.simulation.views import SignalView
from scalplab.strategies.breakers import PortfolioHeat
from scalplab.timeutil import iso_ms

DAY_MS = 86_400_000
END_OF_TIME = 2**62
"""An exit time after every trade's."""
LOOKBACK_MS = 2 * DAY_MS
"""How far before a position's entry its signal is looked for (its initial stop)."""


def day_start_ms(day: str) -> int:
    """00:00 UTC of `YYYY-MM-DD` in epoch ms (`InputError` for another shape)."""
    try:
        moment = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise InputError(f"{day!r} is not a date: use YYYY-MM-DD") from None
    return int(moment.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class HeatCap:
    """A heat cap a strategy declared, and the heat of the books its scope holds now."""

    strategy: str
    breaker: str
    max_pct: float
    min_free_pct: float
    scope: str
    heat_pct: float
    free_pct: float


@dataclass(frozen=True, slots=True)
class BookHeat:
    """One book's open risk: a position (its entry and current stop) or an entry waiting
    to fill or to be confirmed (`qty`, `entry`, `stop` unknown: None)."""

    symbol: str
    strategy: str
    side: str
    state: str
    """`position` or `waiting`."""
    risk: float
    risk_pct: float
    qty: float | None = None
    entry: float | None = None
    stop: float | None = None


@dataclass(frozen=True, slots=True)
class HeatReport:
    """The portfolio heat: open risk of every book in % of the equity, against the caps."""

    equity: float
    open_risk: float
    heat_pct: float
    cap_pct: float | None
    """The tightest declared cap (None: no strategy in play declares one)."""
    free_pct: float | None
    caps: tuple[HeatCap, ...]
    books: tuple[BookHeat, ...]


@dataclass(frozen=True, slots=True)
class PnlReport:
    """A UTC day's realised P&L and the total so far."""

    day: str
    trades: int
    realised: float
    fees: float
    unrealised: float
    equity: float
    initial_capital: float
    total: float
    total_pct: float
    by_strategy: tuple[tuple[str, float], ...]
    """The day's realised P&L per strategy, largest first."""


@dataclass(frozen=True, slots=True)
class WinRate:
    """Winning closing fills of a strategy (None: all strategies)."""

    strategy: str | None
    trades: int
    wins: int
    losses: int

    @property
    def win_rate(self) -> float | None:
        """Wins in % of the trades (None without trades)."""
        return self.wins / self.trades * 100.0 if self.trades else None


@dataclass(frozen=True, slots=True)
class WinRateReport:
    """Overall and per-strategy win rates."""

    overall: WinRate
    strategies: tuple[WinRate, ...]


@dataclass(frozen=True, slots=True)
class DrawdownReport:
    """The equity's fall from its peak: now and the largest so far."""

    equity: float
    peak: float
    current_pct: float
    max_pct: float
    max_at: str | None
    """When the largest drawdown bottomed out (None: never below a peak)."""
    points: int


@dataclass(frozen=True, slots=True)
class PositionResult:
    """A position of a strategy whose last fill closed on the day (its legs summed)."""

    symbol: str
    side: str
    entry_ms: int
    exit_ms: int
    qty: float
    entry_price: float
    exit_price: float
    pnl: float
    fills: int
    r_multiple: float | None
    """P&L ÷ the risk at entry (qty × |entry − the signal's stop|); None without its signal."""


@dataclass(frozen=True, slots=True)
class StrategyDay:
    """One strategy's UTC day (its daily report)."""

    strategy: str
    day: str
    signals: dict[str, int]
    """Signals of the day's bars by fate."""
    positions: tuple[PositionResult, ...]
    start_equity: float
    max_drawdown_pct: float

    @property
    def sent(self) -> int:
        """Signals that became an entry or wait for a confirmation."""
        return self.signals.get("accepted", 0) + self.signals.get("pending", 0)

    @property
    def wins(self) -> int:
        """Positions closed with P&L > 0."""
        return sum(1 for p in self.positions if p.pnl > 0)

    @property
    def losses(self) -> int:
        """Positions closed with P&L ≤ 0."""
        return len(self.positions) - self.wins

    @property
    def pnl(self) -> float:
        """The positions' P&L summed."""
        return sum(p.pnl for p in self.positions)

    @property
    def pnl_pct(self) -> float:
        """The P&L in % of the equity the day began with."""
        return self.pnl / self.start_equity * 100.0 if self.start_equity > 0 else 0.0

    @property
    def avg_r(self) -> float | None:
        """The mean R achieved of the positions whose risk is known."""
        known = [p.r_multiple for p in self.positions if p.r_multiple is not None]
        return sum(known) / len(known) if known else None


class PortfolioService:
    """Heat, P&L, win rates, drawdown and a strategy's day over the engine's books."""

    def __init__(self, engine: SimulationEngine) -> None:
        self.engine = engine

    # ----- heat ----------------------------------------------------------------------------

    def heat(self, strategy: str | None = None) -> HeatReport:
        """The open risk of every busy book against the declared heat caps: those of
        `strategy` when given, else of every strategy followed or holding a book."""
        risk = self.engine.read.open_risk()
        equity = risk.equity
        books = _book_heat(risk)
        total = sum(book.risk for book in books)
        registry = self.engine.registry
        if strategy is not None:
            registry.get(strategy)  # NotFoundError naming the known ones
            names = [strategy]
        else:
            known = {info.name for info in registry.list()}
            names = sorted({*risk.strategies, *(b.strategy for b in books)} & known)
        caps = tuple(cap for name in names for cap in self._caps(name, books, equity))
        tightest = min(caps, key=lambda cap: cap.free_pct) if caps else None
        return HeatReport(
            equity=equity,
            open_risk=total,
            heat_pct=_pct(total, equity),
            cap_pct=None if tightest is None else tightest.max_pct,
            free_pct=None if tightest is None else tightest.free_pct,
            caps=caps,
            books=books,
        )

    def _caps(self, strategy: str, books: Sequence[BookHeat], equity: float) -> list[HeatCap]:
        declared = self.engine.registry.get(strategy).cls.breakers
        caps = []
        for breaker in declared:
            if not isinstance(breaker, PortfolioHeat):
                continue
            heat = _scope_heat(breaker.scope, strategy, books, equity)
            caps.append(
                HeatCap(
                    strategy=strategy,
                    breaker=breaker.name,
                    max_pct=breaker.max_pct,
                    min_free_pct=breaker.min_free_pct,
                    scope=breaker.scope,
                    heat_pct=heat,
                    free_pct=max(0.0, breaker.max_pct - heat),
                )
            )
        return caps

    # ----- P&L, win rate, drawdown ---------------------------------------------------------

    def pnl(self, day: str) -> PnlReport:
        """`day`'s realised P&L (trades exiting that UTC day) and the total so far."""
        start = day_start_ms(day)
        trades = self.engine.read.trades_between(start, start + DAY_MS)
        portfolio = self.engine.read.portfolio()
        per: defaultdict[str, float] = defaultdict(float)
        for trade in trades:
            per[trade.strategy] += trade.pnl
        total = portfolio.equity - portfolio.initial_capital
        return PnlReport(
            day=day,
            trades=len(trades),
            realised=sum(t.pnl for t in trades),
            fees=sum(t.fees for t in trades),
            unrealised=portfolio.unrealised_pnl,
            equity=portfolio.equity,
            initial_capital=portfolio.initial_capital,
            total=total,
            total_pct=_pct(total, portfolio.initial_capital),
            by_strategy=tuple(sorted(per.items(), key=lambda item: (-abs(item[1]), item[0]))),
        )

    def win_rates(self) -> WinRateReport:
        """Winning closing fills overall and per strategy (P&L after costs > 0)."""
        trades = self.engine.read.trades_between(0, END_OF_TIME)
        per: defaultdict[str, list[Trade]] = defaultdict(list)
        for trade in trades:
            per[trade.strategy].append(trade)
        return WinRateReport(
            overall=_win_rate(None, trades),
            strategies=tuple(_win_rate(name, per[name]) for name in sorted(per)),
        )

    def drawdown(self) -> DrawdownReport:
        """The drawdown now and the largest so far, over the run's equity curve."""
        curve = self.engine.read.equity_curve()
        values = [curve.initial, *(value for _, value in curve.points)]
        peak = max(values)
        worst, worst_at, running = 0.0, None, curve.initial
        for time_ms, value in curve.points:
            running = max(running, value)
            fall = (running - value) / running * 100.0 if running > 0 else 0.0
            if fall > worst:
                worst, worst_at = fall, time_ms
        final = curve.points[-1][1] if curve.points else curve.final
        return DrawdownReport(
            equity=final,
            peak=peak,
            current_pct=(peak - final) / peak * 100.0 if peak > 0 else 0.0,
            max_pct=max_drawdown_pct(list(curve.points), curve.initial),
            max_at=None if worst_at is None else iso_ms(worst_at),
            points=len(curve.points),
        )

    # ----- a strategy's day ----------------------------------------------------------------

    def strategy_day(self, strategy: str, day: str) -> StrategyDay:
        """`strategy`'s signals and closed positions of the UTC day `day`."""
        start = day_start_ms(day)
        end = start + DAY_MS
        read = self.engine.read
        signals = read.signals_between(start, end, strategy)
        trades = read.trades_between(start, end, strategy)
        first_entry = min((t.entry_ms for t in trades), default=start)
        earlier = read.signals_between(first_entry - LOOKBACK_MS, end, strategy)
        curve = read.equity_curve()
        start_equity = _equity_at(curve, start)
        return StrategyDay(
            strategy=strategy,
            day=day,
            signals=dict(Counter(s.status for s in signals)),
            positions=tuple(_positions(trades, earlier)),
            start_equity=start_equity,
            max_drawdown_pct=_window_drawdown(curve, start, end, start_equity),
        )


def _pct(value: float, of: float) -> float:
    return value / of * 100.0 if of > 0 and math.isfinite(of) else 0.0


def _book_heat(risk: OpenRisk) -> tuple[BookHeat, ...]:
    positions = {(p.symbol, p.strategy): p for p in risk.positions}
    books = []
    for book in risk.books:
        if not book.side:
            continue  # busy, but nothing at risk is known (no order, no position)
        position = positions.get((book.symbol, book.strategy))
        books.append(
            BookHeat(
                symbol=book.symbol,
                strategy=book.strategy,
                side=book.side,
                state="waiting" if position is None else "position",
                risk=book.risk,
                risk_pct=_pct(book.risk, risk.equity),
                qty=None if position is None else position.qty,
                entry=None if position is None else position.entry_price,
                stop=None if position is None else position.stop_loss,
            )
        )
    books.sort(key=lambda b: (-b.risk, b.symbol, b.strategy))
    return tuple(books)


def _scope_heat(scope: str, strategy: str, books: Sequence[BookHeat], equity: float) -> float:
    """The heat a cap of `strategy`'s with `scope` measures (a symbol scope: its hottest
    symbol)."""
    if scope == "symbol":
        per: defaultdict[str, float] = defaultdict(float)
        for book in books:
            per[book.symbol] += book.risk
        return _pct(max(per.values(), default=0.0), equity)
    key = scope_key(scope, "", strategy)
    return _pct(sum(b.risk for b in books if covers(key, b.symbol, b.strategy)), equity)


def _win_rate(strategy: str | None, trades: Sequence[Trade]) -> WinRate:
    wins = sum(1 for t in trades if t.pnl > 0)
    return WinRate(strategy, len(trades), wins, len(trades) - wins)


def _equity_at(curve: EquityCurve, time_ms: int) -> float:
    """The equity at `time_ms`: the last point before it (the initial capital before any)."""
    value = curve.initial
    for point_ms, equity in curve.points:
        if point_ms >= time_ms:
            break
        value = equity
    return value


def _window_drawdown(curve: EquityCurve, start: int, end: int, start_equity: float) -> float:
    values = [start_equity, *(value for ms, value in curve.points if start <= ms < end)]
    peak, worst = values[0], 0.0
    for value in values:
        peak = max(peak, value)
        if peak > 0:
            worst = max(worst, (peak - value) / peak * 100.0)
    return worst


def _positions(trades: Iterable[Trade], signals: Sequence[SignalView]) -> list[PositionResult]:
    """The day's trades grouped into positions (symbol, entry time), each with the stop of
    the accepted signal that opened it (the newest one of its symbol before the entry)."""
    groups: defaultdict[tuple[str, int], list[Trade]] = defaultdict(list)
    for trade in trades:
        groups[(trade.symbol, trade.entry_ms)].append(trade)
    accepted = [s for s in signals if s.status == "accepted"]
    results = []
    for (symbol, entry_ms), fills in groups.items():
        qty = sum(t.qty for t in fills)
        pnl = sum(t.pnl for t in fills)
        entry_price = fills[0].entry_price
        opened = [s for s in accepted if s.symbol == symbol and s.time_ms < entry_ms]
        stop = max(opened, key=lambda s: s.time_ms).stop_loss if opened else None
        risk = None if stop is None else qty * abs(entry_price - stop)
        results.append(
            PositionResult(
                symbol=symbol,
                side=fills[0].side,
                entry_ms=entry_ms,
                exit_ms=max(t.exit_ms for t in fills),
                qty=qty,
                entry_price=entry_price,
                exit_price=sum(t.exit_price * t.qty for t in fills) / qty if qty else 0.0,
                pnl=pnl,
                fills=len(fills),
                r_multiple=pnl / risk if risk else None,
            )
        )
    results.sort(key=lambda p: (p.exit_ms, p.symbol))
    return results


__all__ = [
    "BookHeat",
    "DrawdownReport",
    "HeatCap",
    "HeatReport",
    "PnlReport",
    "PortfolioService",
    "PositionResult",
    "StrategyDay",
    "WinRate",
    "WinRateReport",
    "day_start_ms",
]
