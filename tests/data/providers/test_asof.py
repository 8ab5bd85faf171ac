"""What a strategy may read of the providers at a bar's close: the same as-of lookup over
recorded snapshots (a run) and over polled readings (live), never a reading fetched after
the instant asked; moves of a metric over a window; whole-run missing providers."""

from __future__ import annotations

from pathlib import Path

import pytest

from scalplab.data.providers.asof import (
    LiveReadings,
    RunReadings,
    live_run_readings,
    snapshot_readings,
)
from scalplab.data.providers.reading import ProviderReading
from scalplab.data.providers.store import ProviderRecorder

MIN, HOUR, DAY = 60_000, 3_600_000, 86_400_000
T0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z


def quote(fetched: int, spx: float, observed: int | None = None) -> ProviderReading:
    return ProviderReading(
        "macro", "macro", fetched, "http://stooq/q/l/", metrics={"spx.close": spx},
        observed_at=fetched if observed is None else observed,
    )  # fmt: skip


def test_snapshots_and_polled_readings_answer_the_same(tmp_path: Path) -> None:
    readings = [quote(T0 + n * 10 * MIN, 6000.0 + n) for n in range(7)]
    recorder, live = ProviderRecorder(tmp_path), LiveReadings()
    for reading in readings:
        recorder.record(reading)
        live.add(reading)
    run = snapshot_readings(tmp_path, ["macro"], T0, T0 + DAY, 15 * MIN)
    polled = RunReadings(live, 15 * MIN, ("macro",))
    for at in (T0 - 1, T0, T0 + 25 * MIN, T0 + 60 * MIN, T0 + 60 * MIN - 1, T0 + DAY):
        assert run.reading_at("macro", at) == polled.reading_at("macro", at)
    assert run.reading_at("macro", T0 + 25 * MIN).metrics["spx.close"] == 6002.0
    assert run.between("macro", T0 + 10 * MIN, T0 + 30 * MIN) == readings[1:4]
    assert polled.between("macro", T0 + 10 * MIN, T0 + 30 * MIN) == readings[1:4]
    assert run.close_ms(T0) == T0 + 15 * MIN and run.missing == {}


def test_a_metric_s_move_over_a_window_uses_only_what_was_fetched_by_then() -> None:
    live = LiveReadings()
    live.extend([quote(T0, 6000.0), quote(T0 + 50 * MIN, 5900.0), quote(T0 + 61 * MIN, 1.0)])
    run = RunReadings(live, 15 * MIN, ("macro",))
    at = T0 + 60 * MIN  # the reading of 00:00 against the one of 00:50 (not 01:01)
    assert run.change_pct("macro", "spx.close", 60, at) == pytest.approx(-100 / 6000 * 100)
    assert run.change_pct("macro", "spx.close", 60, T0 + 49 * MIN) is None  # nothing new
    assert run.change_pct("macro", "spx.close", 60, T0 + 59 * MIN) is None  # none an hour ago
    assert run.change_pct("macro", "dxy.close", 60, at) is None  # not in the readings
    # a value observed after the instant (the quote's clock ahead of ours) is not known yet
    ahead = LiveReadings()
    ahead.add(quote(T0, 6000.0, observed=T0 + MIN))
    assert not ahead.reading_at("macro", T0).available


def test_polled_readings_keep_a_day_and_the_one_in_force() -> None:
    live = LiveReadings(keep_ms=HOUR)
    for n in range(10):
        live.add(quote(T0 + n * 20 * MIN, float(n + 1)))
    live.add(quote(T0, 99.0))  # older than the last: ignored
    kept = live.between("macro", 0, T0 + DAY)
    assert [r.metrics["spx.close"] for r in kept] == [7.0, 8.0, 9.0, 10.0]  # 02:00 … 03:00
    assert live.reading_at("macro", T0 + 125 * MIN).metrics["spx.close"] == 7.0


def test_missing_providers_say_why() -> None:
    live = LiveReadings({"macro": "macro is not in PROVIDERS"})
    live.add(ProviderReading.missing("whale_alert", "on_chain", T0, "", "HTTP 500: 'oops'"))
    assert live.missing == {"macro": "macro is not in PROVIDERS", "whale_alert": "HTTP 500: 'oops'"}
    assert live.reading_at("whale_alert", T0).reason == "HTTP 500: 'oops'"
    assert live.reading_at("fear_greed", T0).reason == "no fear_greed reading polled yet"
    live.add(quote(T0, 6000.0))
    assert live.missing == {"whale_alert": "HTTP 500: 'oops'"}
    run = RunReadings(live, 15 * MIN, ("whale_alert",))
    assert run.reading_at("macro", T0).reason == "macro is not declared by the strategy"
    alone = live_run_readings(None, ["whale_alert", "macro"], 15 * MIN)
    assert alone.missing["macro"].startswith("no provider poller in this process")
    assert alone.reading_at("macro", T0).reason == alone.missing["macro"]


def test_a_run_without_snapshots_names_each_missing_provider(tmp_path: Path) -> None:
    ProviderRecorder(tmp_path).record(quote(T0 - 2 * HOUR, 6000.0))  # the day before: in force
    run = snapshot_readings(tmp_path, ["whale_alert", "macro"], T0, T0 + DAY, 15 * MIN)
    assert run.missing == {
        "whale_alert": "no whale_alert snapshots recorded from 2025-06-17T00:00:00Z "
        "to 2025-06-18T00:00:00Z"
    }
    assert run.reading_at("macro", T0).metrics["spx.close"] == 6000.0
