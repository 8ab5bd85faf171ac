"""The store's inventory: one unreadable file is listed with its error, the rest as usual."""

from __future__ import annotations

from pathlib import Path

from scalplab.data.candles import CandleStore
from scalplab.data.inventory import candle_inventory
from scalplab.data.timeframes import TIMEFRAMES
from tests.conftest import real_klines


def _store(tmp_path: Path) -> CandleStore:
    store = CandleStore(tmp_path / "data")
    for symbol in ("BTCUSDT", "ETHUSDT", "SOLUSDT"):
        store.merge(symbol, "1m", real_klines(symbol).iloc[:3000])
    store.merge("SOLUSDT", "5m", real_klines("SOLUSDT", "5m").iloc[:600])
    return store


def test_every_readable_timeframe_with_its_span(tmp_path: Path) -> None:
    listing = candle_inventory(_store(tmp_path))
    assert [entry.symbol for entry in listing] == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
    btc = listing[0]
    assert btc.error is None
    assert [span.timeframe for span in btc.spans] == list(TIMEFRAMES)
    assert (btc.spans[0].stored, btc.spans[0].rows) == (True, 3000)
    assert not btc.spans[1].stored
    (sol_5m,) = [span for span in listing[2].spans if span.timeframe == "5m"]
    assert (sol_5m.timeframe, sol_5m.stored, sol_5m.rows) == ("5m", True, 600)
    stored_only = candle_inventory(_store(tmp_path / "again"), resampled=False)
    assert [[s.timeframe for s in e.spans] for e in stored_only] == [["1m"], ["1m"], ["1m", "5m"]]


def test_an_unreadable_file_is_an_error_of_its_symbol_only(tmp_path: Path) -> None:
    store = _store(tmp_path)
    broken = store.path("ETHUSDT", "1m")
    broken.write_bytes(broken.read_bytes()[:-100])  # the footer is gone
    store.path("SOLUSDT", "5m").write_bytes(b"")  # an empty file
    btc, eth, sol = candle_inventory(store)
    assert btc.error is None and len(btc.spans) == len(TIMEFRAMES)
    assert eth.spans == []  # nothing resampled from the broken 1m either
    assert eth.error is not None and eth.error.startswith("unreadable ETHUSDT 1m candle file: ")
    assert str(tmp_path) not in eth.error
    assert [s.timeframe for s in sol.spans] == [tf for tf in TIMEFRAMES if tf != "5m"]
    assert sol.error is not None and sol.error.startswith("unreadable SOLUSDT 5m candle file")
