"""The signed transport's edges: credentials that never show, a connection never made,
answers that are not Binance's."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from scalplab.data.adapters.binance.order_limits import OrderRateLimiter
from scalplab.data.adapters.binance.schemas import MessageError
from scalplab.data.adapters.binance.signed_rest import Credentials, Request, SignedRest
from scalplab.data.adapters.binance.weight import WeightBudget, trading_weight
from scalplab.errors import ConfigError, TemporaryError
from tests.data.adapters.binance.signed_server import (
    API_KEY,
    API_SECRET,
    Exchange,
    Fault,
    TradingServer,
    serving,
)
from tests.data.adapters.binance.test_order_limits import FakeTime


class Waits(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def transport(base_url: str, waits: Waits) -> SignedRest:
    return SignedRest(base_url, Credentials(API_KEY, API_SECRET), sleep=waits,
                      limiter=OrderRateLimiter(sleep=waits), weights=WeightBudget())  # fmt: skip


@pytest.fixture
def server() -> Iterator[TradingServer]:
    with serving(Exchange()) as running:
        yield running


def test_credentials_never_show() -> None:
    credentials = Credentials(API_KEY, API_SECRET)
    assert API_KEY not in repr(credentials) and API_SECRET not in repr(credentials)
    assert credentials.scrub(f"echo {API_SECRET} and {API_KEY}") == "echo *** and ***"
    with pytest.raises(ConfigError, match="both an API key and an API secret"):
        Credentials(API_KEY, "")
    rest = transport("http://127.0.0.1:1", Waits())
    assert API_SECRET not in repr(rest) and API_KEY not in repr(rest)


def test_a_placement_whose_connection_was_never_made_is_retried_then_temporary() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits = Waits()
    rest = transport(f"http://127.0.0.1:{port}", waits)
    order = Request("POST", "/fapi/v1/order", "the order", {"symbol": "ETHUSDT"},
                    auth="key", placement=True)  # fmt: skip
    with pytest.raises(TemporaryError, match="failed 4 times on the order"):
        rest.call(order)  # never sent: not an unknown outcome
    assert waits == [0.5, 1.0, 2.0] and rest.stats.failures == 1


def test_answers_that_are_not_binances_are_data_errors(server: TradingServer) -> None:
    rest = transport(server.base_url, Waits())
    server.exchange.fail("GET", "/fapi/v1/openOrders", Fault(404, "<html>not found</html>"))
    with pytest.raises(MessageError, match="Binance answered the open orders with HTTP 404"):
        rest.call(Request("GET", "/fapi/v1/openOrders", "the open orders"))
    server.exchange.fail("PUT", "/fapi/v1/listenKey", Fault(200, ""))
    server.exchange.listen_key = "k" * 60
    assert rest.call(Request("PUT", "/fapi/v1/listenKey", "keepalive", auth="key")) == {}


def test_trading_requests_weigh_what_binance_documents() -> None:
    assert trading_weight("POST", "/fapi/v1/order", {"symbol": "ETHUSDT"}) == 0
    assert trading_weight("GET", "/fapi/v1/openOrders", {"symbol": "ETHUSDT"}) == 1
    assert trading_weight("GET", "/fapi/v1/openAlgoOrders", {}) == 40
    assert trading_weight("GET", "/fapi/v1/positionSide/dual", {}) == 30
    assert trading_weight("get", "/fapi/v3/positionRisk", {}) == 5


def test_too_many_orders_holds_the_limiter_then_resends(server: TradingServer) -> None:
    waits, held = Waits(), FakeTime()
    rest = SignedRest(
        server.base_url, Credentials(API_KEY, API_SECRET), sleep=waits, weights=WeightBudget(),
        limiter=OrderRateLimiter(clock=held.clock, sleep=held.sleep),
    )  # fmt: skip
    refusal = {
        "code": -1015,
        "msg": "Too many new orders; current limit is 300 orders per TEN_SECONDS.",
    }
    server.exchange.fail("POST", "/fapi/v1/leverage", Fault(400, refusal, {"Retry-After": "2"}))
    params = {"symbol": "ETHUSDT", "leverage": 3}
    answer = rest.call(Request("POST", "/fapi/v1/leverage", "the leverage", params, placement=True))
    assert answer["leverage"] == 3 and held.slept == [2.0] and waits == []
    assert len(server.exchange.calls("POST", "/fapi/v1/leverage")) == 2
