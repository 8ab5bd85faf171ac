"""The market scanner in the server: the latest scan, its refresh, the auto universe.

While the paper engine runs on the live feed (paper or live trading) and
`SCANNER_ENABLED` is on, a thread refreshes the scan every `SCANNER_REFRESH_SECONDS`
(`scalplab.data.scanner`); `refresh()` runs one now whatever the engine does. A failed
refresh keeps the previous result and records the error (`/scanner`, `/status/health`).
With the auto universe on (`SCANNER_AUTO_UNIVERSE`, or the Dashboard's switch), each
refresh is applied to the followed pairs (`universe.AutoUniverse`); when that changed
them while the engine runs live, the engine is restarted so it trades the new set, and
`on_change` reports the change (the Telegram notifier in `serve`).

The freshly fetched exchangeInfo goes to the symbol-rules cache, so every scanned symbol
is a known one and can be followed (`POST /pairs`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scalplab.config import Settings
from scalplab.data.scanner.result import ScanResult
from scalplab.data.scanner.scanner import MarketScanner
from scalplab.data.scanner.score import ScannerParams
from scalplab.data.symbols import RulesStore
from scalplab.errors import ScalpLabError
from scalplab.services.universe import AutoUniverse, UniverseChange

log = logging.getLogger(__name__)

TICK_S = 1.0
"""How often the refresh thread looks at the engine's feed."""


@dataclass(frozen=True, slots=True)
class ScannerState:
    """The scanner as `/scanner` shows it."""

    enabled: bool
    """SCANNER_ENABLED: refresh while the engine runs on the live feed."""
    active: bool
    """Refreshing now (enabled, and the engine runs on the live feed)."""
    refresh_seconds: int
    auto_universe: bool
    auto_strategy: str
    auto_timeframe: str
    auto_max_pairs: int
    auto_pairs: tuple[str, ...]
    """The symbols the auto universe added and still follows."""
    last_attempt_at: datetime | None
    last_error: str | None
    """Why the latest refresh failed (None after a good one)."""
    result: ScanResult | None


@dataclass(frozen=True, slots=True)
class ScannerHealth:
    """The scanner's figures in `/status/health`."""

    enabled: bool
    active: bool
    auto_universe: bool
    last_scan_at: str | None
    last_error: str | None
    qualified: int | None
    left_out: int | None
    weight_used: int | None


class ScannerService:
    """See the module docstring (thread-safe)."""

    def __init__(
        self,
        settings: Settings,
        universe: AutoUniverse,
        *,
        feed_kind: Callable[[], str | None],
        restart: Callable[[], None] | None = None,
        scanner: MarketScanner | None = None,
        rules: RulesStore | None = None,
    ) -> None:
        self.settings = settings
        self.universe = universe
        self.feed_kind = feed_kind
        """The engine's running feed (`live`, `replay`, None)."""
        self.restart = restart
        """Restarts the engine on its live feed (to trade a changed universe)."""
        self.on_change: Callable[[UniverseChange], None] | None = None
        self.scanner = scanner or MarketScanner(
            settings.rest_url,
            ScannerParams.from_settings(settings),
            on_exchange_info=None if rules is None else _cache_rules(rules),
        )
        self._result: ScanResult | None = None
        self._last_attempt: datetime | None = None
        self._last_error: str | None = None
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="market-scanner", daemon=True)

    def start(self) -> None:
        """Start the refresh thread."""
        self._thread.start()

    def close(self) -> None:
        """Stop refreshing and release the REST clients."""
        self._closed.set()
        if self._thread.is_alive():
            self._thread.join(30)
        self.scanner.close()

    @property
    def active(self) -> bool:
        """Refreshing by itself now."""
        return self.settings.scanner_enabled and self.feed_kind() == "live"

    def state(self) -> ScannerState:
        """The latest scan, the refresh state and the auto universe."""
        settings, universe = self.settings, self.universe
        return ScannerState(
            enabled=settings.scanner_enabled,
            active=self.active,
            refresh_seconds=settings.scanner_refresh_seconds,
            auto_universe=universe.state.enabled,
            auto_strategy=universe.strategy,
            auto_timeframe=universe.timeframe,
            auto_max_pairs=universe.max_pairs,
            auto_pairs=tuple(sorted(universe.state.added)),
            last_attempt_at=self._last_attempt,
            last_error=self._last_error,
            result=self._result,
        )

    def health(self) -> ScannerHealth:
        """Last scan time, error and counts."""
        result = self._result
        return ScannerHealth(
            enabled=self.settings.scanner_enabled,
            active=self.active,
            auto_universe=self.universe.state.enabled,
            last_scan_at=None if result is None else result.to_dict()["taken_at"],
            last_error=self._last_error,
            qualified=None if result is None else len(result.qualified),
            left_out=None if result is None else len(result.left_out),
            weight_used=None if result is None else result.weight_used,
        )

    def refresh(self) -> ScannerState:
        """Scan now (then apply the auto universe when on); a failure is recorded and raised."""
        with self._lock:
            self._last_attempt = datetime.now(UTC)
            try:
                result = self.scanner.scan()
            except ScalpLabError as exc:
                self._last_error = exc.message
                log.warning("market scan failed: %s", exc.message)
                raise
            self._result, self._last_error = result, None
            if self.universe.state.enabled:
                self._apply(result)
        return self.state()

    def set_auto_universe(self, enabled: bool) -> ScannerState:
        """Switch the auto universe; on, the latest scan is applied at once."""
        with self._lock:
            self.universe.set_enabled(enabled)
            if enabled and self._result is not None:
                self._apply(self._result)
        return self.state()

    def _apply(self, result: ScanResult) -> None:
        change = self.universe.apply(result)
        if change.problems:
            self._last_error = "; ".join(change.problems)
        if not change.added and not change.removed:
            return
        if self.restart is not None and self.feed_kind() == "live":
            try:
                self.restart()
            except ScalpLabError as exc:
                self._last_error = f"the engine did not restart with the new pairs: {exc.message}"
                log.error("auto universe: %s", self._last_error)
        if self.on_change is not None:
            try:
                self.on_change(change)
            except Exception:  # a notifier problem never stops the scanner
                log.exception("auto universe: the change was not reported")

    def _run(self) -> None:
        due = 0.0
        waited = 0.0
        while not self._closed.wait(TICK_S):
            waited += TICK_S
            if not self.active:
                due = 0.0
                continue
            if waited < due:
                continue
            waited, due = 0.0, float(self.settings.scanner_refresh_seconds)
            try:
                self.refresh()
            except ScalpLabError:
                pass  # recorded and logged by refresh()
            except Exception:  # the thread must survive a bug in one refresh
                log.exception("market scan crashed")


def _cache_rules(rules: RulesStore) -> Callable[[dict[str, Any]], None]:
    def save(info: dict[str, Any]) -> None:
        count = rules.save_exchange_info(info)
        log.info("symbol rules of %d symbols cached from the scanner's exchangeInfo", count)

    return save
