"""Snapshots: the recorder's files, and the as-of reader backtests replay them with (the last
reading fetched at or before an instant, never after it; a range without snapshots is named
missing)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from scalplab.data.providers.reading import ProviderReading
from scalplab.data.providers.store import (
    ProviderRecorder,
    provider_history,
    stored_days,
)
from scalplab.errors import InputError

DAY = 86_400_000
MINUTE = 60_000
T0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z


def reading(fetched_at: int, value: float, observed_at: int | None = None) -> ProviderReading:
    return ProviderReading(
        provider="whale_alert", layer="on_chain", fetched_at=fetched_at,
        source="http://x/v1/transactions",
        metrics={"exchange_netflow_usd": value, "transfers": 2.0},
        labels={"note": f"n{value:g}"},
        observed_at=fetched_at if observed_at is None else observed_at,
    )  # fmt: skip


def test_readings_go_to_one_file_per_utc_day(tmp_path: Path) -> None:
    recorder = ProviderRecorder(tmp_path)
    assert recorder.record(reading(T0 - MINUTE, 1.0))
    assert recorder.record(reading(T0 + 5 * MINUTE, 2.0))
    assert recorder.record(reading(T0 + DAY - 1, 3.0))
    assert not recorder.record(reading(T0 + 5 * MINUTE, 2.0))  # stored already
    missing = ProviderReading.missing("whale_alert", "on_chain", T0, "", "timeout")
    assert not recorder.record(missing)  # a gap is the layer missing: nothing stored
    assert recorder.written == 3
    assert stored_days(tmp_path, "whale_alert") == ["2025-06-16", "2025-06-17"]
    table = pq.read_table(tmp_path / "providers" / "whale_alert" / "2025-06-17.parquet")
    assert table.num_rows == 6  # 2 readings × (2 metrics + 1 label)
    assert table.column_names == ["fetched_at", "observed_at", "current_until", "layer",
                                  "source", "metric", "value", "text"]  # fmt: skip
    assert not list((tmp_path / "providers" / "whale_alert").glob("*.tmp"))


def test_history_round_trips_readings(tmp_path: Path) -> None:
    recorder = ProviderRecorder(tmp_path)
    written = [reading(T0 + n * 5 * MINUTE, float(n)) for n in range(4)]
    for item in written:
        recorder.record(item)
    history = provider_history(tmp_path, "whale_alert", T0, T0 + DAY)
    assert history.missing is None and history.problems == []
    assert history.readings == written


def test_the_reading_at_an_instant_is_the_last_fetched_at_or_before_it(tmp_path: Path) -> None:
    recorder = ProviderRecorder(tmp_path)
    for n in range(4):  # fetched at 00:00, 00:05, 00:10, 00:15
        recorder.record(reading(T0 + n * 5 * MINUTE, float(n)))
    history = provider_history(tmp_path, "whale_alert", T0, T0 + DAY)
    assert history.reading_at(T0 + 5 * MINUTE).metrics["exchange_netflow_usd"] == 1.0
    assert history.reading_at(T0 + 10 * MINUTE - 1).metrics["exchange_netflow_usd"] == 1.0
    assert history.reading_at(T0 + 10 * MINUTE).metrics["exchange_netflow_usd"] == 2.0
    late = history.reading_at(T0 + 60 * MINUTE)
    assert late.metrics["exchange_netflow_usd"] == 3.0
    assert late.freshness(T0 + 60 * MINUTE) == 0.2  # 45 minutes old at that bar
    before = history.reading_at(T0 - 1)
    assert not before.available
    assert before.reason == "no whale_alert snapshot at or before 2025-06-16T23:59:59.999Z"
    limited = history.reading_at(T0 + 60 * MINUTE, max_age_s=30 * 60)
    assert limited.reason == (
        "the last whale_alert snapshot before 2025-06-17T01:00:00Z is 45 min old (limit 30 min)"
    )


def test_no_look_ahead_at_any_bar_close(tmp_path: Path) -> None:
    """Every reading returned for a bar close was fetched and observed at or before it."""
    recorder = ProviderRecorder(tmp_path)
    fetched = [T0 + 37_000 * n + (n % 3) * 1_111 for n in range(200)]
    for n, at in enumerate(fetched):
        recorder.record(reading(at, float(n), observed_at=at - 20_000))
    history = provider_history(tmp_path, "whale_alert", T0, T0 + DAY)
    for close in range(T0, T0 + 2 * 3600_000, 60_000):
        got = history.reading_at(close)
        if not got.available:
            assert close < fetched[0]
            continue
        assert got.fetched_at <= close and got.observed_at is not None and got.observed_at <= close
        later = [at for at in fetched if got.fetched_at < at <= close]
        assert later == []  # and it is the latest one known then


def test_a_value_observed_after_the_instant_is_not_used(tmp_path: Path) -> None:
    recorder = ProviderRecorder(tmp_path)
    recorder.record(reading(T0, 1.0))
    recorder.record(reading(T0 + MINUTE, 2.0, observed_at=T0 + 3 * MINUTE))  # stamped ahead
    history = provider_history(tmp_path, "whale_alert", T0, T0 + DAY)
    assert history.reading_at(T0 + 2 * MINUTE).metrics["exchange_netflow_usd"] == 1.0
    assert history.reading_at(T0 + 3 * MINUTE).metrics["exchange_netflow_usd"] == 2.0


def test_the_reading_in_force_at_the_start_comes_from_the_day_before(tmp_path: Path) -> None:
    recorder = ProviderRecorder(tmp_path)
    recorder.record(reading(T0 - 3 * 3600_000, 7.0))
    history = provider_history(tmp_path, "whale_alert", T0, T0 + DAY)
    assert history.missing is None
    assert history.reading_at(T0).metrics["exchange_netflow_usd"] == 7.0
    assert provider_history(tmp_path, "whale_alert", T0, T0 + DAY, lookback_ms=0).missing


def test_a_range_without_snapshots_is_named_missing(tmp_path: Path) -> None:
    history = provider_history(tmp_path, "fear_greed", T0, T0 + 7 * DAY)
    assert history.readings == []
    assert history.missing == (
        "no fear_greed snapshots recorded from 2025-06-17T00:00:00Z to 2025-06-24T00:00:00Z"
    )
    out = history.reading_at(T0 + DAY)
    assert (
        out.left_out == "layer left out: no fear_greed snapshot at or before 2025-06-18T00:00:00Z"
    )


def test_an_unreadable_day_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    recorder = ProviderRecorder(tmp_path)
    recorder.record(reading(T0 + MINUTE, 1.0))
    recorder.record(reading(T0 + DAY + MINUTE, 2.0))
    (tmp_path / "providers" / "whale_alert" / "2025-06-17.parquet").write_bytes(b"garbage")
    history = provider_history(tmp_path, "whale_alert", T0, T0 + 2 * DAY)
    assert [r.metrics["exchange_netflow_usd"] for r in history.readings] == [2.0]
    assert history.problems and "whale_alert snapshot file of 2025-06-17" in history.problems[0]
    assert str(tmp_path) not in json.dumps(history.problems)
    only_bad = provider_history(tmp_path, "whale_alert", T0, T0 + DAY, lookback_ms=0)
    assert only_bad.missing is not None and "unreadable" in only_bad.missing


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="start before end"):
        provider_history(tmp_path, "macro", T0, T0)
    with pytest.raises(InputError, match="not a provider name"):
        provider_history(tmp_path, "../etc", T0, T0 + 1)
