"""`SignalStrategy`: the base class of every strategy plugin.

A plugin is a Backtrader strategy with class attributes `name`, `version`,
`description`, Backtrader `params` (with optional `param_info` metadata), optional
extra `feeds`, and one method, `generate_signal(self) -> Signal | None`, called on the
close of every bar of the run's timeframe once the plugin's indicators are ready.
Everything else belongs to this base class and the order pipeline it drives: the
reward/risk gate and circuit breakers, sizing, the bracket (entry, stop-loss,
take-profit, liquidation), one open position per (strategy, symbol), the max-hold
exit and the record of every signal.

Extra feeds: `feeds = ("1h", "BTCUSDT:5m")` asks for other timeframes of the run's
symbol and for reference symbols; they are `self.datas[1:]` in declaration order, in
backtests and paper trading alike. At the close of a bar of the run's timeframe a
strategy sees only extra-feed bars that have closed by then, never a forming one.

Market data beyond candles: `market_data = ("aggTrades", "depth20")` (names of
`scalplab.data.features.MARKET_DATA`) makes `self.market` the `BarFeatures` of the bar
that just closed (None fields for what was not declared or is not available), computed
by one pipeline from the stores in backtests and replays and from the stream in paper
trading; `market_params` sets the thresholds (a param of the same name overrides them).

External data: `external_layers = {"onchain": ("whale_alert",), ...}` names, per layer of
the plugin, the external data providers it reads (`scalplab.data.providers`); the plugin
then gets `self.p.external`, a `RunReadings` — the recorded snapshots of those providers
over the run's range in backtests and replays, the server's polled readings in live
paper — whose lookups never give a reading fetched after the instant asked
(`reading_at(provider, bar close)`). Missing providers are the plugin's to score as missing.
`self.closed_trades()` is the book's closed trades so far (its own history: a backtest's
run, a paper book's record), never one that closed after the bar.

Circuit breakers: `breakers = (MaxSignals("daily", 8), Cooldown("cooldown", 60), ...)`
(`scalplab.strategies.breakers`) come with each signal to the risk gate, which evaluates
them on the bar clock in every mode; a bad declaration is a `StrategyError` at start.

Vector form: a plugin may also compute the signals of a whole run at once
(`vector_signals`, `scalplab.strategies.vector`) for the fast screening path of
parameter sweeps; they must equal what `generate_signal` gives, bar for bar.

Strategies never call an exchange or a database; the executor (the order pipeline's
view of one book) is handed in by the backtest runner or the paper-trading engine.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

import backtrader as bt

import scalplab.data.btcompat  # noqa: F401  (restores collections.Iterable for Backtrader)
from scalplab.data.bars import Bar
from scalplab.data.features import NO_FEATURES, BarFeatures, FeatureParams, MarketSource
from scalplab.data.providers.asof import RunReadings
from scalplab.errors import StrategyError
from scalplab.strategies.breakers import Breaker, BreakerInputs, BreakerWatch
from scalplab.strategies.overlays import Overlays
from scalplab.strategies.params import ParamInfo
from scalplab.strategies.signal import Signal
from scalplab.strategies.vector import CandleArrays, VectorSignals
from scalplab.timeutil import iso_ms

if TYPE_CHECKING:
    import pandas as pd

# Params of the base class that are plumbing, not strategy settings (`external`: the
# provider readings of a plugin that declares `external_layers`).
INTERNAL_PARAMS = frozenset({"executor", "market", "external"})


class ClosedTrade(Protocol):
    """What a strategy reads of one of its book's closed trades (a fill that closed
    quantity: the order layer's `Trade`)."""

    @property
    def side(self) -> str: ...

    @property
    def entry_ms(self) -> int: ...

    @property
    def exit_ms(self) -> int: ...

    @property
    def pnl(self) -> float: ...


