"""Parquet primitives: error mapping and atomic writes, on real files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from scalplab.data.candles import CandleStore
from scalplab.data.parquet_io import read_metadata, read_schema, read_table, write_table_atomic
from scalplab.data.symbols import RulesStore
from scalplab.errors import DataError
from tests.data.conftest import EXCHANGE_INFO, digest


def test_missing_files_raise_file_not_found(tmp_path: Path) -> None:
    for read in (read_table, read_schema, read_metadata):
        with pytest.raises(FileNotFoundError):
            read(tmp_path / "absent.parquet")


def test_garbage_is_a_one_line_data_error(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    path.write_bytes(b"definitely not parquet\n" * 4)
    for read in (read_table, read_schema, read_metadata):
        with pytest.raises(DataError, match=r"^unreadable Parquet file x\.parquet: ") as info:
            read(path)
        assert "\n" not in str(info.value) and str(tmp_path) not in str(info.value)
        with pytest.raises(DataError, match=r"^unreadable BTCUSDT 1m candle file: "):
            read(path, what="BTCUSDT 1m candle file")


def test_failed_replace_keeps_the_old_file_and_no_temp(tmp_path: Path) -> None:
    table = pa.table({"a": [1, 2, 3]})
    target = tmp_path / "t.parquet"
    target.mkdir()  # os.replace of a file onto a directory fails
    (target / "keep").write_text("x")
    with pytest.raises(DataError, match=r"^cannot write the Parquet file t\.parquet: ") as info:
        write_table_atomic(table, target)
    assert str(tmp_path) not in str(info.value)
    assert (target / "keep").read_text() == "x"
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]


def test_unwritable_data_dir_is_a_data_error(tmp_path: Path, btc_csv: pd.DataFrame) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data directory should be")
    with pytest.raises(DataError, match="cannot write"):
        CandleStore(blocker).merge("BTCUSDT", "1m", btc_csv.iloc[:5])
    with pytest.raises(DataError, match="cannot write"):
        write_table_atomic(pa.table({"a": [1]}), blocker / "sub" / "x.parquet")
    with pytest.raises(DataError, match="cannot write"):
        RulesStore(blocker).save_exchange_info(json.loads(EXCHANGE_INFO.read_text()))
    assert blocker.read_text().startswith("a file")


def test_rules_replace_failure_keeps_cache(tmp_path: Path) -> None:
    store = RulesStore(tmp_path)
    store.path.mkdir(parents=True)  # the cache path is (wrongly) a directory
    with pytest.raises(DataError, match=r"^cannot write the symbol rules cache: "):
        store.save_exchange_info(json.loads(EXCHANGE_INFO.read_text()))
    assert not [p for p in store.path.parent.iterdir() if p.name.endswith(".tmp")]


def test_atomic_write_replaces_content(tmp_path: Path) -> None:
    target = tmp_path / "t.parquet"
    write_table_atomic(pa.table({"a": [1]}), target)
    first = digest(target)
    write_table_atomic(pa.table({"a": [2]}), target)
    assert digest(target) != first
    assert read_table(target).column("a").to_pylist() == [2]
