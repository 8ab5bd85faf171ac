"""The engine's public records: plain dataclasses with `to_dict()` (the API's JSON shapes).

Times are ISO-8601 UTC strings in the JSON forms; bar times come from the bar
clock (a candle's open time), `updated_at`/`started_at` from the wall clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from scalplab.data.replay_clock import ReplayProgress
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import InputError, snippet
from scalplab.limits import check_replay_speed, clamp_replay_speed
from scalplab.orders.execution import ExecutionModel
from scalplab.orders.models import ReasonParams, Trade, book_id, trade_dict
from scalplab.orders.risk_records import BLOCK_SIGNAL, GLOBAL
from scalplab.timeutil import iso_ms

EngineState = Literal["running", "stopped"]


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """Where candles come from: a replay of stored candles at `speed`× (None = max) over
    `[start_ms, end_ms)`, or Binance's live stream (`kind="live"`), for `candles` closed
    1m candles of the pair or until stopped."""

    kind: Literal["replay", "live"] = "replay"
    speed: float | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    candles: int | None = None
    degraded: bool = False
    """A replay of a plugin whose declared market data the store lacks runs with the
    declared fallbacks instead of refusing (`--degraded`)."""

    def __post_init__(self) -> None:
        if self.kind not in ("replay", "live"):
            raise InputError(f"feed {snippet(self.kind)} does not exist; use 'replay' or 'live'")
        if self.speed is not None:
            check_replay_speed(self.speed)
        if self.start_ms is not None and self.end_ms is not None and self.start_ms >= self.end_ms:
            raise InputError(
                f"start {iso_ms(self.start_ms)} must be before end {iso_ms(self.end_ms)}"
            )
        if self.candles is not None and self.candles < 1:
            raise InputError(f"candles must be at least 1, not {self.candles}")

    def to_dict(self) -> dict[str, Any]:
        """JSON form (also its persisted form)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeedSpec:
        """Inverse of `to_dict`; a stored speed outside today's bounds is brought into them."""
        return cls(
            kind=data.get("kind", "replay"),
            speed=clamp_replay_speed(data.get("speed")),
            start_ms=data.get("start_ms"),
            end_ms=data.get("end_ms"),
            candles=data.get("candles"),
            degraded=bool(data.get("degraded", False)),
        )


@dataclass(frozen=True, slots=True)
class PairSpec:
    """One pair the engine trades: symbol, strategy plugin, timeframe, params (a book)."""

    symbol: str
    strategy: str
    timeframe: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def book(self) -> str:
        """The id of the pair's book (`SYMBOL/strategy`)."""
        return book_id(self.symbol, self.strategy)

    @property
    def step_ms(self) -> int:
        """Length of one bar of the pair's timeframe."""
        return timeframe_ms(self.timeframe)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (also its persisted form)."""
        return {
            "symbol": self.symbol,
            "strategy": self.strategy,
            "timeframe": self.timeframe,
            "params": dict(self.params),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PairSpec:
        """Inverse of `to_dict`."""
        return cls(data["symbol"], data["strategy"], data["timeframe"], dict(data["params"]))


@dataclass(frozen=True, slots=True)
class PairStatus:
    """How far one pair got."""

    symbol: str
    strategy: str
    timeframe: str
    bars: int
    last_bar: str | None
    feed_state: str | None = None
    """Live feed only: connecting | connected | stale | reconnecting."""
    message_age_s: float | None = None
    """Live feed only: seconds since the symbol's last stream message."""
    last_price: float | None = None
    bid: float | None = None
    ask: float | None = None
    spread: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class EngineStatus:
    """`status()`: running or not, the feed, the pairs, progress and the confirm switch."""

    state: EngineState
    feed: str | None
    speed: float | None
    started_at: str | None
    pairs: list[PairStatus]
    candles_processed: int
    confirm_orders: bool
    finished: bool = False
    error: str | None = None
    mode: Literal["simulation"] = "simulation"
    replay: ReplayProgress | None = None
    """A replay's progress (bar X of N), pause and pace; None on the live feed."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        data = asdict(self)
        data["pairs"] = [pair.to_dict() for pair in self.pairs]
        data["replay"] = None if self.replay is None else asdict(self.replay)
        return data


@dataclass(frozen=True, slots=True)
class Portfolio:
    """Account totals of the paper portfolio."""

    initial_capital: float
    cash: float
    equity: float
    unrealised_pnl: float
    realised_pnl: float
    fees: float
    funding: float
    slippage: float
    margin_used: float
    open_positions: int
    updated_at: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class PositionView:
    """One open position marked at its book's last close."""

    symbol: str
    strategy: str
    side: str
    qty: float
    entry_price: float
    mark_price: float | None
    unrealised_pnl: float
    stop_loss: float | None
    take_profit: float | None
    liquidation_price: float | None
    margin: float
    opened_at: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class TradeView:
    """A closed trade as the API shows it (the backtest trade shape)."""

    trade: Trade

    def to_dict(self) -> dict[str, Any]:
        """JSON form (`scalplab.orders.models.trade_dict`)."""
        return trade_dict(self.trade)


