"""Live trading: the engine's Binance venue, its session, its ledger database.

When the live-trading gate is open (`services.status.trading_gate`) the engine runs the
same pipeline over `orders.binance_venue.BinanceVenue` instead of the simulated venue,
on its own database (`LIVE_DB_URL`, default `DATA_DIR/live.db`): live and paper never
share a row, and a paper reset can never touch the live ledger. `LiveTrading` builds the
venue when the engine builds its account, starts the session (account checks, margin and
leverage, the user-data stream) before the first candle, and stops it with the run.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from scalplab.config import Settings
from scalplab.data.adapters.binance.trading import BinanceTradingClient
from scalplab.errors import ConflictError
from scalplab.orders.binance_venue import BinanceVenue
from scalplab.orders.execution import ExecutionModel
from scalplab.orders.live_sync import LiveSession, LiveVenueHealth
from scalplab.orders.queue import OrderQueue
from scalplab.storage.db import Database, migrate

Apply = Callable[[Callable[[], None]], None]


def ledger_settings(settings: Settings) -> Settings:
    """The settings of the live ledger's database (`LIVE_DB_URL`)."""
    return settings.model_copy(update={"db_url": settings.live_database_url})


def open_ledger(settings: Settings) -> Database:
    """Migrate and open the live ledger's database."""
    ledger = ledger_settings(settings)
    migrate(ledger)
    return Database(ledger)


class LiveTrading:
    """The Binance venue of a live engine and the session it trades in."""

    def __init__(self, settings: Settings, client: BinanceTradingClient | None = None) -> None:
        self.settings = settings
        self.client = client or BinanceTradingClient(
            settings.rest_url,
            settings.binance_api_key.get_secret_value(),
            settings.binance_api_secret.get_secret_value(),
        )
        self.venue: BinanceVenue | None = None
        self.session: LiveSession | None = None
        self.running = False
        self._apply: Apply | None = None

    def make_venue(self, model: ExecutionModel, queue: OrderQueue) -> BinanceVenue:
        """The venue over the engine's books and order queue (the account's venue factory)."""
        self.venue = BinanceVenue(model, queue, self.client)
        if self._apply is not None:
            self.venue.apply = self._apply
        self.session = LiveSession(
            self.venue,
            self.settings.ws_url,
            leverage=max(1, math.floor(self.settings.max_leverage)),
            connect_timeout_s=self.settings.live_connect_timeout_s,
        )
        return self.venue

    def bind(self, apply: Apply) -> None:
        """What Binance reports is applied through `apply` (the engine's lock and journal),
        by this venue and any the account builds later (after a restart's reload)."""
        self._apply = apply
        if self.venue is not None:
            self.venue.apply = apply

    def start(self, books: dict[str, str]) -> None:
        """Start trading `books` (book id → symbol); `ConflictError` says why it cannot."""
        if self.session is None:
            raise ConflictError("live trading has no venue: the engine was not built for it")
        if self.running:
            return
        self.session.start(books)
        self.running = True

    def stop(self) -> None:
        """Stop the session (positions and their protection stay on Binance)."""
        if self.session is not None and self.running:
            self.running = False
            self.session.stop()

    def health(self) -> LiveVenueHealth | None:
        """The venue's figures while a session runs."""
        if self.session is None or not self.running:
            return None
        return self.session.health()
