"""Paper trading: the engine's state, portfolio, positions, trades, metrics and controls.

`portfolio()` and `positions()` return the read model's snapshot of the last commit
(no engine lock, no database), so a front end may call them from its event loop;
everything else reads the database or starts and stops threads (call it from a
worker thread).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

from scalplab.errors import InputError
from scalplab.orders.metrics import Metrics
from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.views import (
    EngineStatus,
    FeedSpec,
    Portfolio,
    PositionClosed,
    PositionView,
    RiskEventView,
    TradeView,
)
from scalplab.timeutil import to_ms

log = logging.getLogger(__name__)

MAX_SPEED = "max"
"""The `speed` value meaning "as fast as possible"."""
EQUITY_POINTS = 5000
"""Most points `equity()` returns (a chart has no use for more)."""


class SimulationService:
    """Engine state and controls, as the engine's typed records."""

    def __init__(self, engine: SimulationEngine) -> None:
        self.engine = engine

    def status(self) -> EngineStatus:
        """Running or stopped, the feed, the pairs and how far they got."""
        return self.engine.status()

    def portfolio(self) -> Portfolio:
        """Cash, equity, P&L, costs and margin as of the last commit (no lock, no database)."""
        return self.engine.read.portfolio()

    def positions(self) -> list[PositionView]:
        """Every open position as of the last commit, marked at its book's last close."""
        return self.engine.read.positions()

    def trades(self, limit: int, offset: int) -> list[TradeView]:
        """Closed trades, newest first."""
        return self.engine.read.trades(limit=limit, offset=offset)

    def performance(self) -> Metrics:
        """Sharpe, drawdown, win rate, profit factor, ... over the simulation so far."""
        return self.engine.read.metrics()

    def equity(self) -> list[tuple[int, float]]:
        """The equity curve as `(bar open ms, equity)`, oldest first, evenly thinned to at
        most `EQUITY_POINTS` (the last point always kept)."""
        points = list(self.engine.read.equity_curve().points)
        if len(points) <= EQUITY_POINTS:
            return points
        every = -(-len(points) // (EQUITY_POINTS - 1))
        thinned = points[::every]
        if thinned[-1] != points[-1]:
            thinned.append(points[-1])
        return thinned

    def risk_events(self, limit: int, strategy: str | None = None) -> list[RiskEventView]:
        """Signals and orders the circuit breakers blocked (of one strategy, if given),
        newest first, with the reason."""
        return self.engine.read.risk_events(limit=limit, strategy=strategy)

    def start(
        self,
        speed: float | Literal["max"] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        feed_kind: Literal["replay", "live"] | None = None,
        candles: int | None = None,
    ) -> EngineStatus:
        """Start a replay of the enabled pairs, or (`feed_kind="live"`) paper-trade
        Binance's live stream, for `candles` closed 1m klines or until stopped.

        Without options the engine continues its last run (same range and speed,
        after its cursor) or starts the default feed (`SIMULATION_FEED`: live, or the
        default replay at the `replay_speed` setting over every stored candle). With
        options, a replay of `[start, end)` at `speed` (`"max"`: as fast as possible;
        omitted: the setting).
        """
        feed: FeedSpec | None = None
        if feed_kind == "live":
            if speed is not None or start is not None or end is not None:
                raise InputError("speed, start and end are for a replay, not the live feed")
            feed = FeedSpec(kind="live", candles=candles)
        elif candles is not None:
            raise InputError("candles is for the live feed; a replay plays [start, end)")
        elif feed_kind == "replay" and speed is None and start is None and end is None:
            # A replay with no options: the last run's, when it was a replay, else the default.
            last = self.engine.account.run.spec
            if last is None or last.kind != "replay":
                feed = FeedSpec(kind="replay", speed=self.engine.settings().replay_speed)
        elif speed is not None or start is not None or end is not None:
            if speed is None:
                replay_speed: float | None = self.engine.settings().replay_speed
            elif speed == MAX_SPEED:
                replay_speed = None
            else:
                replay_speed = float(speed)
            feed = FeedSpec(
                kind="replay",
                speed=replay_speed,
                start_ms=None if start is None else to_ms(start),
                end_ms=None if end is None else to_ms(end),
            )
        started = self.engine.start(feed)
        log.info(
            "simulation started: %s of %s at %s",
            started.feed,
            ", ".join(f"{pair.symbol} ({pair.strategy})" for pair in started.pairs),
            "max speed" if started.speed is None else f"{started.speed:g}x",
            extra={"feed": None if feed is None else feed.to_dict()},
        )
        return started

    def stop(self) -> EngineStatus:
        """Stop the engine (state is kept; start continues from where it stopped)."""
        stopped = self.engine.stop()
        log.info(
            "simulation stopped after %d candles",
            stopped.candles_processed,
            extra={"candles_processed": stopped.candles_processed},
        )
        return stopped

    def pause(self) -> EngineStatus:
        """Pause the running replay (409 without one); answers once it stands still."""
        return self._logged("paused", self.engine.replay.pause())

    def resume(self) -> EngineStatus:
        """Resume the paused replay from where its clock stopped."""
        return self._logged("resumed", self.engine.replay.resume())

    def step(self) -> EngineStatus:
        """Apply one more bar of the paused replay; answers once it is committed."""
        return self._logged("stepped", self.engine.replay.step())

    def set_speed(self, speed: float | Literal["max"]) -> EngineStatus:
        """Continue the running replay at `speed` (`"max"`: as fast as possible)."""
        pace = None if speed == MAX_SPEED else float(speed)
        return self._logged("re-paced", self.engine.replay.set_speed(pace))

    def _logged(self, what: str, status: EngineStatus) -> EngineStatus:
        replay = status.replay
        if replay is not None:
            log.info(
                "replay %s at bar %d of %d (%s)",
                what,
                replay.bar,
                replay.bars,
                "max speed" if replay.speed is None else f"{replay.speed:g}x",
                extra={"bar": replay.bar, "bars": replay.bars, "speed": replay.speed},
            )
        return status

    def reset(self) -> EngineStatus:
        """Stop and wipe the paper portfolio, orders, signals and trades."""
        status = self.engine.reset()
        log.info("simulation reset: the paper portfolio starts over")
        return status

    def close_position(self, symbol: str, strategy: str | None = None) -> PositionClosed:
        """Close a position at the next bar's open (`strategy`: which book of the symbol;
        optional when one pair trades it)."""
        closed = self.engine.close_position(symbol, strategy)
        log.info(
            "close of the %s (%s) position requested (fills at the next bar's open)",
            closed.symbol,
            closed.strategy,
            extra={"symbol": closed.symbol, "strategy": closed.strategy},
        )
        return closed
