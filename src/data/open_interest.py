"""Open interest, polled: Binance streams no open interest, so it is asked for over REST.

`OpenInterestPoller` asks `open_interest(symbol)` of each symbol every `every_s` seconds
on the event loop, the blocking REST call in a worker thread (`asyncio.to_thread`; one
symbol at a time, as the client sends one request at a time), and hands each new value
to a callback as an `OpenInterest` event. Binance updates a symbol's open interest a few
times a minute, so most polls repeat the last value: only a value with a later `time`
than the last one handed over is new (duplicates are counted). A poll that fails is
counted and the symbol is polled again next round; a failure streak is logged once when
it starts and once when it ends, never a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from scalplab.data.market_events import OpenInterest
from scalplab.errors import InputError

log = logging.getLogger(__name__)

POLL_EVERY_S = 10.0


class OpenInterestSource(Protocol):
    """Anything that tells a symbol's open interest now (`BinanceRestClient`)."""

    def open_interest(self, symbol: str) -> OpenInterest: ...


@dataclass(slots=True)
class PollStats:
    """What the polls did."""

    polls: int = 0
    events: int = 0
    duplicates: int = 0
    failures: int = 0
    failing: dict[str, int] = field(default_factory=dict)
    """Symbol → failed polls in a row (symbols whose last poll failed)."""

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "polls": self.polls,
            "events": self.events,
            "duplicates": self.duplicates,
            "failures": self.failures,
            "failing": dict(self.failing),
        }


class OpenInterestPoller:
    """Polls the open interest of `symbols` (see the module docstring)."""

    def __init__(
        self,
        source: OpenInterestSource,
        symbols: Sequence[str],
        on_event: Callable[[OpenInterest], None],
        *,
        every_s: float = POLL_EVERY_S,
    ) -> None:
        if not symbols:
            raise InputError("open-interest polling needs at least one symbol")
        if not every_s > 0:
            raise InputError("the open-interest poll interval must be positive")
        self.source = source
        self.symbols = list(dict.fromkeys(symbols))
        self.on_event = on_event
        self.every_s = every_s
        self.stats = PollStats()
        self._last: dict[str, int] = {}
        self._stop = asyncio.Event()

    async def run(self) -> None:
        """Poll every symbol each `every_s` seconds until `stop()`."""
        loop = asyncio.get_running_loop()
        self._stop.clear()
        while not self._stop.is_set():
            started = loop.time()
            for symbol in self.symbols:
                if self._stop.is_set():
                    return
                await self.poll(symbol)
            wait = max(0.0, started + self.every_s - loop.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=wait)

    def stop(self) -> None:
        """End `run` (from the event loop) after the poll in flight."""
        self._stop.set()

    async def poll(self, symbol: str) -> OpenInterest | None:
        """Poll `symbol` once: the new value handed to the callback, or None (a repeat or
        a failure)."""
        self.stats.polls += 1
        try:
            event = await asyncio.to_thread(self.source.open_interest, symbol)
        except Exception as exc:  # a failing poll never ends the polling
            self._failed(symbol, exc)
            return None
        streak = self.stats.failing.pop(symbol, 0)
        if streak:
            log.info("open interest %s: polled again after %d failed polls", symbol, streak)
        last = self._last.get(symbol)
        if last is not None and event.time <= last:
            self.stats.duplicates += 1
            return None
        self._last[symbol] = event.time
        self.stats.events += 1
        self.on_event(event)
        return event

    def _failed(self, symbol: str, exc: Exception) -> None:
        self.stats.failures += 1
        streak = self.stats.failing.get(symbol, 0) + 1
        self.stats.failing[symbol] = streak
        if streak == 1:
            log.warning(
                "open interest %s: poll failed (%s); retrying every %g s",
                symbol,
                str(exc) or type(exc).__name__,
                self.every_s,
            )