@dataclass(frozen=True, slots=True)
class SignalView:
    """A signal and its fate: accepted, rejected, blocked, pending, expired, cancelled or
    dropped (`scalplab.orders.models.SignalFate`)."""

    id: int
    symbol: str
    strategy: str
    time_ms: int
    side: str
    entry: float
    stop_loss: float
    take_profit: float
    confidence: float
    reasons: list[str]
    status: str
    reason: str
    qty: float
    order_id: str | None
    breaker: str | None = None
    candle_in_ns: int | None = None
    """When the candle behind the signal reached the platform (wall-clock ns; stream
    events only, for latency measurements)."""
    score: float | None = None
    tier: str | None = None
    variant: str | None = None
    breakdown: dict[str, float] = field(default_factory=dict)
    """The strategy's payload (`Signal.score`, ...): None / empty when it set none."""
    reason_code: str | None = None
    """`reason` as a stable code (None: only the text says it) and its numbers."""
    reason_params: ReasonParams = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (`time` is the signal bar's open time)."""
        return {
            "id": self.id,
            "symbol": self.symbol,
            "strategy": self.strategy,
            "time": iso_ms(self.time_ms),
            "side": self.side,
            "entry": self.entry,
            "stop_loss": self.stop_loss,
            "take_profit": self.take_profit,
            "confidence": self.confidence,
            "reasons": list(self.reasons),
            "status": self.status,
            "reason": self.reason,
            "qty": self.qty,
            "order_id": self.order_id,
            "breaker": self.breaker,
            "candle_in_ns": self.candle_in_ns,
            "score": self.score,
            "tier": self.tier,
            "variant": self.variant,
            "breakdown": dict(self.breakdown),
            "reason_code": self.reason_code,
            "reason_params": dict(self.reason_params),
        }


@dataclass(frozen=True, slots=True)
class RiskEventView:
    """A block by a circuit breaker: the scope it acted on (`global`, `strategy`,
    `symbol`), its effect (`block_signal`, `block_scope`, `pause`, `pause_until`,
    `raise_threshold`) and the bar time until which it holds (None: while its condition
    holds, or until a person resumes trading)."""

    id: int
    time_ms: int
    symbol: str
    strategy: str
    breaker: str
    reason: str
    signal_id: int | None
    scope: str = GLOBAL
    effect: str = BLOCK_SIGNAL
    until_ms: int | None = None
    code: str | None = None
    """`reason` as a stable code (None: only the text says it) and its numbers."""
    params: ReasonParams = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (ISO-8601 UTC times)."""
        return {
            "id": self.id,
            "time": iso_ms(self.time_ms),
            "symbol": self.symbol,
            "strategy": self.strategy,
            "breaker": self.breaker,
            "reason": self.reason,
            "signal_id": self.signal_id,
            "scope": self.scope,
            "effect": self.effect,
            "until": None if self.until_ms is None else iso_ms(self.until_ms),
            "code": self.code,
            "params": dict(self.params),
        }


@dataclass(frozen=True, slots=True)
class PositionClosed:
    """Answer to `close_position`: the exit fills at the next bar's open."""

    symbol: str
    strategy: str
    requested: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


def portfolio_of(
    model: ExecutionModel,
    initial_capital: float,
    updated_ms: int | None,
    marks: Mapping[str, float] | None = None,
) -> Portfolio:
    """Portfolio totals from the execution model (realised = booked into cash); open
    positions at the live mark price of their symbol when known, else their last close."""
    unrealised = 0.0
    margin = 0.0
    open_positions = 0
    for book in model.books():
        position = model.position(book)
        if position is None:
            continue
        open_positions += 1
        margin += position.margin
        mark = _mark(model, book, marks)
        if mark is not None:
            unrealised += position.unrealised(mark)
    totals = model.totals()
    return Portfolio(
        initial_capital=initial_capital,
        cash=model.cash,
        equity=model.cash + unrealised,
        unrealised_pnl=unrealised,
        realised_pnl=model.cash - initial_capital,
        fees=float(totals["fees"]),
        funding=float(totals["funding"]),
        slippage=float(totals["slippage"]),
        margin_used=margin,
        open_positions=open_positions,
        updated_at=None if updated_ms is None else iso_ms(updated_ms),
    )


def _mark(model: ExecutionModel, book: str, marks: Mapping[str, float] | None) -> float | None:
    live = None if marks is None else marks.get(model.book(book).key.symbol)
    if live is not None:
        return live
    bar = model.last_bar(book)
    return None if bar is None else bar.close


def positions_of(
    model: ExecutionModel, marks: Mapping[str, float] | None = None
) -> list[PositionView]:
    """Every open position, in book order, marked as in `portfolio_of`."""
    views = []
    for book in model.books():
        position = model.position(book)
        if position is None:
            continue
        key = model.book(book).key
        mark = _mark(model, book, marks)
        views.append(
            PositionView(
                symbol=key.symbol,
                strategy=key.strategy,
                side=position.side,
                qty=position.qty,
                entry_price=position.entry_price,
                mark_price=mark,
                unrealised_pnl=position.unrealised(mark) if mark is not None else 0.0,
                stop_loss=position.stop_loss,
                take_profit=position.take_profit,
                liquidation_price=position.liquidation_price,
                margin=position.margin,
                opened_at=iso_ms(position.entry_ms),
            )
        )
    return views
