"""SGNL-V2 on REAL order-book data: recorded through the fake Binance, backtested, and
paper-traded live from the same fake — the two must agree.

The capture is the BTCUSDT one of 2023-04-04 23:58:20 → 2023-04-05 00:06:55
(shared/data/real/orderbook_ws/: raw trades, bookTicker, markPrice@1s, diff depth with
a REST snapshot). The fake Binance serves it as the live market of BTCUSDT
(`fake_capture.market_messages`): aggTrade merged from the real trades, depth20@100ms
rebuilt from the real diffs, the recorded book tops and mark prices, and each minute's
closing kline made from its trades (REST `/klines` serves the same candles). Binance
has no open-interest recording here: `/fapi/v1/openInterest` answers 400, so the
recorder records none, the backtest runs `degraded`, and the live poller gets none.

1. `scalplab record`'s `MarketRecorder` records aggTrade, bookTicker, depth20, markPrice
   and kline_1m from the fake into a store — the very rows `tests.data.features.recorded`
   writes straight from the capture.
2. The backtest runs SGNL with `OPENED` (research thresholds, OI rule off) on that store.
3. `simulate --feed live` (`run_live_simulation`) paper-trades the same nine minutes from
   the fake, the market features built from the stream (`LiveFeatures`).
The live run's signals (time, side, entry, stop, target, score, breakdown, reasons,
status), trades and metrics equal the backtest's, over the whole window, first partial
minute included: no alignment is needed, because the live features of a bar use the
events stamped inside it and the last book/mark snapshot before its close, as the
store's do, and the stream starts with the capture (the first minute's kline and the
store both hold only what the capture holds of 23:58).

What live needs of the timing (and the fake provides): every event stamped before a
bar's close must have arrived before the engine closes that bar. On one connection
the fake sends each kline after every earlier-stamped message (see `fake_capture`);
across Binance's two routes (`/market`: klines, trades, marks; `/public`: book tops,
partial books) it is a matter of pacing: the fake replays at `SPEED`× the recorded
pace, with each kline stamped `KLINE_LATENCY_MS` after its close, so at `SPEED` the
last earlier book message goes out ≥ KLINE_LATENCY_MS / SPEED ms of wall time before
the kline. Real Binance sends its closing kline ~5-50 ms after the close; the larger
stamp here only buys margin for the 40× replay on a loaded test machine. A book event
that still came after its bar closed would make the two differ (and trades would be
counted in `late`): the test says which.
"""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from scalplab.backtests.runner import run_backtest
from scalplab.data.adapters.binance.fake import FakeBinanceWs, running
from scalplab.data.adapters.binance.fake_capture import CaptureMarket, market_messages
from scalplab.data.adapters.binance.fake_rest import ReplayServer, ReplayState
from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.candles import CandleStore
from scalplab.data.market_store import MarketStore
from scalplab.data.recorder import MarketRecorder
from scalplab.orders.runs import RunRequest
from scalplab.simulation.live_run import LiveRunRequest, run_live_simulation
from scalplab.timeutil import from_ms
from tests.conftest import make_settings
from tests.data.adapters.binance.recorded import capture
from tests.data.features.recorded import FILES, FIRST_MINUTE, SYMBOL, minute_candles, trade_frame
from tests.simulation.live_fakes import serve_ws
from tests.strategies.test_sgnl_v2 import OPENED

MINUTES = 9  # 23:58 (partial: the capture starts at 23:58:20) … 00:06
END = FIRST_MINUTE + MINUTES * 60_000
STREAMS = ["aggTrade", "bookTicker", "depth20", "markPrice", "kline_1m"]
SPEED = 40.0
KLINE_LATENCY_MS = 2_000


@cache
def market() -> CaptureMarket:
    return market_messages(list(capture(*FILES)), SYMBOL, latency_ms=KLINE_LATENCY_MS)


def rest_state() -> ReplayState:
    state = ReplayState()
    state.klines[(SYMBOL, "1m")] = market().kline_rows
    return state


@pytest.fixture(scope="module")
def recorded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store `scalplab record` writes from the fake (as fast as it reads)."""
    data_dir = tmp_path_factory.mktemp("sgnl_recorded")

    async def record() -> None:
        async with running(FakeBinanceWs(market().messages)) as fake:
            with ReplayServer(rest_state()) as rest:
                recorder = MarketRecorder(
                    fake.base, BinanceRestClient(rest.base_url), data_dir, [SYMBOL], STREAMS,
                    flush_every_s=0.2,
                )  # fmt: skip
                report = await asyncio.wait_for(recorder.run(until_idle_s=1.5), 120)
        assert report.write_errors == 0 and report.unfilled == 0 and report.bad_messages == 0

    asyncio.run(record())
    return data_dir


def test_the_recording_holds_the_capture(recorded_dir: Path) -> None:
    store = MarketStore(recorded_dir)
    trades = store.read(SYMBOL, "aggTrade", 0, 2**62)
    expected = trade_frame()  # the store of `recorded`, but for Binance's gapless agg ids
    expected["agg_trade_id"] = expected["agg_trade_id"].iloc[0] + range(len(expected))
    assert trades[list(expected.columns)].reset_index(drop=True).equals(expected)
    for stream in ("bookTicker", "depth20", "markPrice"):
        assert len(store.read(SYMBOL, stream, 0, 2**62)) > 0, stream
    candles = CandleStore(recorded_dir).read(SYMBOL, "1m")
    columns = ["open_time", "open", "high", "low", "close", "volume"]
    pd.testing.assert_frame_equal(
        candles[columns].reset_index(drop=True), minute_candles()[columns], check_dtype=False
    )


def backtest(data_dir: Path) -> dict[str, Any]:
    request = RunRequest(
        SYMBOL, "sgnl_v2", "1m", from_ms(FIRST_MINUTE), from_ms(END), params=OPENED,
        degraded=True,
    )  # fmt: skip
    return run_backtest(request, make_settings(data_dir, MIN_RR=1.0))


def live(data_dir: Path) -> dict[str, Any]:
    fake = FakeBinanceWs(market().messages, speed=SPEED)
    with ReplayServer(rest_state()) as rest, serve_ws(fake):
        settings = make_settings(
            data_dir, MIN_RR=1.0, REST_URL=rest.base_url, WS_URL=fake.base,
            LIVE_WARMUP_BARS=0, LIVE_CONNECT_TIMEOUT_S=30,
        )  # fmt: skip
        return run_live_simulation(LiveRunRequest(SYMBOL, "sgnl_v2", "1m", MINUTES, OPENED, {}),
                                   settings)  # fmt: skip


def test_paper_trading_the_fake_live_equals_the_backtest_of_the_recording(
    recorded_dir: Path, tmp_path: Path
) -> None:
    expected = backtest(recorded_dir)
    signals = expected["signals"]
    assert isinstance(signals, list) and len(signals) >= 2, "SGNL must signal for this to mean much"
    assert expected["metrics"]["trades"] >= 1
    assert any("openInterest" in d for d in expected["degraded"])
    got = live(tmp_path)
    assert (got["start"], got["end"]) == (expected["start"], expected["end"])
    assert got["warmup_bars"] == 0 and got["live"]["unfilled"] == 0
    keys = ("time", "side", "entry", "stop_loss", "take_profit", "score", "breakdown", "status")
    assert [{k: s[k] for k in keys} for s in got["signals"]] == [
        {k: s[k] for k in keys} for s in signals
    ]
    for key in ("signals", "trades", "metrics"):
        assert got[key] == expected[key], key
