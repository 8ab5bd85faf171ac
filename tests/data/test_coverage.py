"""How much of a requested range the store covers; a partial coverage is refused by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from scalplab.data.candles import CandleStore
from scalplab.data.coverage import (
    Coverage,
    PartialDataError,
    frame_coverage,
    require_full,
    stored_coverage,
)
from scalplab.errors import InputError, NoDataError
from tests.conftest import WEEK_END_MS, WEEK_START_MS, real_klines

DAY = 86_400_000
JUNE_10 = WEEK_START_MS - 7 * DAY  # 2025-06-10T00:00:00Z
JUNE_19 = WEEK_START_MS + 2 * DAY
MESSAGE = (
    "BTCUSDT 15m: stored data covers 2025-06-17T00:00:00Z → 2025-06-19T00:00:00Z of the "
    "requested 2025-06-10 → 2025-06-19; narrow the range or pass --allow-partial "
    "(API: allow_partial: true)"
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> CandleStore:
    """The real week 2025-06-17 → 06-24 of BTCUSDT 1m (no 15m file: resampled on read)."""
    store = CandleStore(tmp_path_factory.mktemp("coverage") / "data")
    frame = real_klines("BTCUSDT")
    week = frame[(frame.open_time >= WEEK_START_MS) & (frame.open_time < WEEK_END_MS)]
    store.merge("BTCUSDT", "1m", week.reset_index(drop=True))
    return store


def test_the_reported_case_is_partial_and_refused(store: CandleStore) -> None:
    """BTCUSDT 15m 2025-06-10 → 06-19 on a store holding 06-17 → 06-24."""
    from_store = stored_coverage(store, "BTCUSDT", "15m", JUNE_10, JUNE_19)
    frame = store.read("BTCUSDT", "15m", JUNE_10, JUNE_19)
    from_frame = frame_coverage(frame, "btcusdt", "15m", JUNE_10, JUNE_19)
    for coverage in (from_store, from_frame):
        assert coverage.partial
        assert (coverage.covered_start_ms, coverage.covered_end_ms) == (WEEK_START_MS, JUNE_19)
        assert coverage.message() == MESSAGE
        with pytest.raises(PartialDataError) as info:
            require_full(coverage)
        assert str(info.value) == MESSAGE and info.value.coverage == coverage
        assert isinstance(info.value, InputError)
        assert require_full(coverage, allow_partial=True) is coverage
    assert from_frame.bars == len(frame) == 2 * 96  # the bars a run would use: 2 days


def test_a_covered_range_is_whole(store: CandleStore) -> None:
    for start, end in ((WEEK_START_MS, WEEK_END_MS), (WEEK_START_MS + DAY, JUNE_19)):
        coverage = stored_coverage(store, "BTCUSDT", "1h", start, end)
        assert not coverage.partial
        assert require_full(coverage) is coverage
        frame = store.read("BTCUSDT", "1h", start, end)
        assert not frame_coverage(frame, "BTCUSDT", "1h", start, end).partial


def test_a_range_past_the_stored_end_is_partial(store: CandleStore) -> None:
    end = WEEK_END_MS + 3 * DAY
    coverage = stored_coverage(store, "BTCUSDT", "1m", WEEK_START_MS + 5 * DAY, end)
    assert coverage.partial
    assert coverage.covered_end_ms == WEEK_END_MS  # the last stored minute + 1 minute
    assert "covers 2025-06-22T00:00:00Z → 2025-06-24T00:00:00Z of the requested " in (
        coverage.message()
    )
    assert coverage.message().split("requested ")[1].startswith("2025-06-22 → 2025-06-27;")


def test_a_start_inside_a_bar_counts_that_bar(store: CandleStore) -> None:
    """A 15m request starting at 00:05 is covered by the 00:00 bucket (partial buckets stay)."""
    start = WEEK_START_MS + 5 * 60_000
    coverage = stored_coverage(store, "BTCUSDT", "15m", start, JUNE_19)
    assert not coverage.partial and coverage.covered_start_ms == start
    frame = store.read("BTCUSDT", "15m", start, JUNE_19)
    assert not frame_coverage(frame, "BTCUSDT", "15m", start, JUNE_19).partial
    odd = Coverage("BTCUSDT", "15m", start, start + DAY, start + 60_000, start + DAY, 5)
    assert "of the requested 2025-06-17T00:05:00Z → 2025-06-18T00:05:00Z;" in odd.message()


def test_no_overlap_at_all_is_no_data(store: CandleStore, tmp_path: Path) -> None:
    with pytest.raises(NoDataError, match="no BTCUSDT 15m candles from 2025-06-01 to 2025-06-10"):
        stored_coverage(store, "BTCUSDT", "15m", JUNE_10 - 9 * DAY, JUNE_10)
    frame = store.read("BTCUSDT", "15m", WEEK_START_MS, JUNE_19)
    with pytest.raises(NoDataError):
        frame_coverage(frame, "BTCUSDT", "15m", WEEK_END_MS, WEEK_END_MS + DAY)
    with pytest.raises(NoDataError, match="no ETHUSDT 1m candles stored"):
        stored_coverage(CandleStore(tmp_path), "ETHUSDT", "1m", JUNE_10, JUNE_19)


def test_bad_arguments(store: CandleStore) -> None:
    with pytest.raises(InputError, match="must be before end"):
        stored_coverage(store, "BTCUSDT", "15m", JUNE_19, JUNE_10)
    with pytest.raises(InputError, match="unknown timeframe"):
        stored_coverage(store, "BTCUSDT", "7m", JUNE_10, JUNE_19)
