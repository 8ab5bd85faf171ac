"""`RECORD_MARKET_DATA=true`: `serve` records the market data of the pairs it trades.

The same `MarketRecorder` as `scalplab record`, on a thread and event loop of its own,
for the symbols of the enabled pairs (`RECORD_STREAMS`, default every recordable stream:
aggregate trades, book tops, depth20 books, mark prices, liquidations, open interest and
closed 1m candles). Every `check_every_s` seconds the symbol set is compared with the
pairs: when it changed, the recording is flushed and restarted for the new set. Its
report (rows, reconnects, write errors) is in `/status/health`; a recorder that fails
is logged and restarted after a pause, never taking the app down.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from scalplab.config import Settings
from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.recorder import RECORDABLE, MarketRecorder, RecordReport
from scalplab.errors import ConfigError

log = logging.getLogger(__name__)

CHECK_EVERY_S = 30.0
RETRY_AFTER_S = 10.0


@dataclass(frozen=True, slots=True)
class RecordingHealth:
    """The symbols being recorded and the recording's error counters."""

    symbols: list[str]
    write_errors: int
    bad_messages: int


class MarketRecording:
    """Records the enabled pairs' symbols while the app runs (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        symbols: Callable[[], list[str]],
        *,
        check_every_s: float = CHECK_EVERY_S,
        flush_every_s: float = 5.0,
    ) -> None:
        self.settings = settings
        self.symbols = symbols
        self.streams = [s.strip() for s in settings.record_streams.split(",") if s.strip()]
        unknown = [s for s in self.streams if s not in RECORDABLE]
        if unknown or not self.streams:
            raise ConfigError(
                f"RECORD_STREAMS: cannot record {unknown[0] if unknown else 'nothing'} "
                f"(streams: {', '.join(RECORDABLE)})"
            )
        self.check_every_s = check_every_s
        self.flush_every_s = flush_every_s
        self.recording: list[str] = []
        self.reports: list[RecordReport] = []
        self._recorder: MarketRecorder | None = None
        self._closed = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._main, name="market-recorder", daemon=True)

    def start(self) -> None:
        """Start the recording thread."""
        self._thread.start()

    def close(self) -> None:
        """Stop recording (what was gathered is written) and wait for the thread."""
        self._closed.set()
        loop, recorder = self._loop, self._recorder
        if loop is not None and recorder is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(recorder.stop)
            except RuntimeError:
                log.debug("the recorder's loop closed meanwhile")
        self._thread.join(30)

    def health(self) -> RecordingHealth:
        """What `/status/health` shows of the recording."""
        report = self.report()
        return RecordingHealth(
            symbols=list(self.recording),
            write_errors=0 if report is None else report.write_errors,
            bad_messages=0 if report is None else report.bad_messages,
        )

    def report(self) -> RecordReport | None:
        """The current recording's counters (None when nothing is recorded)."""
        recorder = self._recorder
        return None if recorder is None else recorder.report

    def _main(self) -> None:
        asyncio.run(self._record_forever())

    async def _record_forever(self) -> None:
        self._loop = asyncio.get_running_loop()
        while not self._closed.is_set():
            wanted = sorted(set(self.symbols()))
            if not wanted:
                await self._pause(self.check_every_s)
                continue
            try:
                await self._record(wanted)
            except Exception:
                log.exception("market-data recorder failed; restarting in %.0f s", RETRY_AFTER_S)
                await self._pause(RETRY_AFTER_S)

    async def _record(self, wanted: list[str]) -> None:
        rest = BinanceRestClient(self.settings.rest_url)
        recorder = MarketRecorder(
            self.settings.ws_url,
            rest,
            self.settings.data_dir,
            wanted,
            self.streams,
            flush_every_s=self.flush_every_s,
        )
        self._recorder, self.recording = recorder, wanted
        log.info("recording market data of %s: %s", ", ".join(wanted), ", ".join(self.streams))
        task = asyncio.create_task(recorder.run())
        try:
            while not task.done() and not self._closed.is_set():
                await asyncio.wait({task}, timeout=self.check_every_s)
                if sorted(set(self.symbols())) != wanted:
                    log.info("the traded symbols changed: the recording restarts")
                    break
        finally:
            recorder.stop()
            self.reports.append(await task)
            rest.close()

    async def _pause(self, seconds: float) -> None:
        step = 0.1
        waited = 0.0
        while waited < seconds and not self._closed.is_set():
            await asyncio.sleep(step)
            waited += step
