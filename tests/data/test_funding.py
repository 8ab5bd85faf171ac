"""The funding-rate store, on real Binance funding settlements."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scalplab.data.candles import ConflictingDataError
from scalplab.data.funding import FundingStore
from scalplab.errors import DataError
from tests.data.conftest import BTC_FUNDING, digest


@pytest.fixture(scope="module")
def btc_funding() -> pd.DataFrame:
    return pd.read_csv(BTC_FUNDING)


def test_missing_symbol_reads_empty(funding_store: FundingStore) -> None:
    frame = funding_store.read("BTCUSDT")
    assert frame.empty
    assert list(frame.columns) == ["funding_time", "funding_rate"]
    assert frame["funding_time"].dtype == np.int64
    assert frame["funding_rate"].dtype == np.float64
    assert funding_store.symbols() == []


def test_merge_and_read_real_rates(funding_store: FundingStore, btc_funding: pd.DataFrame) -> None:
    shuffled = btc_funding.sample(frac=1.0, random_state=3)
    result = funding_store.merge("BTCUSDT", shuffled)
    assert (result.added, result.total, result.gaps) == (329, 329, [])
    frame = funding_store.read("BTCUSDT")
    assert frame["funding_time"].tolist() == btc_funding["funding_time"].tolist()
    assert frame["funding_rate"].tolist() == btc_funding["funding_rate"].tolist()
    assert int(frame["funding_time"].iloc[-1]) == 1_750_723_200_003  # exact, late-by-3-ms stamp
    window = funding_store.read("BTCUSDT", 1_750_636_800_000, 1_750_723_200_000)
    assert window["funding_time"].tolist() == [1_750_636_800_000, 1_750_665_600_004,
                                               1_750_694_400_013]  # fmt: skip
    assert funding_store.symbols() == ["BTCUSDT"]
    again = funding_store.merge("btcusdt", btc_funding.iloc[:10])
    assert (again.added, again.total) == (0, 329)


def test_conflicting_rate_rejects_input(
    funding_store: FundingStore, btc_funding: pd.DataFrame
) -> None:
    funding_store.merge("BTCUSDT", btc_funding)
    path = funding_store.path("BTCUSDT")
    before = digest(path)
    changed = btc_funding.iloc[[0]].assign(funding_rate=0.0005)
    with pytest.raises(ConflictingDataError) as info:
        funding_store.merge("BTCUSDT", changed)
    assert str(info.value) == (
        "BTCUSDT funding: funding at 2025-03-06T16:00:00Z has different rates "
        "(6.818e-05 vs 0.0005); nothing was written"
    )
    assert digest(path) == before


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"funding_time": [1]}), r"missing column\(s\) funding_rate"),
        (
            pd.DataFrame({"funding_time": ["x"], "funding_rate": [0.0001]}),
            r"funding_time 'x' is not integer epoch milliseconds",
        ),
        (
            pd.DataFrame({"funding_time": [1_750_723_200_003], "funding_rate": [np.nan]}),
            r"funding_rate 'nan' at 2025-06-24T00:00:00.003Z is not a rate in \(-1, 1\)",
        ),
        (
            pd.DataFrame({"funding_time": [1_750_723_200_003], "funding_rate": [1.5]}),
            r"not a rate in \(-1, 1\)",
        ),
    ],
)
def test_invalid_funding_input(
    funding_store: FundingStore, btc_funding: pd.DataFrame, frame: pd.DataFrame, message: str
) -> None:
    funding_store.merge("BTCUSDT", btc_funding)
    before = digest(funding_store.path("BTCUSDT"))
    with pytest.raises(DataError, match=message):
        funding_store.merge("BTCUSDT", frame)
    assert digest(funding_store.path("BTCUSDT")) == before


def test_unreadable_and_foreign_files(
    funding_store: FundingStore, btc_funding: pd.DataFrame
) -> None:
    path = funding_store.path("BTCUSDT")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataError, match=r"^unreadable BTCUSDT funding file: "):
        funding_store.read("BTCUSDT")
    pq.write_table(pa.table({"time": [1]}), path)
    with pytest.raises(DataError, match="wrong schema: missing column funding_time"):
        funding_store.read("BTCUSDT")
    pq.write_table(pa.table({"funding_time": ["a"], "funding_rate": [0.1]}), path)
    with pytest.raises(DataError, match="column funding_time is string"):
        funding_store.read("BTCUSDT")
    reversed_rows = btc_funding.iloc[::-1][["funding_time", "funding_rate"]]
    pq.write_table(pa.Table.from_pandas(reversed_rows, preserve_index=False), path)
    assert funding_store.read("BTCUSDT")["funding_time"].is_monotonic_increasing


def test_empty_merge_is_a_no_op(funding_store: FundingStore, btc_funding: pd.DataFrame) -> None:
    result = funding_store.merge("BTCUSDT", btc_funding.iloc[:0])
    assert (result.added, result.total) == (0, 0)
    assert not funding_store.path("BTCUSDT").exists()
