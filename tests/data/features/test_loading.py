"""The coverage check, the one-line refusal and the declared degraded mode, on REAL data.

Stores: the 2023-04-04/05 BTCUSDT capture (`recorded`); the official NEARUSDT archive
klines of 2025-02 (with taker-buy columns); a real week of BTCUSDT klines and funding.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scalplab.data.candles import CandleStore
from scalplab.data.csv_import import import_klines_csv
from scalplab.data.features import FeatureRequest, check_market_data, load_features
from scalplab.data.features.pipeline import SUBSTITUTION_CODES, FeatureTable
from scalplab.data.features.stored import MarketDataMissingError
from scalplab.data.funding import FundingStore
from tests.coded_texts import english
from tests.conftest import WEEK_START_MS
from tests.data.conftest import NEAR_1M, tree_digest
from tests.data.features.recorded import FIRST_MINUTE, SYMBOL, write_store

DAY = 86_400_000
APRIL_4 = 1680566400000  # 2023-04-04T00:00:00Z
FEB_1 = 1738368000000  # 2025-02-01T00:00:00Z


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("recorded_market")
    write_store(data_dir, ("aggTrade", "bookTicker"))
    return data_dir


def assert_coded_lines(table: FeatureTable) -> None:
    """Each substitution's code, filled in the SPA's English, is its line exactly."""
    for substitution in table.substitutions:
        item = substitution.coded()
        assert substitution.code in SUBSTITUTION_CODES
        params = item["params"]
        assert isinstance(params, dict)
        assert english("degradedCode", substitution.code, params) == substitution.text


def test_a_range_the_store_covers_passes(store_dir: Path) -> None:
    request = FeatureRequest("probe", SYMBOL, "1m", ("aggTrades", "bookTicker"), APRIL_4,
                             APRIL_4 + 2 * DAY)  # fmt: skip
    assert check_market_data(store_dir, request) == {}


def test_missing_days_refuse_the_run_in_one_line_and_change_nothing(store_dir: Path) -> None:
    before = tree_digest(store_dir)
    request = FeatureRequest("sgnl_v2", "btcusdt", "1m", ("aggTrades", "depth20", "bookTicker"),
                             APRIL_4, APRIL_4 + 4 * DAY)  # fmt: skip
    with pytest.raises(MarketDataMissingError) as refused:
        load_features(store_dir, request, np.array([FIRST_MINUTE]))
    assert refused.value.message == (
        "strategy sgnl_v2 needs aggTrades for BTCUSDT from 2023-04-04 to 2023-04-08; the store "
        "has none for 2023-04-06 to 2023-04-07 (record it with `scalplab record --streams "
        "aggTrade` or import an archive with `scalplab data import --kind aggTrades`, or run "
        "with --degraded, API: degraded: true); also missing: depth20, bookTicker"
    )
    assert "\n" not in refused.value.message
    partial = FeatureRequest("x", SYMBOL, "5m", ("depth20",), APRIL_4 + DAY // 2, APRIL_4 + DAY)
    with pytest.raises(MarketDataMissingError, match=r"needs depth20 for BTCUSDT from "
                       r"2023-04-04T12:00:00Z to 2023-04-05; the store has none at all \(record "
                       r"it with `scalplab record --streams depth20`"):  # fmt: skip
        check_market_data(store_dir, partial)
    assert tree_digest(store_dir) == before


def test_degraded_takes_taker_volumes_from_the_klines(tmp_path: Path) -> None:
    candles = CandleStore(tmp_path)
    import_klines_csv(NEAR_1M, "NEARUSDT", "1m", candles)
    bars = candles.read("NEARUSDT", "5m", FEB_1, FEB_1 + DAY)
    request = FeatureRequest("probe", "NEARUSDT", "5m", ("aggTrades", "depth20"), FEB_1,
                             FEB_1 + DAY, degraded=True)  # fmt: skip
    table = load_features(tmp_path, request, bars["open_time"].to_numpy(), bars)
    assert table.degraded == (
        "aggTrades for 2025-02-01: taker volumes from the candles' taker-buy columns (no counts, "
        "largest trade or sweeps)",
        "depth20 for 2025-02-01: missing: None",
    )
    assert [s.coded() for s in table.substitutions] == [
        {"code": "kline_flow", "params": {"data": "aggTrades", "days": "2025-02-01",
                                          "first": "2025-02-01", "last": "2025-02-01",
                                          "count": 1}},
        {"code": "missing", "params": {"data": "depth20", "days": "2025-02-01",
                                       "first": "2025-02-01", "last": "2025-02-01", "count": 1}},
    ]  # fmt: skip
    assert_coded_lines(table)
    buy = bars["taker_buy_volume"].to_numpy(np.float64)
    sell = bars["volume"].to_numpy(np.float64) - buy
    assert table.column("taker_buy_volume").tolist() == buy.tolist()
    assert table.column("taker_sell_volume").tolist() == sell.tolist()
    assert table.column("cvd").tolist() == np.cumsum(buy - sell).tolist()
    first = table.at(int(bars["open_time"].iloc[0]))
    assert first.taker_buy_notional == float(bars["taker_buy_quote_volume"].iloc[0])
    assert first.taker_buy_count is None and first.buy_sweeps is None
    assert first.depth_imbalance is None and first.largest_trade_qty is None
    assert not (tmp_path / "market").exists()  # a degraded run writes nothing


def test_degraded_funding_is_the_last_settled_rate(real_week_dir: Path) -> None:
    bars = CandleStore(real_week_dir).read("BTCUSDT", "1h", WEEK_START_MS, WEEK_START_MS + DAY)
    request = FeatureRequest("probe", "BTCUSDT", "1h", ("funding", "aggTrades", "openInterest"),
                             WEEK_START_MS, WEEK_START_MS + DAY, degraded=True)  # fmt: skip
    table = load_features(real_week_dir, request, bars["open_time"].to_numpy(), bars)
    assert table.degraded == (
        "funding for 2025-06-17: the last settled rate from the funding store (no next funding "
        "time)",
        "aggTrades for 2025-06-17: missing (the candles have no taker-buy volume either): None",
        "openInterest for 2025-06-17: missing (no metrics archive for those days either): None",
    )
    codes = [s.coded()["code"] for s in table.substitutions]
    assert codes == ["funding_last_rate", "kline_flow_missing", "metrics_missing"]
    assert_coded_lines(table)
    funding = FundingStore(real_week_dir).read("BTCUSDT")
    for open_ms in bars["open_time"].tolist():
        settled = funding[funding["funding_time"] < open_ms + 3_600_000]
        assert table.at(open_ms).funding_rate == float(settled["funding_rate"].iloc[-1])
        assert table.at(open_ms).next_funding_time is None
        assert table.at(open_ms).taker_buy_volume is None and table.at(open_ms).cvd is None


def test_part_of_the_run_stored_and_part_degraded(store_dir: Path) -> None:
    candles = pd.DataFrame({"open_time": [FIRST_MINUTE, FIRST_MINUTE + 2 * DAY]})
    opens = candles["open_time"].to_numpy()
    request = FeatureRequest("probe", SYMBOL, "1m", ("aggTrades",), APRIL_4, APRIL_4 + 3 * DAY,
                             degraded=True)  # fmt: skip
    table = load_features(store_dir, request, opens, candles)
    assert table.at(FIRST_MINUTE).taker_buy_count == 196  # stored: 2023-04-04 23:58
    assert table.at(FIRST_MINUTE + 2 * DAY).taker_buy_count is None
    assert table.degraded == (
        "aggTrades for 2023-04-06: missing (the candles have no taker-buy volume either): None",
    )
