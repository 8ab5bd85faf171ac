"""Health alerts: the live stream down or stale, reconnect storms, the live gate and the
kill switch changing.

`HealthWatcher` samples the same health report `/status/health` serves and the kill
switch's state every `interval_s` and alerts on transitions only: its first sample
says the notifier started (with the trading mode and why); later ones alert when the
live feed leaves `connected` (stream stale or down) and when it comes back, when
`storm_reconnects` reconnects happen within `storm_window_s`, when the trading gate's
mode or reason changes, and when trading is halted or resumed (by anyone: REST,
Telegram, a breaker). The outbox's dedupe window keeps a flapping state to one alert.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from scalplab.errors import ScalpLabError
from scalplab.notify.formatting import utc_time
from scalplab.notify.messages import HealthAlert, Notification
from scalplab.services.status import HealthReport, HealthService
from scalplab.services.trading import HaltState, TradingControl

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 5.0
STORM_RECONNECTS = 5
STORM_WINDOW_S = 300.0
DOWN_STATES = ("stale", "reconnecting")


@dataclass(frozen=True, slots=True)
class Sample:
    """What one look at the health report and the kill switch found."""

    report: HealthReport
    halt: HaltState | None


def halt_line(halt: HaltState | None) -> str:
    """`Trading: active` or `Trading: HALTED since … by … (reason)`."""
    if halt is None or not halt.halted:
        return "Trading: active (new entries allowed)"
    since = "" if halt.since_ms is None else f" since {utc_time(halt.since_ms)}"
    return f"Trading: HALTED{since} by {halt.source} ({halt.reason})"


class HealthWatcher:
    """Turns health samples into alerts (see the module docstring)."""

    def __init__(
        self,
        health: HealthService,
        trading: TradingControl | None,
        submit: Callable[[Notification], object],
        interval_s: float = DEFAULT_INTERVAL_S,
        storm_reconnects: int = STORM_RECONNECTS,
        storm_window_s: float = STORM_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.health = health
        self.trading = trading
        self.submit = submit
        self.interval_s = interval_s
        self.storm_reconnects = storm_reconnects
        self.storm_window_s = storm_window_s
        self._clock = clock
        self._last: Sample | None = None
        self._reconnects: deque[tuple[float, int]] = deque()

    def sample(self) -> Sample:
        """The health report and kill-switch state now (blocking: run it in a thread)."""
        return Sample(self.health.check(), None if self.trading is None else self.trading.state())

    def observe(self, sample: Sample) -> list[HealthAlert]:
        """The alerts `sample` raises against the previous one."""
        last, self._last = self._last, sample
        report = sample.report
        if last is None:
            return [
                HealthAlert(
                    "started",
                    "SCALPLAB NOTIFIER STARTED",
                    f"Mode: {report.mode} — {report.reason}",
                    lines=(halt_line(sample.halt),),
                )
            ]
        return [
            *self._feed(last.report, report),
            *self._storm(report),
            *self._gate(last.report, report),
            *self._halt(last.halt, sample.halt),
        ]

    @staticmethod
    def _feed(before: HealthReport, now: HealthReport) -> list[HealthAlert]:
        if now.feed != "live":
            return []
        was_down = before.feed == "live" and before.feed_state in DOWN_STATES
        state = now.feed_state
        if state in DOWN_STATES and not was_down:
            title = "LIVE STREAM STALE" if state == "stale" else "LIVE STREAM DOWN"
            return [
                HealthAlert(
                    "feed_down",
                    title,
                    f"Binance stream {state}: reconnecting with backoff",
                    dedupe=state or "",
                    lines=(f"Reconnects so far: {now.reconnects or 0}",),
                )
            ]
        if state == "connected" and was_down:
            return [
                HealthAlert(
                    "feed_recovered",
                    "LIVE STREAM RECOVERED",
                    "Binance stream connected again",
                    dedupe=str(now.reconnects or 0),
                )
            ]
        return []

    def _storm(self, report: HealthReport) -> list[HealthAlert]:
        if report.feed != "live" or report.reconnects is None:
            self._reconnects.clear()
            return []
        now = self._clock()
        self._reconnects.append((now, report.reconnects))
        while self._reconnects and now - self._reconnects[0][0] > self.storm_window_s:
            self._reconnects.popleft()
        recent = report.reconnects - self._reconnects[0][1]
        if recent < self.storm_reconnects:
            return []
        self._reconnects.clear()
        self._reconnects.append((now, report.reconnects))
        minutes = self.storm_window_s / 60
        return [
            HealthAlert(
                "reconnect_storm",
                "RECONNECT STORM",
                f"{recent} reconnects of the Binance stream within {minutes:g} min",
                lines=(f"Feed state: {report.feed_state}",),
            )
        ]

    @staticmethod
    def _gate(before: HealthReport, now: HealthReport) -> list[HealthAlert]:
        if (before.mode, before.live_trading, before.reason) == (
            now.mode,
            now.live_trading,
            now.reason,
        ):
            return []
        return [
            HealthAlert(
                "gate_changed",
                "LIVE GATE CHANGED",
                f"Mode: {before.mode} → {now.mode}",
                dedupe=f"{now.mode}:{now.reason}",
                lines=(f"Reason: {now.reason}",),
            )
        ]

    @staticmethod
    def _halt(before: HaltState | None, now: HaltState | None) -> list[HealthAlert]:
        was = before is not None and before.halted
        if now is None or now.halted == was:
            return []
        if now.halted:
            return [
                HealthAlert(
                    "halted",
                    "TRADING HALTED",
                    "New entries are stopped.",
                    dedupe=str(now.since_ms),
                    lines=(halt_line(now), "Resume: /resume"),
                )
            ]
        return [
            HealthAlert(
                "resumed",
                "TRADING RESUMED",
                f"New entries allowed again (by {now.source}).",
                dedupe=str(before.since_ms if before is not None else ""),
            )
        ]

    async def run(self) -> None:
        """Sample, alert, sleep; until cancelled (a failed sample is logged and skipped)."""
        while True:
            try:
                sample = await asyncio.to_thread(self.sample)
            except ScalpLabError as exc:
                log.warning("health sample for Telegram alerts failed: %s", exc.message)
            else:
                for alert in self.observe(sample):
                    self.submit(alert)
            await asyncio.sleep(self.interval_s)
