"""Provider snapshots on disk, and the as-of reader backtests replay them with.

`ProviderRecorder` writes each good reading to `data/providers/{provider}/{YYYY-MM-DD}.parquet`
(the UTC day of its `fetched_at`), one row per metric or label: `fetched_at`, `observed_at`,
`current_until` (epoch ms), `layer`, `source`, `metric`, `value` (metrics) or `text`
(labels). Each write is a locked read-modify-write replaced atomically (`parquet_io`), so a
crash never leaves half a file; a reading already stored (same `fetched_at`) is not
written twice. Left-out records are not stored: a gap in the snapshots is the layer
missing.

`provider_history(data_dir, provider, start_ms, end_ms)` loads the readings a run over
`[start_ms, end_ms)` may use — fetched from one UTC day before `start_ms` (so the first bars
have the reading in force) up to `end_ms` — and `ProviderHistory.reading_at(ms)` is the
reading in force at `ms`: the last one *fetched* at or before `ms` (what a live run would
have had at that instant; a value observed earlier but fetched later is not known yet),
never one after it. A run over a range with no snapshot gets `missing`, naming the provider
and the range, and `reading_at` returns the left-out record: the layer is missing, and the
run says so.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pyarrow as pa

from scalplab.data.parquet_io import locked, read_table, write_table_atomic
from scalplab.data.providers.reading import PROVIDER_LAYERS, Layer, ProviderReading
from scalplab.errors import DataError, InputError, snippet
from scalplab.timeutil import iso_ms

DAY_MS = 86_400_000
LOOKBACK_MS = DAY_MS
"""How far before a range's start its history reaches (the reading in force at the start)."""
SCHEMA = pa.schema(
    [
        ("fetched_at", pa.int64()),
        ("observed_at", pa.int64()),
        ("current_until", pa.int64()),
        ("layer", pa.string()),
        ("source", pa.string()),
        ("metric", pa.string()),
        ("value", pa.float64()),
        ("text", pa.string()),
    ]
)

log = logging.getLogger(__name__)


def provider_dir(data_dir: Path, provider: str) -> Path:
    """`data/providers/{provider}`; `InputError` for a name that is not a plain word."""
    if not provider.replace("_", "").isalnum():
        raise InputError(f"not a provider name: {snippet(provider)}")
    return Path(data_dir) / "providers" / provider


def day_of(ms: int) -> str:
    """The UTC day (`YYYY-MM-DD`) of an epoch-ms instant."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d")


def _rows(reading: ProviderReading) -> pa.Table:
    names = [*reading.metrics, *reading.labels]
    count = len(names)
    return pa.table(
        {
            "fetched_at": [reading.fetched_at] * count,
            "observed_at": [reading.observed_at] * count,
            "current_until": [reading.current_until] * count,
            "layer": [reading.layer] * count,
            "source": [reading.source] * count,
            "metric": names,
            "value": [float(v) for v in reading.metrics.values()] + [None] * len(reading.labels),
            "text": [None] * len(reading.metrics) + list(reading.labels.values()),
        },
        schema=SCHEMA,
    )


class ProviderRecorder:
    """Writes good readings into the snapshot store (see the module docstring)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.written = 0
        """Readings written by this recorder."""

    def path(self, provider: str, day: str) -> Path:
        """The file of one provider's UTC day."""
        return provider_dir(self.data_dir, provider) / f"{day}.parquet"

    def record(self, reading: ProviderReading) -> bool:
        """Store `reading` (True), or nothing when it is a left-out record or already stored
        (False). `DataError` when the file cannot be read or written."""
        if not reading.available:
            return False
        path = self.path(reading.provider, day_of(reading.fetched_at))
        what = f"{reading.provider} snapshot file of {day_of(reading.fetched_at)}"
        with locked(path, what):
            stored = read_table(path, what=what) if path.exists() else SCHEMA.empty_table()
            if stored.num_rows and reading.fetched_at in set(
                stored.column("fetched_at").to_pylist()
            ):
                return False
            table = pa.concat_tables([stored.select(SCHEMA.names).cast(SCHEMA), _rows(reading)])
            table = table.sort_by([("fetched_at", "ascending")])
            write_table_atomic(table, path, what)
        self.written += 1
        return True


def _readings(provider: str, table: pa.Table) -> list[ProviderReading]:
    """Rows of one or more files → readings, in `fetched_at` order."""
    table = table.sort_by([("fetched_at", "ascending")])
    columns = {name: table.column(name).to_pylist() for name in SCHEMA.names}
    readings: list[ProviderReading] = []
    metrics: dict[str, float] = {}
    labels: dict[str, str] = {}
    for index, fetched_at in enumerate(columns["fetched_at"]):
        metric, value, text = (
            columns["metric"][index],
            columns["value"][index],
            columns["text"][index],
        )
        if text is not None:
            labels[metric] = text
        elif value is not None and math.isfinite(value):
            metrics[metric] = float(value)
        last = index + 1 == len(columns["fetched_at"])
        if last or columns["fetched_at"][index + 1] != fetched_at:
            readings.append(
                ProviderReading(
                    provider=provider,
                    layer=cast(Layer, columns["layer"][index]),
                    fetched_at=int(fetched_at),
                    source=columns["source"][index] or "",
                    metrics=metrics,
                    labels=labels,
                    observed_at=columns["observed_at"][index],
                    current_until=columns["current_until"][index],
                )
            )
            metrics, labels = {}, {}
    return readings


