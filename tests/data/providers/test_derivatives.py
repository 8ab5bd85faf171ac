"""Binance derivatives as a provider, against the fake Binance REST server: the real recorded
premium index, open interest and the ratio in Binance's documented shape; failures leave the
layer out with the client's reason."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scalplab.data.adapters.binance.fake_rest import Fault, ReplayServer, ReplayState
from scalplab.data.adapters.binance.fake_rest_data import RealData, load_real_data
from scalplab.data.providers.derivatives import BinanceDerivativesProvider
from scalplab.errors import InputError
from tests.conftest import REAL
from tests.data.adapters.binance.documented import GLOBAL_ACCOUNTS, open_interest_answers
from tests.data.providers.conftest import Clock


@pytest.fixture(scope="module")
def btc_real() -> RealData:
    return load_real_data(REAL, ["BTCUSDT"])


@pytest.fixture
def binance(btc_real: RealData) -> Iterator[ReplayServer]:
    state = ReplayState(premium=btc_real.premium)
    state.open_interest = {"BTCUSDT": open_interest_answers()}
    state.add_statistics("globalLongShortAccountRatio", "BTCUSDT", "5m", GLOBAL_ACCOUNTS)
    with ReplayServer(state) as server:
        yield server


def provider(server: ReplayServer, clock: Clock, symbols: list[str] | None = None) -> (
    BinanceDerivativesProvider
):  # fmt: skip
    return BinanceDerivativesProvider(
        server.base_url, symbols or ["btcusdt"], timeout_s=2.0,
        clock_ms=clock.ms, monotonic=clock.monotonic,
    )  # fmt: skip


def test_funding_open_interest_and_ratio(
    binance: ReplayServer, btc_real: RealData, clock: Clock
) -> None:
    reading = provider(binance, clock).fetch()
    premium = btc_real.premium["BTCUSDT"][0]
    assert reading.available and reading.layer == "order_flow"
    assert reading.metrics == {
        "BTCUSDT.funding_rate": float(premium["lastFundingRate"]),
        "BTCUSDT.mark_price": float(premium["markPrice"]),
        "BTCUSDT.index_price": float(premium["indexPrice"]),
        "BTCUSDT.next_funding_time": float(premium["nextFundingTime"]),
        "BTCUSDT.open_interest": 10659.509,
        "BTCUSDT.long_short_ratio": 1.9559,  # the latest of the documented two
        "BTCUSDT.long_account": 0.6617,
        "BTCUSDT.short_account": 0.3382,
        "BTCUSDT.long_short_time": 1583139900000.0,
    }
    assert reading.observed_at == min(int(premium["time"]), 1589437530011)
    assert reading.labels == {"symbols": "BTCUSDT"}
    assert binance.state.requests_to("globalLongShortAccountRatio") == [
        {"symbol": "BTCUSDT", "period": "5m", "limit": "1"}
    ]
    assert reading.source == f"{binance.base_url}/fapi/v1/premiumIndex"


@pytest.mark.parametrize(
    ("endpoint", "fault", "reason"),
    [
        ("premiumIndex", Fault(503, "busy"),
         "failed 1 times on premiumIndex BTCUSDT (last: HTTP 503)"),
        ("openInterest", Fault(429, '{"code": -1003}', {"Retry-After": "5"}),
         "Binance rate limit (HTTP 429) on openInterest BTCUSDT; retry after 5 s"),
        ("premiumIndex", Fault(200, '{"symbol": "BTCUSDT", "markPrice": "x"}'),
         "malformed premiumIndex"),
        ("globalLongShortAccountRatio", Fault(200, "<html>"), "globalLongShortAccountRatio"),
    ],
)  # fmt: skip
def test_a_failing_endpoint_leaves_the_layer_out(
    binance: ReplayServer, clock: Clock, endpoint: str, fault: Fault, reason: str
) -> None:
    derivatives = provider(binance, clock)
    binance.state.fail_next(endpoint, fault)
    reading = derivatives.fetch()
    assert not reading.available and reading.reason is not None
    assert reason in reading.reason
    assert derivatives.health().state == "failing"
    clock.advance(20)
    assert derivatives.fetch().available  # the next round asks again


def test_an_unknown_symbol_is_the_reason(binance: ReplayServer, clock: Clock) -> None:
    reading = provider(binance, clock, ["NOPEUSDT"]).fetch()
    assert reading.reason is not None and "Invalid symbol" in reading.reason


def test_no_symbol_is_refused(binance: ReplayServer) -> None:
    with pytest.raises(InputError, match="at least one symbol"):
        BinanceDerivativesProvider(binance.base_url, [])
