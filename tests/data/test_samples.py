"""The bundled real-data sample: reproducible from the shared data, clean, imported once."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from scalplab.data.candles import CandleStore
from scalplab.data.funding import FundingStore
from scalplab.data.integrity import check_candles
from scalplab.data.samples import (
    build_sample_files,
    default_samples_dir,
    ensure_samples,
    import_samples,
)
from scalplab.data.symbols import RulesStore
from scalplab.errors import DataError, NotFoundError
from tests.conftest import REAL
from tests.data.conftest import EXCHANGE_INFO, tree_digest

SHIPPED = default_samples_dir()
WEEK_START = 1_750_118_400_000  # 2025-06-17T00:00:00Z
WEEK_END = 1_750_723_200_000  # 2025-06-24T00:00:00Z


def test_shipped_files_are_reproducible_from_the_real_data(tmp_path: Path) -> None:
    summary = build_sample_files(REAL, tmp_path)
    assert summary == {
        "BTCUSDT": (WEEK_START, WEEK_END, 10_080, 22),
        "ETHUSDT": (WEEK_START, WEEK_END, 10_080, 22),
    }
    for name, sha in tree_digest(tmp_path).items():
        assert tree_digest(SHIPPED)[name] == sha, name
    assert (SHIPPED / "PROVENANCE.md").is_file()
    assert (SHIPPED / "rest" / EXCHANGE_INFO.name).read_bytes() == EXCHANGE_INFO.read_bytes()


@pytest.mark.parametrize("symbol", ["BTCUSDT", "ETHUSDT"])
def test_shipped_klines_are_the_last_seven_full_days_verbatim(symbol: str) -> None:
    text = gzip.decompress((SHIPPED / "klines" / f"{symbol}-1m.csv.gz").read_bytes()).decode()
    source = (REAL / "klines" / "um" / symbol / "1m.csv").read_text().splitlines()
    lines = text.splitlines()
    assert lines[0] == "open_time,open,high,low,close,volume"
    assert set(lines[1:]) <= set(source)
    frame = pd.read_csv(SHIPPED / "klines" / f"{symbol}-1m.csv.gz")
    assert len(frame) == 10_080
    assert int(frame["open_time"].iloc[0]) == WEEK_START
    assert int(frame["open_time"].iloc[-1]) == WEEK_END - 60_000
    report = check_candles(frame, "1m")
    assert report.ok and report.gaps == []
    funding = pd.read_csv(SHIPPED / "funding" / f"{symbol}.csv")
    assert (funding["funding_time"] < WEEK_START).sum() == 1
    assert funding["funding_time"].max() < WEEK_END


def test_ensure_samples_imports_into_an_empty_store_once(tmp_path: Path) -> None:
    assert ensure_samples(tmp_path) is True
    candles = CandleStore(tmp_path)
    assert candles.symbols() == ["BTCUSDT", "ETHUSDT"]
    assert candles.span("BTCUSDT", "1m") == (WEEK_START, WEEK_END - 60_000, 10_080)
    assert len(candles.read("ETHUSDT", "1h")) == 168
    assert len(FundingStore(tmp_path).read("BTCUSDT")) == 22
    assert str(RulesStore(tmp_path).get("BTCUSDT").tick_size) == "0.01"
    before = tree_digest(tmp_path)
    assert ensure_samples(tmp_path) is False
    assert tree_digest(tmp_path) == before


def test_existing_rules_cache_is_not_replaced(tmp_path: Path) -> None:
    rules = RulesStore(tmp_path)
    rules.path.parent.mkdir(parents=True)
    rules.path.write_text('{"symbols": {}}')
    result = import_samples(tmp_path)
    assert result.rules == 0
    assert rules.path.read_text() == '{"symbols": {}}'
    assert [r.added for r in result.candles] == [10_080, 10_080]
    assert [r.added for r in result.funding] == [22, 22]


def test_store_with_candles_is_left_alone(tmp_path: Path, btc_csv: pd.DataFrame) -> None:
    CandleStore(tmp_path).merge("SOLUSDT", "1m", btc_csv.iloc[:10])
    assert ensure_samples(tmp_path) is False
    assert CandleStore(tmp_path).symbols() == ["SOLUSDT"]


def test_missing_or_broken_samples_dir(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no bundled sample klines"):
        import_samples(tmp_path / "data", tmp_path / "nowhere")
    broken = tmp_path / "samples"
    (broken / "klines").mkdir(parents=True)
    (broken / "rest").mkdir()
    (broken / "klines" / "BTCUSDT-1m.csv.gz").write_bytes(
        (SHIPPED / "klines" / "BTCUSDT-1m.csv.gz").read_bytes()
    )
    (broken / "rest" / EXCHANGE_INFO.name).write_text("{oops")
    with pytest.raises(DataError, match="invalid JSON"):
        import_samples(tmp_path / "data", broken)


def test_builder_refuses_incomplete_days(tmp_path: Path) -> None:
    real = tmp_path / "real"
    folder = real / "klines" / "um" / "BTCUSDT"
    folder.mkdir(parents=True)
    lines = (REAL / "klines" / "um" / "BTCUSDT" / "1m.csv").read_text().splitlines()
    (folder / "1m.csv").write_text("\n".join(lines[:1000]) + "\n")
    with pytest.raises(DataError, match="no complete UTC day"):
        build_sample_files(real, tmp_path / "out", symbols=("BTCUSDT",))
    holed = lines[:3000] + lines[3100:]
    (folder / "1m.csv").write_text("\n".join(holed) + "\n")
    with pytest.raises(DataError, match="last 30 days of the source klines are not all complete"):
        build_sample_files(real, tmp_path / "out", symbols=("BTCUSDT",), days=30)
