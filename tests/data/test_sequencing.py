"""Live streams made whole, on REAL candles and trades replayed over local REST.

The "stream" is the real series with a connection's faults made by hand: a stretch
lost while disconnected, messages delivered twice, two delivered out of order, a
candle still forming. What the sequencers hand on must be the real series exactly.
"""

from __future__ import annotations

from dataclasses import replace

from scalplab.data.adapters.binance.fake_rest import ReplayServer
from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.adapters.binance.schemas import parse_klines
from scalplab.data.market_events import AggregateTrade, KlineUpdate
from scalplab.data.sequencing import KlineSequencer, TradeSequencer
from tests.data.adapters.binance.test_http import same_trades, streamed
from tests.data.conftest import Sleeps
from tests.data.test_download import client_for

MINUTE = 60_000
START = 1_748_169_180_000  # 2025-05-25 10:33 UTC, the first stored BTCUSDT minute


def candles(
    client: BinanceRestClient, start: int, end: int, limit: int = 1500
) -> list[KlineUpdate]:
    return parse_klines("BTCUSDT", "1m", client.klines("BTCUSDT", "1m", start, end, limit=limit))


def test_closed_candles_come_out_whole_through_a_disconnect_and_doubles(
    replay: ReplayServer, sleeps: Sleeps
) -> None:
    client = client_for(replay, sleeps)
    truth = candles(client, START, START + 299 * MINUTE)
    assert len(truth) == 300
    stream = truth[:50] + truth[60:]  # 10 minutes lost while disconnected
    stream.insert(90, truth[100])  # delivered twice in a row
    stream.insert(110, truth[120])  # early, before 119: 119 is fetched, then both come again
    late = stream.index(truth[200])
    stream[late], stream[late + 1] = stream[late + 1], stream[late]  # 201 before 200
    stream.insert(130, replace(truth[140], closed=False, close=truth[140].open))  # forming
    sequencer = KlineSequencer(MINUTE, lambda start, end: candles(client, start, end, limit=4))
    applied = [out for kline in stream for out in sequencer.on_kline(kline)]
    assert applied == truth
    counters = sequencer.counters
    assert (counters.backfilled, counters.duplicates, counters.unfilled) == (12, 4, 0)
    calls = replay.state.requests_to("klines")
    assert len(calls) == 1 + 3 + 1 + 1  # the truth, 10 missed in pages of 4, 119, 200


def test_aggregate_trades_come_out_whole_and_a_hole_the_venue_cannot_fill_is_counted(
    replay: ReplayServer, sleeps: Sleeps
) -> None:
    client = client_for(replay, sleeps)
    truth = streamed("CTKUSDT")
    assert len(truth) >= 10
    stream = truth[:2] + truth[6:] + [truth[3], truth[-1]]  # 4 lost, 2 redelivered
    sequencer = TradeSequencer(lambda first: client.agg_trades("CTKUSDT", from_id=first, limit=2))
    handed: list[AggregateTrade] = [out for t in stream for out in sequencer.on_trade(t)]
    assert same_trades(handed, truth)
    assert (sequencer.counters.backfilled, sequencer.counters.duplicates) == (4, 2)

    empty = TradeSequencer(lambda first: [])
    handed = [out for t in stream[:3] for out in empty.on_trade(t)]
    kept = (truth[0], truth[1], truth[6])
    assert [t.agg_trade_id for t in handed] == [t.agg_trade_id for t in kept]
    assert empty.counters.unfilled == truth[6].agg_trade_id - truth[1].agg_trade_id - 1
