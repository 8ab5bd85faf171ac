"""Health: version, trading mode with the reason for it, database reachability."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from threading import Lock
from typing import Literal

from scalplab import __version__
from scalplab.config import Settings
from scalplab.services.recording import RecordingHealth
from scalplab.simulation.live import FeedHealth
from scalplab.storage.db import Database

PING_TTL_SECONDS = 1.0
"""How long a database ping answers health checks before the next one is due."""

TradingMode = Literal["simulation", "live"]


@dataclass(frozen=True, slots=True)
class TradingGate:
    """Whether orders may reach the exchange, and why (not)."""

    live: bool
    reason: str

    @property
    def mode(self) -> TradingMode:
        """`live` or `simulation`."""
        return "live" if self.live else "simulation"


def trading_gate(settings: Settings) -> TradingGate:
    """Live only with TRADING_MODE=live, TRADING_APPROVED=true, API keys and an API_TOKEN."""
    if settings.trading_mode != "live":
        return TradingGate(False, "TRADING_MODE is simulation")
    if not settings.trading_approved:
        return TradingGate(False, "TRADING_APPROVED is false")
    missing = [
        name
        for name, secret in (
            ("BINANCE_API_KEY", settings.binance_api_key),
            ("BINANCE_API_SECRET", settings.binance_api_secret),
        )
        if not secret.get_secret_value()
    ]
    if missing:
        return TradingGate(False, f"API keys missing ({', '.join(missing)})")
    if not settings.api_token.get_secret_value():
        return TradingGate(False, "API_TOKEN missing (the API must be protected for live trading)")
    return TradingGate(
        True, "TRADING_MODE is live, TRADING_APPROVED is true, keys and API_TOKEN set"
    )


@dataclass(frozen=True, slots=True)
class HealthReport:
    """Liveness, version, trading mode and why, database state."""

    status: Literal["ok", "degraded"]
    version: str
    mode: TradingMode
    live_trading: bool
    reason: str
    database: Literal["ok", "unavailable"]
    feed: str | None = None
    """The paper engine's running feed: replay | live (None when stopped)."""
    ws_connected: bool | None = None
    feed_state: str | None = None
    stream_age_s: dict[str, float | None] | None = None
    """Live feed: seconds since each subscribed stream's last message."""
    reconnects: int | None = None
    stale_alarms: int | None = None
    backfilled: int | None = None
    bad_messages: int | None = None
    rest_latency_ms: float | None = None
    rest_used_weight: int | None = None
    clock_offset_ms: int | None = None
    """Live feed: local clock minus Binance's latest event time."""
    book_resyncs: int | None = None
    """Live feed with LIVE_ORDER_BOOKS: local order books started over after a gap."""
    recording: list[str] | None = None
    """RECORD_MARKET_DATA: the symbols whose market data is being recorded."""
    recorder_write_errors: int | None = None

    @property
    def healthy(self) -> bool:
        """True when the database answers."""
        return self.status == "ok"


class HealthService:
    """Builds the health report; a database ping answers for `ttl_seconds`."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        ttl_seconds: float = PING_TTL_SECONDS,
        feed: Callable[[], FeedHealth] | None = None,
        recording: Callable[[], RecordingHealth] | None = None,
    ) -> None:
        self.feed = feed
        self.recording = recording
        self.settings = settings
        self.database = database
        self.ttl_seconds = ttl_seconds
        self._lock = Lock()
        self._checked_at = float("-inf")
        self._database_ok = False

    def cached(self) -> HealthReport | None:
        """The report from the last ping while it is fresh, else None (no I/O)."""
        if time.monotonic() - self._checked_at < self.ttl_seconds:
            return self._report(self._database_ok)
        return None

    def check(self) -> HealthReport:
        """The report, pinging the database when the last ping is stale (blocking)."""
        with self._lock:
            if time.monotonic() - self._checked_at >= self.ttl_seconds:
                self._database_ok = self.database.ping()
                self._checked_at = time.monotonic()
            return self._report(self._database_ok)

    def _report(self, database_ok: bool) -> HealthReport:
        gate = trading_gate(self.settings)
        report = HealthReport(
            status="ok" if database_ok else "degraded",
            version=__version__,
            mode=gate.mode,
            live_trading=gate.live,
            reason=gate.reason,
            database="ok" if database_ok else "unavailable",
        )
        if self.recording is not None:
            recording = self.recording()
            report = replace(
                report, recording=recording.symbols, recorder_write_errors=recording.write_errors
            )
        feed = None if self.feed is None else self.feed()
        if feed is None:
            return report
        live, rest = feed.live, feed.rest
        return replace(
            report,
            feed=feed.kind,
            ws_connected=None if live is None else live.connected,
            feed_state=None if live is None else live.state,
            stream_age_s=None if live is None else live.message_age_s,
            reconnects=None if live is None else live.reconnects,
            stale_alarms=None if live is None else live.stale_alarms,
            backfilled=None if live is None else live.backfilled,
            bad_messages=None if live is None else live.bad_messages,
            rest_latency_ms=None if rest is None else rest.latency_p50_ms,
            rest_used_weight=None if rest is None else rest.used_weight,
            clock_offset_ms=None if live is None else live.clock_offset_ms,
            book_resyncs=None if live is None else live.book_resyncs,
        )
