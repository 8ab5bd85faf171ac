"""The REST market-data endpoints against a local server replaying REAL Binance payloads."""

from __future__ import annotations

import pytest

from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.adapters.binance.schemas import parse_combined, parse_depth_snapshot
from scalplab.data.market_events import AggregateTrade
from scalplab.errors import DataError, InputError, NotFoundError
from tests.data.adapters.binance.recorded import combined_messages, rest_depth
from tests.data.binance_replay import Fault, ReplayServer
from tests.data.conftest import Sleeps
from tests.data.test_download import THROTTLED, client_for


def streamed(symbol: str) -> list[AggregateTrade]:
    trades = [parse_combined(m)[1] for m in combined_messages() if "@aggTrade" in m]
    return [t for t in trades if isinstance(t, AggregateTrade) and t.symbol == symbol]


def same_trades(rest: list[AggregateTrade], stream: list[AggregateTrade]) -> bool:
    """Equal but for the event time (REST has none: it is the trade time there)."""
    return [(t.agg_trade_id, t.price, t.quantity, t.first_trade_id, t.last_trade_id,
             t.transact_time, t.is_buyer_maker) for t in rest] == [
        (t.agg_trade_id, t.price, t.quantity, t.first_trade_id, t.last_trade_id,
         t.transact_time, t.is_buyer_maker) for t in stream]  # fmt: skip


@pytest.fixture
def client(replay: ReplayServer, sleeps: Sleeps) -> BinanceRestClient:
    return client_for(replay, sleeps)


def test_aggregate_trades_from_an_id_are_the_streamed_ones(client: BinanceRestClient) -> None:
    stream = streamed("CTKUSDT")
    backfill = client.agg_trades("CTKUSDT", from_id=stream[3].agg_trade_id)
    assert same_trades(backfill, stream[3:])
    assert all(t.event_time == t.transact_time for t in backfill)
    page = client.agg_trades("CTKUSDT", from_id=stream[0].agg_trade_id, limit=2)
    assert same_trades(page, stream[:2])
    window = client.agg_trades(
        "CTKUSDT", start_ms=stream[1].transact_time, end_ms=stream[4].transact_time
    )
    assert same_trades(window, [t for t in stream if stream[1].transact_time <= t.transact_time
                                <= stream[4].transact_time])  # fmt: skip


def test_a_depth_snapshot_is_the_recorded_one(client: BinanceRestClient) -> None:
    assert client.depth("SUSHIUSDT") == parse_depth_snapshot("SUSHIUSDT", rest_depth("SUSHIUSDT"))
    top = client.depth("SUSHIUSDT", limit=5)
    assert len(top.bids) == len(top.asks) == 5
    with pytest.raises(InputError, match="depth limit must be one of 5, 10, 20"):
        client.depth("SUSHIUSDT", limit=7)


def test_limits_unknown_symbols_and_malformed_answers(
    client: BinanceRestClient, replay: ReplayServer, sleeps: Sleeps
) -> None:
    replay.state.fail_next("aggTrades", THROTTLED)
    assert client.agg_trades("AKROUSDT", from_id=0)
    assert sleeps.calls == [7.0] and client.stats.used_weight == 20  # the answered call: 20
    with pytest.raises(NotFoundError, match="Invalid symbol"):
        client.agg_trades("NOPEUSDT", from_id=0)
    replay.state.fail_next("aggTrades", Fault(200, '[{"a": 1, "p": "x"}]'))
    with pytest.raises(DataError, match="malformed aggTrades answer"):
        client.agg_trades("AKROUSDT", from_id=0)
    replay.state.fail_next("depth", Fault(200, '{"lastUpdateId": "soon"}'))
    with pytest.raises(DataError, match="malformed depth snapshot"):
        client.depth("AKROUSDT")
