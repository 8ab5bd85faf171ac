"""`RECORD_MARKET_DATA`: serve's recorder follows the enabled pairs' symbols.

The fake Binance replays the REAL 2021 combined-stream capture (SUSHI, AKRO, KEEP, CTK),
every message twice over (`repeat`), and REST serves its recorded aggregate trades.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scalplab.data.adapters.binance.fake import FakeBinanceWs
from scalplab.data.adapters.binance.fake_rest import ReplayServer, ReplayState
from scalplab.data.market_store import MarketStore
from scalplab.errors import ConfigError
from scalplab.services.recording import MarketRecording
from tests.conftest import make_settings
from tests.data.adapters.binance.recorded import combined_messages
from tests.simulation.live_fakes import REAL, serve_ws

DAY_START, DAY_END = 1_626_912_000_000, 1_626_998_400_000  # 2021-07-22 UTC


def rows(data_dir: Path, symbol: str, stream: str = "aggTrade") -> int:
    return len(MarketStore(data_dir).read(symbol, stream, DAY_START, DAY_END))


def wait_for(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def handed(recording: MarketRecording, symbol: str, *streams: str) -> bool:
    """Whether the current recorder handed rows of each of `streams` of `symbol` over."""
    report = recording.report()
    rows_of = {} if report is None else report.rows.get(symbol, {})
    return all(rows_of.get(stream, 0) > 0 for stream in streams)


def test_the_recording_follows_the_enabled_symbols(tmp_path: Path) -> None:
    state = ReplayState.from_data_dir(REAL)
    fake = FakeBinanceWs(combined_messages(), interval=0.002)
    with ReplayServer(state) as rest, serve_ws(fake):
        settings = make_settings(
            tmp_path, REST_URL=rest.base_url, WS_URL=fake.base,
            RECORD_STREAMS="aggTrade,bookTicker",
        )  # fmt: skip
        symbols = ["SUSHIUSDT"]
        recording = MarketRecording(settings, lambda: list(symbols), check_every_s=0.2)
        recording.start()
        try:
            wait_for(lambda: recording.recording == ["SUSHIUSDT"])
            symbols.append("AKROUSDT")
            wait_for(lambda: recording.recording == ["AKROUSDT", "SUSHIUSDT"])
            wait_for(
                lambda: (
                    handed(recording, "AKROUSDT", "aggTrade")
                    and handed(recording, "SUSHIUSDT", "aggTrade", "bookTicker")
                )
            )
        finally:
            recording.close()
        health = recording.health()
    assert health.symbols == ["AKROUSDT", "SUSHIUSDT"] and health.write_errors == 0
    assert rows(tmp_path, "SUSHIUSDT") > 0 and rows(tmp_path, "AKROUSDT") > 0
    assert rows(tmp_path, "SUSHIUSDT", "bookTicker") > 0
    assert rows(tmp_path, "KEEPUSDT") == 0  # not traded, not recorded
    stored = MarketStore(tmp_path).read("SUSHIUSDT", "aggTrade", DAY_START, DAY_END)
    assert stored["agg_trade_id"].is_unique  # the restart resent nothing twice


def test_an_unknown_stream_is_refused_at_start(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, RECORD_STREAMS="aggTrade,trades")
    with pytest.raises(ConfigError, match="cannot record trades"):
        MarketRecording(settings, list)