class Executor(Protocol):
    """What the base class drives for its book (one strategy on one symbol)."""

    def on_bar(self, bar: Bar) -> None:
        """A bar of the run's timeframe closed: fills, funding, levels."""

    def on_signal(self, bar: Bar, signal: Signal, breakers: BreakerInputs | None = None) -> object:
        """A signal on the close of `bar`: checks, sizing, risk gate (with the strategy's
        `breakers`, when it declares any), queue."""

    def bars_held(self) -> int:
        """Bars the open position has been held, its entry bar included (0 when flat)."""

    def request_exit(self, reason: Literal["max_hold", "signal"]) -> bool:
        """Close the position at the next bar's open."""

    def position(self) -> object | None:
        """The open position, if any."""

    def finish(self) -> None:
        """The data ended."""

    def closed_trades(self) -> Sequence[ClosedTrade]:
        """The book's closed trades so far, in exit order."""
        ...


class SignalStrategy(bt.Strategy):
    """Base of all plugins; subclasses override `generate_signal`."""

    name: ClassVar[str] = ""
    version: ClassVar[str] = "1.0.0"
    description: ClassVar[str] = ""
    param_info: ClassVar[dict[str, ParamInfo]] = {}
    feeds: ClassVar[tuple[str, ...]] = ()
    """Extra feeds: a timeframe of the run's symbol (`"1h"`) or `"SYMBOL:tf"`."""
    market_data: ClassVar[tuple[str, ...]] = ()
    """Market data read through `self.market` (names of `MARKET_DATA`)."""
    breakers: ClassVar[tuple[Breaker, ...]] = ()
    """Circuit breakers of this strategy (`scalplab.strategies.breakers`)."""
    market_params: ClassVar[FeatureParams] = FeatureParams()
    """Thresholds of the market features (sweeps, depth levels, walls)."""
    external_layers: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    """Layer → the external data providers it reads (`self.p.external`)."""
    history_bars: ClassVar[int] = 1_000
    """How far back a plugin may read a feed directly (`self.data.close[-k]` for
    k < history_bars) in paper trading, where Cerebro keeps only the bars each line
    needs; backtests keep every bar. Raise it (or `self.addminperiod(n)`) to read further."""

    params: ClassVar[Any] = (
        ("max_hold_bars", 0),
        ("executor", None),
        ("market", None),
        ("external", None),
    )

    base_param_info: ClassVar[dict[str, ParamInfo]] = {
        "max_hold_bars": ParamInfo(
            description="Close a position at the next open after this many bars (0 = never).",
            min=0,
            max=100_000,
        ),
    }

    def generate_signal(self) -> Signal | None:
        """Return a signal for the bar that just closed, or None. Plugins override this."""
        return None

    @classmethod
    def vector_signals(
        cls, candles: CandleArrays, params: Mapping[str, int | float | bool | str]
    ) -> VectorSignals | None:
        """The signals of every bar at once, for the fast screening path
        (`scalplab.strategies.vector`): exactly what `generate_signal` gives on each
        bar's close with these params, as if flat. None: this plugin has no vector form."""
        return None

    @classmethod
    def chart_overlays(
        cls, candles: pd.DataFrame, params: Mapping[str, int | float | bool | str]
    ) -> Overlays | None:
        """The plugin's own lines and zones for the price chart over `candles` (the store's
        columns) with these params, without look-ahead (`scalplab.strategies.overlays`).
        None: this plugin declares no overlay."""
        return None

    @classmethod
    def has_vector_form(cls) -> bool:
        """Whether the plugin's vector form describes its signal rule: some class overrides
        `vector_signals`, and no subclass of it overrides `generate_signal` again (a
        subclass that changes the rule but inherits the vector form sweeps through
        Backtrader)."""
        vector = _defining(cls, "vector_signals")
        rule = _defining(cls, "generate_signal")
        if vector is None or vector is SignalStrategy:
            return False
        return rule is None or issubclass(vector, rule)

    # ----- Backtrader hooks ---------------------------------------------------

    def qbuffer(self, savemem: int = 0, replaying: bool = False) -> None:
        """Cerebro's memory saving (paper trading) keeps each feed's last
        `history_bars` bars, so reading history directly gives what a backtest gives."""
        super().qbuffer(savemem, replaying=replaying)
        if savemem > 0:
            for data in self.datas:
                data.minbuffer(max(self._minperiod, self.history_bars))

    def start(self) -> None:
        executor = self.p.executor
        if executor is None:
            raise StrategyError(f"strategy {self.name!r} was started without an executor")
        self._executor: Executor = executor
        lines = self.data.lines
        self._open_ms_line = getattr(lines, "open_ms", None)
        # The line buffers themselves: reading them skips Backtrader's attribute lookups.
        self._price_lines = (lines.open, lines.high, lines.low, lines.close, lines.volume)
        self._max_hold: int = int(self.p.max_hold_bars)
        self._last_open_ms: int | None = None
        self._extra_feeds = len(self.datas) > 1
        self._market: MarketSource | None = self.p.market
        self._external: RunReadings | None = self.p.external
        cls = type(self)
        self._breaker_watch = BreakerWatch(cls.breakers, cls.feeds) if cls.breakers else None

    def _new_bar(self) -> Bar | None:
        """The bar of the run's timeframe that just closed, or None when this step only
        moved an extra feed (Backtrader steps on every feed's bars)."""
        if self._extra_feeds and not len(self.data):
            return None
        bar = self._bar()
        if bar.open_ms == self._last_open_ms:
            return None
        self._last_open_ms = bar.open_ms
        if self._market is not None:
            self._market.close_bar(bar.open_ms)
        return bar

    def prenext(self) -> None:
        # Indicators (or an extra feed) are still warming up: the bar still counts.
        bar = self._new_bar()
        if bar is not None:
            self._executor.on_bar(bar)

    def next(self) -> None:
        bar = self._new_bar()
        if bar is None:
            return
        executor: Executor = self._executor
        executor.on_bar(bar)
        if self._max_hold and executor.bars_held() >= self._max_hold:
            executor.request_exit("max_hold")
        try:
            signal = self.generate_signal()
        except Exception as exc:
            raise StrategyError(
                f"strategy {self.name!r} raised {type(exc).__name__}: {exc} "
                f"on the bar opened at {iso_ms(bar.open_ms)}"
            ) from exc
        if signal is not None:
            if not isinstance(signal, Signal):
                raise StrategyError(
                    f"strategy {self.name!r} returned {type(signal).__name__}, not a Signal"
                )
            watch = self._breaker_watch
            if watch is None:
                executor.on_signal(bar, signal)
            else:
                inputs = watch.inputs(self.datas, bar.open_ms, self._external)
                executor.on_signal(bar, signal, inputs)

    def stop(self) -> None:
        self._executor.finish()

    # ----- helpers for plugins -------------------------------------------------

    def _bar(self) -> Bar:
        if self._open_ms_line is not None:
            open_ms = int(self._open_ms_line[0])
        else:
            open_ms = round((self.data.datetime[0] - 719163.0) * 86_400_000.0)
        o, h, low, c, v = self._price_lines
        return Bar(open_ms, o[0], h[0], low[0], c[0], v[0])

    @property
    def market(self) -> BarFeatures:
        """The declared market data of the bar that just closed (as of its close)."""
        market = self._market
        return NO_FEATURES if market is None else market.current()

    def exit_position(self) -> bool:
        """The strategy's own exit rule fired (an emergency exit, a reversal): close the
        open position at the next bar's open, as a market order (taker, slipped), exit
        reason `signal`. False when flat or an exit is already on its way."""
        return bool(self._executor.request_exit("signal"))

    def closed_trades(self) -> Sequence[ClosedTrade]:
        """The book's closed trades so far, in exit order (each fill that closed quantity;
        empty on the warm-up history of a paper run)."""
        return self._executor.closed_trades()

    @property
    def in_position(self) -> bool:
        """Whether this book holds a position right now (plugins may skip work then)."""
        return self._executor.position() is not None


def finite(*values: float) -> bool:
    """True when every value is a finite number (indicator outputs during warm-up are NaN)."""
    return all(math.isfinite(v) for v in values)


def _defining(cls: type, name: str) -> type | None:
    """The nearest class in `cls`'s MRO that defines `name` itself."""
    return next((klass for klass in cls.__mro__ if name in vars(klass)), None)
