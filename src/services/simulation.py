"""The `/simulation` actions: thin calls into the paper-trading engine.

Reads (status, portfolio, positions) are cheap snapshots under the engine's lock,
so the routes call them straight from the event loop; anything that touches the
database or starts/stops threads runs in a worker thread (see the routes).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.views import FeedSpec
from scalplab.timeutil import to_ms

log = logging.getLogger(__name__)

MAX_SPEED = "max"
"""The `speed` value meaning "as fast as possible"."""


class SimulationService:
    """Engine state and controls, as JSON-ready dicts."""

    def __init__(self, engine: SimulationEngine) -> None:
        self.engine = engine

    def status(self) -> dict[str, Any]:
        """Running or stopped, the feed, the pairs and how far they got."""
        return self.engine.status().to_dict()

    def portfolio(self) -> dict[str, Any]:
        """Cash, equity, P&L, costs, margin and open positions."""
        return self.engine.portfolio().to_dict()

    def positions(self) -> list[dict[str, Any]]:
        """Every open position, marked at its last close."""
        return [position.to_dict() for position in self.engine.positions()]

    def trades(self, limit: int, offset: int) -> list[dict[str, Any]]:
        """Closed trades, newest first."""
        return [trade.to_dict() for trade in self.engine.trades(limit=limit, offset=offset)]

    def performance(self) -> dict[str, Any]:
        """Sharpe, drawdown, win rate, profit factor, ... over the simulation so far."""
        return dict(self.engine.performance())

    def risk_events(self, limit: int) -> list[dict[str, Any]]:
        """Orders the circuit breakers blocked, newest first, each with its reason."""
        return [event.to_dict() for event in self.engine.risk_events(limit=limit)]

    def start(
        self,
        speed: float | str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> dict[str, Any]:
        """Start a replay of the enabled pairs.

        Without options the engine continues its last run (same range and speed,
        after its cursor) or starts the default replay (the `replay_speed`
        setting, every stored candle). With options, a replay of `[start, end)`
        at `speed` (`"max"`: as fast as possible; omitted: the setting).
        """
        feed: FeedSpec | None = None
        if speed is not None or start is not None or end is not None:
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
        started = self.engine.start(feed).to_dict()
        log.info(
            "simulation started: replay of %s at %s",
            ", ".join(pair["symbol"] for pair in started["pairs"]),
            "max speed" if started["speed"] is None else f"{started['speed']:g}x",
            extra={"feed": None if feed is None else feed.to_dict()},
        )
        return started

    def stop(self) -> dict[str, Any]:
        """Stop the engine (state is kept; start continues from where it stopped)."""
        stopped = self.engine.stop().to_dict()
        log.info(
            "simulation stopped after %d candles",
            stopped["candles_processed"],
            extra={"candles_processed": stopped["candles_processed"]},
        )
        return stopped

    def reset(self) -> dict[str, Any]:
        """Stop and wipe the paper portfolio, orders, signals and trades."""
        status = self.engine.reset().to_dict()
        log.info("simulation reset: the paper portfolio starts over")
        return status

    def close_position(self, symbol: str) -> dict[str, Any]:
        """Close a position at the next bar's open."""
        closed = self.engine.close_position(symbol).to_dict()
        log.info(
            "close of the %s position requested (fills at the next bar's open)",
            closed["symbol"],
            extra={"symbol": closed["symbol"]},
        )
        return closed
