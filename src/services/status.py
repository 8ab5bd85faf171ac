"""Health: version, trading mode with every live-trading condition, the kill switch,
whether the API needs a token, database reachability and the running feed's figures."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from threading import Lock
from typing import Literal

from scalplab import __version__
from scalplab.config import Settings
from scalplab.data.providers.base import ProviderHealth
from scalplab.notify.notifier import NotifierHealth
from scalplab.orders.live_sync import LiveVenueHealth
from scalplab.services.recording import RecordingHealth
from scalplab.services.scanner import ScannerHealth
from scalplab.simulation.live import FeedHealth
from scalplab.storage.db import Database

PING_TTL_SECONDS = 1.0
"""How long a database ping answers health checks before the next one is due."""

TradingMode = Literal["simulation", "live"]
VenueKind = Literal["simulated", "binance"]

MIN_TOKEN_CHARS = 24
"""The shortest `API_TOKEN` that may guard live trading."""
MIN_TOKEN_DISTINCT = 8
"""A token of fewer different characters (`aaaa…`, `abab…`) is no secret."""
PLACEHOLDER_TOKENS = frozenset(
    {
        "changeme",
        "changeit",
        "replaceme",
        "secret",
        "password",
        "token",
        "apitoken",
        "yourapitoken",
        "yourtoken",
        "mytoken",
        "example",
        "default",
        "test",
    }
)
"""Tokens (lower case, letters and digits only) that are placeholders, never secrets."""
PLACEHOLDER_PARTS = ("changeme", "replaceme", "yourapitoken", "yourtoken")
"""A token containing one of these (`changeme-to-a-long-random-string`) is a placeholder."""


def token_problem(token: str) -> str | None:
    """Why `token` cannot guard live trading (None when it can); never quotes it."""
    if not token:
        return "API_TOKEN is not set"
    letters = "".join(ch for ch in token.lower() if ch.isalnum())
    if letters in PLACEHOLDER_TOKENS or any(part in letters for part in PLACEHOLDER_PARTS):
        return "API_TOKEN is a placeholder value (generate a random one)"
    if len(token) < MIN_TOKEN_CHARS:
        return f"API_TOKEN is shorter than {MIN_TOKEN_CHARS} characters"
    if len(set(token)) < MIN_TOKEN_DISTINCT:
        return f"API_TOKEN has fewer than {MIN_TOKEN_DISTINCT} different characters"
    return None


@dataclass(frozen=True, slots=True)
class GateCondition:
    """One condition of live trading: its name (`TRADING_APPROVED=true`), whether it is
    met, and when not, what is wrong in words (never a secret's value)."""

    name: str
    met: bool
    problem: str = ""


@dataclass(frozen=True, slots=True)
class TradingGate:
    """Whether orders may reach the exchange, every condition, and why (not)."""

    live: bool
    reason: str
    conditions: tuple[GateCondition, ...] = ()

    @property
    def mode(self) -> TradingMode:
        """`live` or `simulation`."""
        return "live" if self.live else "simulation"

    @property
    def missing(self) -> list[str]:
        """The names of the unmet conditions ([] when live)."""
        return [condition.name for condition in self.conditions if not condition.met]


def trading_gate(settings: Settings) -> TradingGate:
    """Live only with TRADING_MODE=live, TRADING_APPROVED=true, both Binance keys and an
    API_TOKEN that is neither empty nor weak (`token_problem`); anything else is paper
    trading, and the reason names every condition that is missing."""
    token = token_problem(settings.api_token.get_secret_value())
    checks = (
        ("TRADING_MODE=live", settings.trading_mode == "live", "TRADING_MODE is simulation"),
        ("TRADING_APPROVED=true", settings.trading_approved, "TRADING_APPROVED is false"),
        (
            "BINANCE_API_KEY",
            bool(settings.binance_api_key.get_secret_value()),
            "BINANCE_API_KEY is not set",
        ),
        (
            "BINANCE_API_SECRET",
            bool(settings.binance_api_secret.get_secret_value()),
            "BINANCE_API_SECRET is not set",
        ),
        ("API_TOKEN", token is None, token or ""),
    )
    conditions = tuple(
        GateCondition(name, met, "" if met else problem) for name, met, problem in checks
    )
    unmet = [condition.problem for condition in conditions if not condition.met]
    if unmet:
        return TradingGate(False, f"paper trading: {'; '.join(unmet)}", conditions)
    return TradingGate(
        True,
        "live trading: TRADING_MODE is live, TRADING_APPROVED is true, the Binance keys are "
        "set and API_TOKEN protects the API",
        conditions,
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
    missing: tuple[str, ...] = ()
    """The live-trading conditions not met (`TradingGate.missing`; empty when live)."""
    halted: bool = False
    """The kill switch: new entries are stopped."""
    auth_required: bool = False
    """API_TOKEN is set: state-changing requests and event streams need it."""
    venue: VenueKind = "simulated"
    """Where orders go: the simulated venue, or Binance."""
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
    live_venue: LiveVenueHealth | None = None
    """Live trading: the Binance venue's session (user stream, orders, reconciliation)."""
    telegram: NotifierHealth | None = None
    """TELEGRAM_ENABLED: the notifier's figures."""
    scanner: ScannerHealth | None = None
    """The market scanner: last scan, last error, counts."""
    providers: list[ProviderHealth] | None = None
    """Every external data provider: its state and why (left out, failing, stale, ok)."""

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
        halted: Callable[[], bool] | None = None,
        live: Callable[[], LiveVenueHealth | None] | None = None,
        telegram: Callable[[], NotifierHealth] | None = None,
        providers: Callable[[], list[ProviderHealth]] | None = None,
    ) -> None:
        self.providers = providers
        self.live = live
        """The live venue's figures; set exactly when the engine's venue is Binance."""
        self.telegram = telegram
        self.scanner: Callable[[], ScannerHealth] | None = None
        """The market scanner's figures (set once it is built)."""
        self.feed = feed
        self.halted = halted
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
            missing=tuple(gate.missing),
            halted=False if self.halted is None else self.halted(),
            auth_required=bool(self.settings.api_token.get_secret_value()),
            venue="simulated" if self.live is None else "binance",
            live_venue=None if self.live is None else self.live(),
            telegram=None if self.telegram is None else self.telegram(),
            scanner=None if self.scanner is None else self.scanner(),
            providers=None if self.providers is None else self.providers(),
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
