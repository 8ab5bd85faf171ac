"""Health: version, trading mode with the reason for it, database reachability."""

from __future__ import annotations

import time
from dataclasses import dataclass
from threading import Lock

from scalplab import __version__
from scalplab.config import Settings
from scalplab.storage.db import Database

PING_TTL_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class TradingGate:
    """Whether orders may reach the exchange, and why (not)."""

    live: bool
    reason: str

    @property
    def mode(self) -> str:
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


class HealthService:
    """Builds the health report; the database ping is cached for a second."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self._lock = Lock()
        self._checked_at = float("-inf")
        self._database_ok = False

    def database_state_cached(self) -> bool | None:
        """The last ping result if still fresh, else None (a new ping is due)."""
        if time.monotonic() - self._checked_at < PING_TTL_SECONDS:
            return self._database_ok
        return None

    def ping_database(self) -> bool:
        """Ping now (blocking) and remember the answer."""
        with self._lock:
            self._database_ok = self.database.ping()
            self._checked_at = time.monotonic()
            return self._database_ok

    def report(self, database_ok: bool) -> dict[str, object]:
        """The `/status/health` body."""
        gate = trading_gate(self.settings)
        return {
            "status": "ok" if database_ok else "degraded",
            "version": __version__,
            "mode": gate.mode,
            "live_trading": gate.live,
            "reason": gate.reason,
            "database": "ok" if database_ok else "unavailable",
        }
