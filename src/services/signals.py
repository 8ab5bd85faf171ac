"""Signals: the ones the engine recorded, and a live feed of the engine's events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import anyio

from scalplab.data.symbols import normalize_symbol
from scalplab.orders.pending import PendingView
from scalplab.orders.types import Order
from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.events import EngineEvent, EventSubscription, StreamPayload
from scalplab.simulation.funnel import SignalFunnel
from scalplab.simulation.scores import ScoreboardRow, ScoreHistogram
from scalplab.simulation.views import RiskEventView, SignalView, TradeView

STREAM_KINDS = frozenset({"signal", "pending", "order", "trade", "status", "risk"})
"""Event kinds the stream forwards (`risk`: a signal or order a circuit breaker blocked)."""

STOP_POLL_SECONDS = 0.5
"""How often a waiting stream checks whether the front end is shutting down."""


def event_symbol(data: StreamPayload) -> str | None:
    """The symbol an event is about (an order inside a pending confirmation counts);
    None for an engine status."""
    if isinstance(data, SignalView | RiskEventView | Order):
        return data.symbol
    if isinstance(data, PendingView):
        return data.pending.order.symbol
    if isinstance(data, TradeView):
        return data.trade.symbol
    return None


class SignalService:
    """Signals as the engine recorded them, and subscriptions to its event hub."""

    def __init__(self, engine: SimulationEngine) -> None:
        self.engine = engine

    def in_memory(self, symbol: str | None, limit: int) -> bool:
        """Whether `list(symbol, limit)` answers from memory (no database, no engine lock),
        so that a front end may call it from its event loop."""
        name = None if symbol is None else normalize_symbol(symbol)
        return self.engine.read.recent.holds(name, limit)

    def list(self, symbol: str | None, limit: int) -> list[SignalView]:
        """The newest `limit` signals (of one symbol, if given), newest first.

        Up to 500 overall and 100 of one symbol they come from memory (no database, no
        engine lock; `RecentSignals`); a longer page of one symbol reads the rows."""
        name = None if symbol is None else normalize_symbol(symbol)
        return self.engine.read.signals(symbol=name, limit=limit)

    def scoreboard(self, limit: int, strategy: str | None = None) -> Sequence[ScoreboardRow]:
        """The newest scored signal of each (symbol, strategy) traded, best score first."""
        return self.engine.read.scoreboard(limit, strategy)

    def histogram(
        self, bins: int, strategy: str | None = None, symbol: str | None = None
    ) -> ScoreHistogram:
        """The distribution of the stored signals' scores (`bins` bins over 0..100)."""
        return self.engine.read.score_histogram(bins, strategy, symbol)

    def funnel(self, symbol: str | None, strategy: str | None) -> SignalFunnel:
        """What became of the recorded signals: generated → accepted, rejected by reason,
        blocked by breaker, expired, cancelled (of one symbol and/or strategy)."""
        name = None if symbol is None else normalize_symbol(symbol)
        return self.engine.read.funnel(name, strategy)

    def subscribe(self) -> EventSubscription:
        """A new subscription to the engine's events (call from the event loop)."""
        return self.engine.subscribe()

    @staticmethod
    async def events(
        subscription: EventSubscription,
        symbol: str | None,
        stop: anyio.Event | None = None,
    ) -> AsyncIterator[EngineEvent]:
        """The subscription's events of the streamed kinds, filtered by symbol.

        Events that name no symbol (status) always pass. Ends soon after `stop` is
        set (shutdown); the subscription is closed when the iteration ends or is
        abandoned (the consumer went away).
        """
        try:
            while stop is None or not stop.is_set():
                event: EngineEvent | None = None
                with anyio.move_on_after(STOP_POLL_SECONDS):
                    event = await subscription.get()
                if event is None or event.kind not in STREAM_KINDS:
                    continue
                about = event_symbol(event.data)
                if symbol is not None and about is not None and about != symbol:
                    continue
                yield event
        finally:
            subscription.close()
