"""The REST market-data endpoints against a local server replaying REAL Binance payloads."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from scalplab.data.adapters.binance.fake_rest import Fault, ReplayServer, ReplayState
from scalplab.data.adapters.binance.fake_rest_data import RealData, load_real_data
from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.adapters.binance.schemas import parse_combined, parse_depth_snapshot
from scalplab.data.adapters.binance.weight import REQUEST_WINDOWS, RequestWindow
from scalplab.data.market_events import AggregateTrade, OpenInterest
from scalplab.data.market_stats import LongShortRatio, OpenInterestStat, PremiumIndex
from scalplab.errors import DataError, InputError, NotFoundError
from tests.conftest import REAL
from tests.data.adapters.binance.documented import (
    GLOBAL_ACCOUNTS,
    OPEN_INTEREST_HIST,
    TOP_ACCOUNTS,
    TOP_POSITIONS,
    open_interest_answers,
)
from tests.data.adapters.binance.recorded import combined_messages, rest_depth
from tests.data.conftest import BTC_FUNDING, Sleeps
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


# ----- premium index, funding history, open interest and the /futures/data statistics --------


@pytest.fixture(scope="module")
def btc_real() -> RealData:
    return load_real_data(REAL, ["BTCUSDT"])


@pytest.fixture
def stats_server(btc_real: RealData) -> Iterator[ReplayServer]:
    """Real BTCUSDT funding history and premium index (2023 markPrice capture); open
    interest and the statistics in Binance's documented shape (no real capture exists)."""
    state = ReplayState(funding=btc_real.funding, premium=btc_real.premium)
    state.open_interest = {"BTCUSDT": open_interest_answers()}
    for endpoint, rows in (("openInterestHist", OPEN_INTEREST_HIST),
                           ("globalLongShortAccountRatio", GLOBAL_ACCOUNTS),
                           ("topLongShortAccountRatio", TOP_ACCOUNTS),
                           ("topLongShortPositionRatio", TOP_POSITIONS)):  # fmt: skip
        state.add_statistics(endpoint, "BTCUSDT", "5m", rows)
    with ReplayServer(state) as server:
        yield server


@pytest.fixture
def stats_client(stats_server: ReplayServer, sleeps: Sleeps) -> BinanceRestClient:
    return client_for(stats_server, sleeps)


def test_the_premium_index_is_the_recorded_mark_price(
    stats_client: BinanceRestClient, btc_real: RealData
) -> None:
    first, second = btc_real.premium["BTCUSDT"][:2]
    assert stats_client.premium_index("BTCUSDT") == PremiumIndex(
        symbol="BTCUSDT", mark_price=float(first["markPrice"]),
        index_price=float(first["indexPrice"]),
        estimated_settle_price=float(first["estimatedSettlePrice"]),
        last_funding_rate=float(first["lastFundingRate"]), interest_rate=0.0001,
        next_funding_time=first["nextFundingTime"], time=first["time"],
    )  # fmt: skip
    assert stats_client.premium_index("BTCUSDT").time == second["time"]
    assert stats_client.stats.used_weight == 2  # weight 1 each, with a symbol


def test_funding_history_pages_like_binance(stats_client: BinanceRestClient) -> None:
    recorded = pd.read_csv(BTC_FUNDING)
    every = stats_client.funding_rates("BTCUSDT")
    assert [(r.funding_time, r.funding_rate) for r in every] == list(
        zip(recorded["funding_time"], recorded["funding_rate"], strict=True)
    )
    assert all(r.symbol == "BTCUSDT" and r.mark_price for r in every)
    start = int(recorded["funding_time"].iloc[10])
    page = stats_client.funding_rates("BTCUSDT", start_ms=start, limit=3)
    assert [r.funding_time for r in page] == recorded["funding_time"].iloc[10:13].tolist()
    latest = stats_client.funding_rates("BTCUSDT", limit=2)
    assert [r.funding_time for r in latest] == recorded["funding_time"].tail(2).tolist()
    assert stats_client.stats.used_weight == 0  # counted in its own 500 / 5 min window
    with pytest.raises(InputError, match=r"limit must be within 1\.\.1000"):
        stats_client.funding_rates("BTCUSDT", limit=0)


