"""The coverage report and range deletion over REAL candles, funding and market data
(`store_coverage`, `candle_prune`, `scalplab data delete`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scalplab.cli import main
from scalplab.data.candle_prune import delete_candles
from scalplab.data.candles import CandleStore
from scalplab.data.funding import FundingStore
from scalplab.data.integrity import Gap
from scalplab.data.market_import import import_market_csv
from scalplab.data.market_store import MarketStore
from scalplab.data.store_coverage import FUNDING_INTERVAL_MS, coverage_report
from scalplab.errors import InputError, NotFoundError
from tests.conftest import WEEK_END_MS, WEEK_START_MS, real_funding, real_klines
from tests.data.conftest import digest

MINUTE = 60_000
HOUR = 60 * MINUTE
METRICS = Path(__file__).parent / "fixtures" / "NEARUSDT-metrics-2025-02-01.csv"


@pytest.fixture
def week() -> pd.DataFrame:
    """The real week 2025-06-17 → 06-24 of BTCUSDT 1m."""
    frame = real_klines("BTCUSDT")
    inside = (frame.open_time >= WEEK_START_MS) & (frame.open_time < WEEK_END_MS)
    return frame[inside].reset_index(drop=True)


def test_coverage_counts_holes_resampling_funding_and_market_days(
    tmp_path: Path, week: pd.DataFrame
) -> None:
    data_dir = tmp_path / "data"
    candles, funding, market = CandleStore(data_dir), FundingStore(data_dir), MarketStore(data_dir)
    # two holes: 30 minutes on the 18th, 3 hours on the 20th
    small = (week.open_time >= WEEK_START_MS + 24 * HOUR) & (
        week.open_time < WEEK_START_MS + 24 * HOUR + 30 * MINUTE
    )
    large = (week.open_time >= WEEK_START_MS + 72 * HOUR) & (
        week.open_time < WEEK_START_MS + 75 * HOUR
    )
    candles.merge("BTCUSDT", "1m", week[~small & ~large])
    five = real_klines("BTCUSDT", "5m")
    candles.merge("BTCUSDT", "5m", five[five.open_time >= WEEK_START_MS].iloc[:100])
    rates = real_funding("BTCUSDT")
    in_week = rates[(rates.funding_time >= WEEK_START_MS) & (rates.funding_time < WEEK_END_MS)]
    funding.merge("BTCUSDT", in_week.drop(index=in_week.index[3]))  # one settlement lost
    import_market_csv(METRICS, "NEARUSDT", "metrics", market)

    report = coverage_report(candles, funding, market)
    assert [entry.symbol for entry in report] == ["BTCUSDT", "NEARUSDT"]
    btc, near = report
    one_minute, five_minutes = btc.timeframes
    assert (one_minute.timeframe, one_minute.bars) == ("1m", 10_080 - 30 - 180)
    assert (one_minute.first_ms, one_minute.last_ms) == (WEEK_START_MS, WEEK_END_MS - MINUTE)
    assert (one_minute.gap_count, one_minute.missing_bars) == (2, 210)
    assert one_minute.largest_gaps == [
        Gap(WEEK_START_MS + 72 * HOUR - MINUTE, WEEK_START_MS + 75 * HOUR, 180),
        Gap(WEEK_START_MS + 24 * HOUR - MINUTE, WEEK_START_MS + 24 * HOUR + 30 * MINUTE, 30),
    ]
    assert (five_minutes.timeframe, five_minutes.bars, five_minutes.gap_count) == ("5m", 100, 0)
    assert "5m" not in btc.resampled and {"15m", "1h", "1d"} <= set(btc.resampled)
    assert btc.funding is not None
    lost = int(in_week.funding_time.iloc[3]) // FUNDING_INTERVAL_MS * FUNDING_INTERVAL_MS
    assert (btc.funding.records, btc.funding.expected, btc.funding.missing) == (20, 21, 1)
    assert btc.funding.missing_first == [lost]
    assert btc.funding.first_ms == int(in_week.funding_time.iloc[0])
    assert btc.market == [] and btc.errors == []

    assert near.timeframes == [] and near.resampled == [] and near.funding is None
    assert [(day.stream, day.day, day.rows) for day in near.market] == [
        ("metrics", "2025-02-01", 12)
    ]


def test_an_unreadable_file_is_an_error_of_its_symbol_only(
    tmp_path: Path, week: pd.DataFrame
) -> None:
    data_dir = tmp_path / "data"
    candles = CandleStore(data_dir)
    candles.merge("BTCUSDT", "1m", week)
    candles.merge("ETHUSDT", "1m", week)
    candles.path("ETHUSDT", "1m").write_bytes(b"not parquet")
    btc, eth = coverage_report(candles, FundingStore(data_dir), MarketStore(data_dir))
    assert btc.timeframes[0].bars == 10_080 and btc.errors == []
    assert eth.timeframes == [] and eth.resampled == []
    assert len(eth.errors) == 1 and "ETHUSDT 1m candle file" in eth.errors[0]
    assert str(data_dir) not in eth.errors[0]


def test_delete_a_range_middle_edges_and_everything(tmp_path: Path, week: pd.DataFrame) -> None:
    store = CandleStore(tmp_path / "data")
    store.merge("BTCUSDT", "1m", week)
    report = delete_candles(store, "btcusdt", "1m", WEEK_START_MS + HOUR, WEEK_START_MS + 2 * HOUR)
    assert (report.symbol, report.deleted, report.remaining) == ("BTCUSDT", 60, 10_020)
    kept = store.read("BTCUSDT", "1m")
    expected = week[
        (week.open_time < WEEK_START_MS + HOUR) | (week.open_time >= WEEK_START_MS + 2 * HOUR)
    ]
    for column in ("open_time", "open", "high", "low", "close", "volume"):
        assert kept[column].tolist() == expected[column].tolist(), column
    assert kept["quote_volume"].isna().all()  # nullable columns stay null

    first = delete_candles(store, "BTCUSDT", "1m", 0, WEEK_START_MS + MINUTE)
    assert (first.deleted, first.first_ms) == (1, WEEK_START_MS + MINUTE)
    everything = delete_candles(store, "BTCUSDT", "1m", 0, WEEK_END_MS)
    assert (everything.deleted, everything.remaining, everything.first_ms) == (10_019, 0, None)
    assert not store.path("BTCUSDT", "1m").exists()
    with pytest.raises(NotFoundError, match="no BTCUSDT 1m candles stored"):
        delete_candles(store, "BTCUSDT", "1m", 0, WEEK_END_MS)


def test_a_deletion_that_would_remove_nothing_leaves_the_file(
    tmp_path: Path, week: pd.DataFrame
) -> None:
    store = CandleStore(tmp_path / "data")
    store.merge("BTCUSDT", "1m", week)
    before = digest(store.path("BTCUSDT", "1m"))
    with pytest.raises(InputError, match="nothing deleted"):
        delete_candles(store, "BTCUSDT", "1m", WEEK_END_MS, WEEK_END_MS + HOUR)
    with pytest.raises(InputError, match="empty range"):
        delete_candles(store, "BTCUSDT", "1m", WEEK_END_MS, WEEK_START_MS)
    with pytest.raises(NotFoundError, match=r"resampled from 1m on read: delete from 1m"):
        delete_candles(store, "BTCUSDT", "15m", WEEK_START_MS, WEEK_END_MS)
    assert digest(store.path("BTCUSDT", "1m")) == before


def test_cli_delete_shares_the_function(
    tmp_path: Path,
    week: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
    clean_settings_cache: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    CandleStore(data_dir).merge("BTCUSDT", "1m", week)
    args = ["data", "delete", "--symbol", "BTCUSDT", "--tf", "1m", "--start", "2025-06-23"]
    assert main([*args, "--end", "2025-06-24"]) == 0
    out = capsys.readouterr().out
    assert out == (
        "deleted 1440 BTCUSDT 1m candles from 2025-06-23T00:00:00Z to 2025-06-24T00:00:00Z; "
        "8640 stored: 2025-06-17T00:00:00Z → 2025-06-22T23:59:00Z\n"
    )
    assert main([*args, "--end", "2025-06-24"]) == InputError.exit_code
    assert "nothing deleted" in capsys.readouterr().err
    assert main([*args, "--end", "tomorrow"]) == InputError.exit_code
    assert "--end 'tomorrow' is not an ISO-8601" in capsys.readouterr().err
