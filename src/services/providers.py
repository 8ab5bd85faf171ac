"""The server's provider poller: fetches the configured providers while the paper engine
runs, records their snapshots, and answers their health for `/status/health`.

Every `PROVIDER_POLL_SECONDS` (while `running()` says the engine runs) each configured
provider is fetched once — its own cache and rate limit decide whether that asks the
source — and each new good reading is written to the snapshot store
(`data/providers/{provider}/{day}.parquet`), so later backtests replay what the engine saw.
A provider that fails leaves its layer out with the reason in its health; a write error is
logged and counted; nothing stops the thread but `close()`.

`readings` (`LiveReadings`) holds what was polled — seeded at start with the last day of
recorded snapshots of the configured providers — and is the source of the live paper
runs' external layers (`scalplab.data.providers.asof`): a strategy sees, at a bar's close,
the same as-of reading its recorded snapshots give a later backtest of that bar.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from scalplab.config import Settings
from scalplab.data.providers.asof import KEEP_MS, LiveReadings
from scalplab.data.providers.base import Provider, ProviderHealth, now_ms
from scalplab.data.providers.reading import ProviderReading
from scalplab.data.providers.registry import build_providers, close_all
from scalplab.data.providers.store import ProviderRecorder, provider_history
from scalplab.errors import DataError

log = logging.getLogger(__name__)

IDLE_CHECK_S = 1.0
"""While the engine is stopped, how often the poller looks whether it runs."""


class ProviderPolling:
    """Polls and records the providers on a thread of its own (see the module)."""

    def __init__(
        self,
        settings: Settings,
        running: Callable[[], bool],
        *,
        providers: dict[str, Provider] | None = None,
        recorder: ProviderRecorder | None = None,
        interval_s: float | None = None,
    ) -> None:
        self.providers = providers if providers is not None else build_providers(settings)
        self.running = running
        self.recorder = recorder or ProviderRecorder(settings.data_dir)
        self.interval_s = settings.provider_poll_seconds if interval_s is None else interval_s
        self.write_errors = 0
        self.polls = 0
        self._recorded: dict[str, int] = {}
        self._latest: dict[str, ProviderReading] = {}
        self.readings = LiveReadings(
            {
                name: provider.fetch().reason or "not configured"
                for name, provider in self.providers.items()
                if not provider.configured
            }
        )
        """What was polled, as of any instant (the live runs' external layers)."""
        self._closed = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._main, name="provider-poller", daemon=True)

    @property
    def configured(self) -> list[str]:
        """The providers that can run."""
        return [name for name, provider in self.providers.items() if provider.configured]

    def start(self) -> ProviderPolling:
        """Start polling (nothing to start when no provider is configured), the readings
        seeded with the last day of recorded snapshots."""
        if self.configured:
            self._seed(now_ms())
            log.info("polling providers every %.0f s: %s", self.interval_s,
                     ", ".join(self.configured))  # fmt: skip
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop polling and release the providers' connections."""
        self._closed.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(30)
        close_all(self.providers)

    def poll_once(self) -> list[ProviderReading]:
        """Fetch every configured provider once and record its new good reading."""
        readings = []
        for name, provider in self.providers.items():
            if not provider.configured:
                continue
            reading = provider.fetch()
            readings.append(reading)
            self._latest[name] = reading
            self.readings.add(reading)
            if not reading.available or self._recorded.get(name) == reading.fetched_at:
                continue
            try:
                self.recorder.record(reading)
            except DataError as exc:
                self.write_errors += 1
                log.warning("provider %s snapshot not recorded: %s", name, exc.message)
            else:
                self._recorded[name] = reading.fetched_at
        self.polls += 1
        return readings

    def _seed(self, now: int) -> None:
        for name in self.configured:
            try:
                history = provider_history(self.recorder.data_dir, name, now - KEEP_MS, now + 1, 0)
            except DataError as exc:
                log.warning("provider %s snapshots not read at start: %s", name, exc.message)
                continue
            self.readings.extend(history.readings)

    def latest(self, name: str) -> ProviderReading | None:
        """The last fetch of `name` (a reading or the left-out record; None before any)."""
        return self._latest.get(name)

    def health(self) -> list[ProviderHealth]:
        """Every provider's health, in the registry's order."""
        return [provider.health() for provider in self.providers.values()]

    def _main(self) -> None:
        while not self._closed.is_set():
            wait = min(IDLE_CHECK_S, self.interval_s)  # engine stopped: look again soon
            try:
                if self.running():
                    self.poll_once()
                    wait = self.interval_s
            except Exception:  # never take the server down: log, wait, go on
                log.exception("provider poll failed")
            self._wake.wait(wait)
            self._wake.clear()
