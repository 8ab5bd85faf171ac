"""The provider readings a strategy may use at a bar's close: one interface over recorded
snapshots (backtests and replays) and over the server's polled readings (live paper).

`RunReadings` is what a strategy that declares `external_layers` receives as its
`external` param: `reading_at(provider, ms)` is the reading in force at `ms` — the last
one *fetched* at or before `ms` and observed by then, never a later one (no look-ahead;
`store.reading_as_of`) — or the left-out record with the reason when there is none;
`between(provider, start, end)` the readings fetched in a window (a reading's history, e.g.
the last day of net flows); `close_ms(open_ms)` the close of a bar of the run's timeframe
(bars are UTC buckets, so `open + timeframe`). `missing` names the providers that have no
reading at all for the whole run, with the reason (a backtest records them).

- `SnapshotReadings` (`snapshot_readings`): the recorded snapshots of each declared
  provider over a run's range (`provider_history`, loaded once per run, from a day before
  its start so the first bars have the reading in force and a day of history).
- `LiveReadings`: the readings a poller fetched (`ProviderPolling`, or anything that calls
  `add`), kept for `keep_ms` (a day and an hour: the longest window a score reads), with the
  same as-of lookup. A failed fetch is not a reading: the one in force stays (aging, as its
  freshness says), exactly what its recorded snapshots give a later backtest; a provider
  that never gave a reading answers the left-out record with its last reason (not
  configured, a timeout …).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from scalplab.data.providers.reading import PROVIDER_LAYERS, ProviderReading
from scalplab.data.providers.store import (
    DAY_MS,
    ProviderHistory,
    provider_history,
    reading_as_of,
    readings_between,
)

HOUR_MS = 3_600_000
KEEP_MS = DAY_MS + HOUR_MS
"""How long `LiveReadings` keeps a provider's readings."""


class Readings(Protocol):
    """As-of lookups over some provider readings (see the module)."""

    def reading_at(self, provider: str, ms: int) -> ProviderReading:
        """The reading in force at `ms`, or the left-out record with the reason."""
        ...

    def between(self, provider: str, start_ms: int, end_ms: int) -> list[ProviderReading]:
        """The readings fetched in `[start_ms, end_ms]` (observed by `end_ms`), oldest first."""
        ...


def _left_out(provider: str, ms: int, reason: str) -> ProviderReading:
    return ProviderReading.missing(
        provider, PROVIDER_LAYERS.get(provider, "sentiment"), ms, "", reason
    )


@dataclass(frozen=True)
class SnapshotReadings:
    """The recorded snapshots of some providers over one run's range."""

    histories: Mapping[str, ProviderHistory]

    def reading_at(self, provider: str, ms: int) -> ProviderReading:
        history = self.histories.get(provider)
        if history is None:
            return _left_out(provider, ms, f"{provider} snapshots were not loaded for this run")
        return history.reading_at(ms)

    def between(self, provider: str, start_ms: int, end_ms: int) -> list[ProviderReading]:
        history = self.histories.get(provider)
        return [] if history is None else history.between(start_ms, end_ms)

    @property
    def missing(self) -> dict[str, str]:
        """Provider → why it has no snapshot for the whole range."""
        return {
            name: history.missing
            for name, history in self.histories.items()
            if history.missing is not None
        }