@dataclass(frozen=True, slots=True)
class ProviderHistory:
    """A provider's recorded readings for a run over `[start_ms, end_ms)` (see the module)."""

    provider: str
    start_ms: int
    end_ms: int
    readings: list[ProviderReading]
    problems: list[str] = field(default_factory=list)
    """Day files that could not be read (their readings are missing)."""
    times: list[int] = field(init=False, repr=False)
    """The readings' `fetched_at`, for the as-of search."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "times", [reading.fetched_at for reading in self.readings])

    @property
    def missing(self) -> str | None:
        """Why the layer is missing for the whole range (None when any reading exists)."""
        if self.readings:
            return None
        text = (
            f"no {self.provider} snapshots recorded from {iso_ms(self.start_ms)} "
            f"to {iso_ms(self.end_ms)}"
        )
        return f"{text} ({'; '.join(self.problems)})" if self.problems else text

    def reading_at(self, ms: int, max_age_s: float | None = None) -> ProviderReading:
        """The reading in force at `ms`: the last fetched at or before it (and observed at or
        before it); the left-out record when there is none, or when it is older than
        `max_age_s` at `ms` (freshness still says how old a kept one is)."""
        return reading_as_of(self.provider, self.readings, self.times, ms, max_age_s)

    def between(self, start_ms: int, end_ms: int) -> list[ProviderReading]:
        """The readings fetched in `[start_ms, end_ms]` and observed by `end_ms`, oldest first."""
        return readings_between(self.readings, self.times, start_ms, end_ms)


def reading_as_of(
    provider: str,
    readings: Sequence[ProviderReading],
    times: Sequence[int],
    ms: int,
    max_age_s: float | None = None,
) -> ProviderReading:
    """The as-of lookup of `ProviderHistory.reading_at` over `readings` (in `fetched_at`
    order, `times` their `fetched_at`): never a reading fetched or observed after `ms`."""
    index = bisect.bisect_right(times, ms) - 1
    while index >= 0:
        reading = readings[index]
        if reading.observed_at is None or reading.observed_at <= ms:
            break
        index -= 1
    layer = readings[0].layer if readings else PROVIDER_LAYERS.get(provider, "sentiment")
    if index < 0:
        return ProviderReading.missing(
            provider, layer, ms, "", f"no {provider} snapshot at or before {iso_ms(ms)}"
        )
    reading = readings[index]
    age = reading.age_s(ms)
    if max_age_s is not None and age > max_age_s:
        return ProviderReading.missing(
            provider, reading.layer, ms, reading.source,
            f"the last {provider} snapshot before {iso_ms(ms)} is "
            f"{age / 60:.0f} min old (limit {max_age_s / 60:.0f} min)",
        )  # fmt: skip
    return reading


def readings_between(
    readings: Sequence[ProviderReading], times: Sequence[int], start_ms: int, end_ms: int
) -> list[ProviderReading]:
    """The readings fetched in `[start_ms, end_ms]` and observed by `end_ms`, oldest first."""
    first = bisect.bisect_left(times, start_ms)
    last = bisect.bisect_right(times, end_ms)
    return [
        reading
        for reading in readings[first:last]
        if reading.observed_at is None or reading.observed_at <= end_ms
    ]


def provider_history(
    data_dir: Path, provider: str, start_ms: int, end_ms: int, lookback_ms: int = LOOKBACK_MS
) -> ProviderHistory:
    """The recorded readings of `provider` a run over `[start_ms, end_ms)` may use."""
    if end_ms <= start_ms:
        raise InputError("a provider history needs start before end")
    folder = provider_dir(data_dir, provider)
    first = datetime.fromtimestamp((start_ms - lookback_ms) / 1000, tz=UTC).date()
    last = datetime.fromtimestamp((end_ms - 1) / 1000, tz=UTC).date()
    tables, problems = [], []
    day = first
    while day <= last:
        path = folder / f"{day.isoformat()}.parquet"
        if path.exists():
            what = f"{provider} snapshot file of {day.isoformat()}"
            try:
                tables.append(read_table(path, what=what).select(SCHEMA.names).cast(SCHEMA))
            except (DataError, pa.ArrowException, KeyError, ValueError) as exc:
                message = exc.message if isinstance(exc, DataError) else f"unreadable {what}"
                log.warning("provider history: %s", message)
                problems.append(message)
        day += timedelta(days=1)
    readings: list[ProviderReading] = []
    if tables:
        table = pa.concat_tables(tables)
        readings = [
            reading
            for reading in _readings(provider, table)
            if start_ms - lookback_ms <= reading.fetched_at < end_ms
        ]
    return ProviderHistory(provider, start_ms, end_ms, readings, problems)


def stored_days(data_dir: Path, provider: str) -> list[str]:
    """The UTC days with a snapshot file of `provider`, oldest first."""
    folder = provider_dir(data_dir, provider)
    if not folder.is_dir():
        return []
    return sorted(path.stem for path in folder.glob("????-??-??.parquet"))
