"""Part files of the market-data store on REAL recorded data: appends, size tiers,
compaction, day roll, and crashes between each file and the next.

Aggregate trades come from the 2021 combined-stream capture, book tickers from the
2023 BTCUSDT capture (which crosses midnight UTC). A crash is made by failing the
deletion that follows a write, the state a killed process leaves behind.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from scalplab.data import market_parts
from scalplab.data.market_parts import (
    FAN_IN,
    DayFiles,
    Part,
    first_rows,
    merge_run,
    scan_parts,
    without_keys,
)
from scalplab.data.market_store import MarketStore
from tests.data.conftest import tree_digest
from tests.data.test_market_store import MIDNIGHT, aggregate_trades, book_tops

DAY = "2021-07-22"


@pytest.fixture
def store(tmp_path: Path) -> MarketStore:
    return MarketStore(tmp_path / "data")


def trades() -> pd.DataFrame:
    rows = aggregate_trades("CTKUSDT").sort_values("agg_trade_id").reset_index(drop=True)
    assert len(rows) == 38
    return rows


def parts_of(store: MarketStore, day: str = DAY) -> list[str]:
    folder = store.root / "CTKUSDT" / "aggTrade" / f"{day}.parts"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def day_file(store: MarketStore, day: str = DAY) -> Path:
    return store.root / "CTKUSDT" / "aggTrade" / f"{day}.parquet"


def everything(store: MarketStore) -> pd.DataFrame:
    return store.read("CTKUSDT", "aggTrade", 0, 2**53)


def test_appends_are_parts_merged_in_tiers_then_compacted_into_the_day_file(
    store: MarketStore,
) -> None:
    rows = trades()
    added = [store.append("CTKUSDT", "aggTrade", rows.iloc[2 * k : 2 * k + 2]).added
             for k in range(17)]  # fmt: skip
    assert added == [2] * 17
    assert not day_file(store).exists()  # appends never rewrite the day
    assert parts_of(store) == ["00000001-00000008.arrow", "00000009-00000016.arrow",
                               "00000017-00000017.arrow"]  # fmt: skip
    pd.testing.assert_frame_equal(everything(store), rows.iloc[:34])
    [day] = store.inventory()
    assert (day.day, day.rows, day.missing_ids) == (DAY, 34, 0)
    assert store.append("CTKUSDT", "aggTrade", rows.iloc[30:]).added == 4  # 30..33 stored
    assert store.compact() == 1
    assert parts_of(store) == [] and not (day_file(store).parent / f"{DAY}.parts").exists()
    pd.testing.assert_frame_equal(everything(store), rows)
    assert store.compact() == 0


def test_a_write_leaves_day_files_only_and_a_stored_key_keeps_its_first_row(
    store: MarketStore,
) -> None:
    rows = trades()
    store.append("CTKUSDT", "aggTrade", rows.iloc[:10])
    changed = rows.iloc[5:20].copy()
    changed["price"] = 999.0  # stored ids with another price, and new ones
    assert store.append("CTKUSDT", "aggTrade", changed).added == 10
    before = tree_digest(store.root)
    assert store.append("CTKUSDT", "aggTrade", changed).added == 0
    assert tree_digest(store.root) == before  # nothing new: no file
    report = store.write("CTKUSDT", "aggTrade", rows)
    assert report.added == len(rows) - 20
    assert parts_of(store) == [] and day_file(store).exists()
    stored = everything(store)
    assert stored["price"].iloc[:5].tolist() == rows["price"].iloc[:5].tolist()
    assert (stored["price"].iloc[10:20] == 999.0).all()  # appended first: they stay


def test_a_later_day_compacts_the_earlier_days_appended_to(store: MarketStore) -> None:
    tops = book_tops()
    before, after = (
        tops[tops["transaction_time"] < MIDNIGHT],
        tops[tops["transaction_time"] >= MIDNIGHT],
    )
    folder = store.root / "BTCUSDT" / "bookTicker"
    store.append("BTCUSDT", "bookTicker", before.iloc[:100])
    store.append("BTCUSDT", "bookTicker", before.iloc[100:])
    assert (folder / "2023-04-04.parts").is_dir() and not (folder / "2023-04-04.parquet").exists()
    store.append("BTCUSDT", "bookTicker", after)  # the next UTC day begins
    assert (folder / "2023-04-04.parquet").is_file() and not (folder / "2023-04-04.parts").exists()
    assert [str(d) for d in store.days("BTCUSDT", "bookTicker")] == ["2023-04-04", "2023-04-05"]
    expected = tops.sort_values("update_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(store.read("BTCUSDT", "bookTicker", 0, 2**53), expected)


def test_a_crash_between_part_writes_and_compaction_loses_nothing(tmp_path: Path) -> None:
    rows = trades()
    recording = MarketStore(tmp_path / "data")
    for k in range(5):
        recording.append("CTKUSDT", "aggTrade", rows.iloc[7 * k : 7 * k + 7])
    stray = day_file(recording).parent / f"{DAY}.parts" / ".00000006-00000006.arrow.x.tmp"
    stray.write_bytes(b"half a part")  # a write cut short: its temp file stays behind
    del recording  # the process dies: no compaction
    after = MarketStore(tmp_path / "data")
    pd.testing.assert_frame_equal(everything(after), rows.iloc[:35])
    assert after.append("CTKUSDT", "aggTrade", rows).added == 3
    assert after.compact() == 1
    pd.testing.assert_frame_equal(everything(after), rows)


def test_a_crash_after_a_merge_or_a_compaction_wrote_leaves_rows_read_once(
    store: MarketStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = trades()
    for k in range(FAN_IN - 1):
        store.append("CTKUSDT", "aggTrade", rows.iloc[k : k + 1])

    def crash(parts: list[Part], ranges: object) -> None:
        if parts:  # the process is killed before the first deletion
            raise OSError("killed")

    with monkeypatch.context() as patch:  # the merged part is written, its sources stay
        patch.setattr(DayFiles, "_delete", staticmethod(crash))
        with pytest.raises(OSError, match="killed"):
            store.append("CTKUSDT", "aggTrade", rows.iloc[7:8])
    assert len(parts_of(store)) == FAN_IN + 1
    pd.testing.assert_frame_equal(everything(store), rows.iloc[:8])  # leftovers skipped
    assert store.append("CTKUSDT", "aggTrade", rows.iloc[8:9]).added == 1
    assert parts_of(store) == ["00000001-00000008.arrow", "00000009-00000009.arrow"]

    with monkeypatch.context() as patch:  # the day file is written, the parts stay
        patch.setattr(DayFiles, "_delete", staticmethod(crash))
        with pytest.raises(OSError, match="killed"):
            store.compact()
    assert day_file(store).exists() and len(parts_of(store)) == 2
    pd.testing.assert_frame_equal(everything(store), rows.iloc[:9])  # each row once
    assert store.inventory()[0].rows == 9
    assert store.append("CTKUSDT", "aggTrade", rows.iloc[:12]).added == 3
    assert store.compact() == 1 and parts_of(store) == []
    pd.testing.assert_frame_equal(everything(store), rows.iloc[:12])


def test_parts_are_listed_merged_and_deduplicated_by_their_rules(tmp_path: Path) -> None:
    folder = tmp_path / f"{DAY}.parts"
    folder.mkdir()
    for name in ("00000001-00000008.arrow", "00000003-00000003.arrow", "00000009-00000009.arrow",
                 "notes.txt", "00000010-00000010.parquet"):  # fmt: skip
        (folder / name).write_bytes(b"")
    live, leftovers = scan_parts(folder)
    assert [(p.first, p.last) for p in live] == [(1, 8), (9, 9)]
    assert [(p.first, p.last) for p in leftovers] == [(3, 3)]
    singles = [Part(n, n, folder / str(n)) for n in range(1, FAN_IN + 1)]
    assert merge_run(singles) == singles and merge_run(singles[1:]) is None
    assert merge_run([Part(1, 8, folder), *singles[:7]]) is None
    table = pa.table({"t": [3, 1, 3, 2], "p": [0.5, 0.1, 0.5, 0.2], "v": ["c", "a", "x", "b"]})
    assert first_rows(table, ["t"]).column("v").to_pylist() == ["a", "b", "c"]
    assert first_rows(table, ["t", "p"]).column("v").to_pylist() == ["a", "b", "c"]
    stored = pa.table({"t": [1, 3], "p": [0.1, 0.9]})
    assert without_keys(table, stored, ["t"]).column("v").to_pylist() == ["b"]
    assert without_keys(table, stored, ["t", "p"]).column("v").to_pylist() == ["c", "x", "b"]


def test_key_ranges_come_from_footers_and_are_remembered(tmp_path: Path) -> None:
    store = MarketStore(tmp_path / "data")
    rows = trades()
    store.append("CTKUSDT", "aggTrade", rows.iloc[:10])
    store.compact()
    ranges = market_parts.KeyRanges()
    path = day_file(store)
    low, high = rows["agg_trade_id"].iloc[0], rows["agg_trade_id"].iloc[9]
    assert ranges.of(path, "agg_trade_id", "day") == (low, high)
    path.write_bytes(b"")  # changed on disk: read again
    with pytest.raises(Exception, match="unreadable day"):
        ranges.of(path, "agg_trade_id", "day")