class LiveReadings:
    """The readings polled while the server runs (thread-safe; see the module)."""

    def __init__(self, left_out: Mapping[str, str] | None = None, keep_ms: int = KEEP_MS):
        self.keep_ms = keep_ms
        self._lock = threading.Lock()
        self._readings: dict[str, list[ProviderReading]] = {}
        self._times: dict[str, list[int]] = {}
        self._reasons: dict[str, str] = dict(left_out or {})

    def add(self, reading: ProviderReading) -> None:
        """Take one fetch: a good reading newer than the last one is kept; a left-out
        record only updates the reason given while no reading exists."""
        name = reading.provider
        with self._lock:
            if not reading.available:
                self._reasons[name] = reading.reason or "no reading"
                return
            readings = self._readings.setdefault(name, [])
            times = self._times.setdefault(name, [])
            if times and reading.fetched_at <= times[-1]:
                return
            readings.append(reading)
            times.append(reading.fetched_at)
            cut = reading.fetched_at - self.keep_ms
            drop = 0
            while drop + 1 < len(times) and times[drop + 1] <= cut:
                drop += 1  # keep the one in force at the cut
            if drop:
                del readings[:drop], times[:drop]

    def extend(self, readings: Iterable[ProviderReading]) -> None:
        """Take several fetches, oldest first (recorded snapshots at start-up)."""
        for reading in readings:
            self.add(reading)

    def reading_at(self, provider: str, ms: int) -> ProviderReading:
        with self._lock:
            readings = self._readings.get(provider)
            if not readings:
                reason = self._reasons.get(provider, f"no {provider} reading polled yet")
                return _left_out(provider, ms, reason)
            return reading_as_of(provider, readings, self._times[provider], ms)

    def between(self, provider: str, start_ms: int, end_ms: int) -> list[ProviderReading]:
        with self._lock:
            readings = self._readings.get(provider, [])
            return readings_between(readings, self._times.get(provider, []), start_ms, end_ms)

    @property
    def missing(self) -> dict[str, str]:
        """Provider → why it has given no reading (yet)."""
        with self._lock:
            reasons = self._reasons.items()
            return {name: reason for name, reason in reasons if not self._readings.get(name)}


@dataclass(frozen=True)
class RunReadings:
    """The `external` of one run: its declared providers' readings and its bar length."""

    readings: Readings
    bar_ms: int
    providers: tuple[str, ...]
    missing: Mapping[str, str] = field(default_factory=dict)
    """Declared provider → why it has no reading for the whole run (empty live: a live
    run's providers may answer later)."""

    def close_ms(self, open_ms: int) -> int:
        """The close of the run's bar opened at `open_ms`."""
        return open_ms + self.bar_ms

    def reading_at(self, provider: str, ms: int) -> ProviderReading:
        """The reading of a declared provider in force at `ms` (see the module)."""
        if provider not in self.providers:
            return _left_out(provider, ms, f"{provider} is not declared by the strategy")
        return self.readings.reading_at(provider, ms)

    def between(self, provider: str, start_ms: int, end_ms: int) -> list[ProviderReading]:
        """A declared provider's readings fetched in `[start_ms, end_ms]`."""
        if provider not in self.providers:
            return []
        return self.readings.between(provider, start_ms, end_ms)

    def change_pct(self, provider: str, metric: str, minutes: int, at_ms: int) -> float | None:
        """How far `metric` moved over the `minutes` before `at_ms`, in %: the reading in
        force at `at_ms` against the one in force `minutes` earlier. None when either is
        missing or lacks the metric (or it is not positive before), or when no reading was
        fetched within the window (nothing new is known of it)."""
        start = at_ms - minutes * 60_000
        now = self.reading_at(provider, at_ms)
        if not now.available or now.fetched_at <= start:
            return None
        before = self.reading_at(provider, start)
        if not before.available:
            return None
        old, new = before.metrics.get(metric), now.metrics.get(metric)
        if old is None or new is None or old <= 0:
            return None
        return (new / old - 1.0) * 100.0


def snapshot_readings(
    data_dir: Path, providers: Iterable[str], start_ms: int, end_ms: int, bar_ms: int
) -> RunReadings:
    """The recorded snapshots of `providers` a run over `[start_ms, end_ms)` may use."""
    names = tuple(dict.fromkeys(providers))
    source = SnapshotReadings(
        {name: provider_history(data_dir, name, start_ms, end_ms) for name in names}
    )
    return RunReadings(source, bar_ms, names, source.missing)


def live_run_readings(
    live: LiveReadings | None, providers: Iterable[str], bar_ms: int
) -> RunReadings:
    """A live run's readings: the poller's (None: no poller in this process, every
    declared provider left out with that reason)."""
    names = tuple(dict.fromkeys(providers))
    if live is not None:
        return RunReadings(live, bar_ms, names)
    left_out = dict.fromkeys(names, "no provider poller in this process (the server polls them)")
    return RunReadings(LiveReadings(left_out), bar_ms, names, left_out)


__all__ = [
    "KEEP_MS",
    "LiveReadings",
    "Readings",
    "RunReadings",
    "SnapshotReadings",
    "live_run_readings",
    "snapshot_readings",
]