def test_open_interest_and_the_statistics_are_typed(stats_client: BinanceRestClient) -> None:
    now = stats_client.open_interest("BTCUSDT")
    assert now == OpenInterest("BTCUSDT", 10659.509, 1589437530011)
    assert stats_client.stats.used_weight == 1
    assert stats_client.open_interest_hist("BTCUSDT", "5m") == [
        OpenInterestStat("BTCUSDT", 20403.637, 150570784.07809979, 1583127900000),
        OpenInterestStat("BTCUSDT", 20401.367, 149940752.14464448, 1583128200000),
    ]
    for kind, rows in (("global_accounts", GLOBAL_ACCOUNTS), ("top_accounts", TOP_ACCOUNTS),
                       ("top_positions", TOP_POSITIONS)):  # fmt: skip
        ratios = stats_client.long_short_ratio("BTCUSDT", kind, "5m", limit=1)  # type: ignore[arg-type]
        last = rows[-1]
        assert ratios == [
            LongShortRatio("BTCUSDT", kind, float(last["longShortRatio"]),  # type: ignore[arg-type]
                           float(last["longAccount"]), float(last["shortAccount"]),
                           int(last["timestamp"]))
        ]  # fmt: skip
    window = stats_client.long_short_ratio(
        "BTCUSDT", "top_accounts", "5m", start_ms=1583139700000, end_ms=1583139900000
    )
    assert [r.time for r in window] == [1583139900000]
    assert stats_client.stats.used_weight == 1  # the statistics weigh 0
    with pytest.raises(InputError, match="statistics period must be one of 5m"):
        stats_client.open_interest_hist("BTCUSDT", "7m")
    with pytest.raises(InputError, match="kind must be one of global_accounts"):
        stats_client.long_short_ratio("BTCUSDT", "everyone", "5m")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="Invalid symbol"):
        stats_client.open_interest("ETHUSDT")


@pytest.mark.parametrize(
    ("endpoint", "body", "message"),
    [
        ("premiumIndex", '{"symbol": "BTCUSDT", "markPrice": "x"}', "malformed premiumIndex"),
        ("premiumIndex", "[]", "premiumIndex answer is not an object"),
        ("openInterest", "[]", "openInterest answer is not an object"),
        ("openInterest", '{"openInterest": "-1", "symbol": "BTCUSDT", "time": 1}', "negative"),
        ("openInterest", '{"openInterest": "1", "symbol": "ETHUSDT", "time": 1}',
         "about 'ETHUSDT', not 'BTCUSDT'"),
        ("fundingRate", '[{"symbol": "BTCUSDT", "fundingTime": 1, "fundingRate": "2"}]',
         "fundingRate is not a rate"),
        ("openInterestHist", '{"code": 0}', "openInterestHist answer is not a list"),
        ("openInterestHist", '[{"symbol": "BTCUSDT"}]', "missing sumOpenInterest"),
    ],
)  # fmt: skip
def test_malformed_answers_are_one_line_data_errors(
    stats_client: BinanceRestClient, stats_server: ReplayServer,
    endpoint: str, body: str, message: str,
) -> None:  # fmt: skip
    stats_server.state.fail_next(endpoint, Fault(200, body))
    calls = {
        "premiumIndex": lambda: stats_client.premium_index("BTCUSDT"),
        "openInterest": lambda: stats_client.open_interest("BTCUSDT"),
        "fundingRate": lambda: stats_client.funding_rates("BTCUSDT"),
        "openInterestHist": lambda: stats_client.open_interest_hist("BTCUSDT", "5m"),
    }
    with pytest.raises(DataError, match=message) as raised:
        calls[endpoint]()
    assert "\n" not in str(raised.value) and len(str(raised.value)) < 240
    assert stats_client.stats.failures == 1


def test_the_funding_window_makes_the_client_wait(
    stats_server: ReplayServer, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(REQUEST_WINDOWS, "funding", RequestWindow(2, 300.0))
    client = client_for(stats_server, sleeps)
    for _ in range(3):
        client.funding_rates("BTCUSDT", limit=1)
    assert client.stats.waits == [("request window", 300.0)]
    assert stats_server.state.requests_to("fundingRate") == [
        {"symbol": "BTCUSDT", "limit": "1"}] * 3  # fmt: skip


def test_health_reports_latency_weight_and_failures(
    stats_client: BinanceRestClient, stats_server: ReplayServer
) -> None:
    empty = stats_client.health()
    assert (empty.requests, empty.latency_last_ms, empty.latency_p50_ms) == (0, None, None)
    for _ in range(3):
        stats_client.open_interest("BTCUSDT")
    stats_server.state.fail_next("openInterest", Fault(400, '{"code": -1100, "msg": "bad"}'))
    with pytest.raises(InputError):
        stats_client.open_interest("BTCUSDT")
    health = stats_client.health()
    assert (health.requests, health.retries, health.failures) == (4, 0, 1)
    assert health.latency_last_ms is not None and health.latency_p50_ms is not None
    assert 0 < health.latency_p50_ms < 1000
    assert health.used_weight == 3 and health.weight_limit == 2400
    assert health.to_dict()["latency_p50_ms"] == health.latency_p50_ms
    assert set(health.to_dict()) == {"base_url", "requests", "retries", "failures", "waited_s",
                                     "latency_last_ms", "latency_p50_ms", "used_weight",
                                     "weight_limit"}  # fmt: skip
