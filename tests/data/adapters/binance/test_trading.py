"""The signed trading client against a local server that verifies signatures like Binance.

The server (`signed_server`) checks the API key, the HMAC signature over the query string
and body as received (`signing.signature_matches`) and the timestamp against its own
clock; its answers are Binance's documented shapes and the REAL recorded `userTrades`.
Waits go through a recording `sleep` (nothing sleeps for real); the clock is real, as
the server's is.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest

from scalplab.data.adapters.binance.order_errors import BinanceRejected, ClockSkew, OutcomeUnknown
from scalplab.data.adapters.binance.order_limits import OrderRateLimiter
from scalplab.data.adapters.binance.trading import BinanceTradingClient
from scalplab.data.adapters.binance.trading_schemas import (
    AccountTrade,
    Balance,
    ExchangeOrder,
    PositionRisk,
)
from scalplab.data.adapters.binance.weight import WeightBudget
from scalplab.errors import InputError, TemporaryError
from tests.data.adapters.binance.signed_server import (
    ACCOUNT_TRADES,
    API_KEY,
    API_SECRET,
    Exchange,
    Fault,
    TradingServer,
    serving,
)

ORDER = "/fapi/v1/order"
ALGO = "/fapi/v1/algoOrder"


class Waits:
    """A `sleep` that records instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def server() -> Iterator[TradingServer]:
    with serving(Exchange()) as running:
        yield running


@pytest.fixture
def waits() -> Waits:
    return Waits()


def client_for(
    server: TradingServer, waits: Waits, secret: str = API_SECRET, **kwargs: object
) -> BinanceTradingClient:
    return BinanceTradingClient(
        server.base_url, API_KEY, secret, sleep=waits, weights=WeightBudget(),
        limiter=OrderRateLimiter(sleep=waits), **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture
def client(server: TradingServer, waits: Waits) -> Iterator[BinanceTradingClient]:
    trading = client_for(server, waits, timeout_s=0.3)
    yield trading
    trading.close()


def market_sell(client: BinanceTradingClient, cid: str = "e-42-entry") -> ExchangeOrder:
    return client.new_order(
        symbol="ETHUSDT", side="SELL", type="MARKET", quantity=Decimal("0.005"),
        client_order_id=cid,
    )  # fmt: skip


def test_an_order_is_signed_sent_as_a_form_and_answered_as_a_record(
    client: BinanceTradingClient, server: TradingServer
) -> None:
    order = market_sell(client)
    assert (order.client_order_id, order.status, order.executed_qty, order.avg_price) == (
        "e-42-entry", "FILLED", Decimal("0.005"), Decimal("2778.35"))  # fmt: skip
    [sync] = server.exchange.calls("GET", "/fapi/v1/time")  # measured once, at first use
    assert "X-MBX-APIKEY" not in sync.headers
    [sent] = server.exchange.calls("POST", ORDER)
    assert sent.query == ""  # everything in the form body, signed as sent
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent.headers["X-MBX-APIKEY"] == API_KEY
    keys = [key for key, _ in parse_qsl(sent.body)]
    assert keys == ["symbol", "side", "type", "quantity", "newClientOrderId",
                    "newOrderRespType", "timestamp", "recvWindow", "signature"]  # fmt: skip
    assert sent.params["newOrderRespType"] == "RESULT" and sent.params["recvWindow"] == "5000"
    lookup = client.order("ETHUSDT", "e-42-entry")
    assert lookup == order
    [query] = server.exchange.calls("GET", ORDER)
    assert query.body == "" and "origClientOrderId=e-42-entry" in query.query


def test_decimals_are_written_in_plain_notation(
    client: BinanceTradingClient, server: TradingServer
) -> None:
    client.new_order(
        symbol="BTCUSDT", side="BUY", type="LIMIT", quantity=Decimal("1E-3"),
        price=Decimal("2.5E+4"), time_in_force="GTX", client_order_id="e-1-entry",
    )  # fmt: skip
    client.new_algo_order(
        symbol="BTCUSDT", side="SELL", type="STOP_MARKET", client_algo_id="e-1-sl",
        trigger_price=Decimal("2.41E+4"), quantity=Decimal("0.0010"), reduce_only=True,
    )  # fmt: skip
    entry = server.exchange.calls("POST", ORDER)[0].params
    assert (entry["quantity"], entry["price"], entry["timeInForce"]) == ("0.001", "25000", "GTX")
    stop = server.exchange.calls("POST", ALGO)[0].params
    assert (stop["algoType"], stop["triggerPrice"], stop["quantity"]) == (
        "CONDITIONAL", "24100", "0.0010")  # fmt: skip
    assert stop["reduceOnly"] == "true" and stop["workingType"] == "MARK_PRICE"


def test_a_wrong_secret_or_key_is_refused_in_words(server: TradingServer, waits: Waits) -> None:
    wrong = client_for(server, waits, secret="not-the-secret-" + "x" * 49)
    with pytest.raises(BinanceRejected) as refused:
        market_sell(wrong)
    assert refused.value.code == -1022 and refused.value.is_credentials
    assert str(refused.value) == (
        "Binance refused the order ETHUSDT e-42-entry: the request's signature is not valid "
        "(wrong API secret) (-1022)"
    )
    stranger = BinanceTradingClient(server.base_url, "another-key", API_SECRET, sleep=waits,
                                    weights=WeightBudget())  # fmt: skip
    with pytest.raises(BinanceRejected, match=r"wrong key, permission or account type\) \(-2015\)"):
        stranger.positions()
    assert server.exchange.orders == {}


def test_clock_skew_resyncs_and_resends_the_same_client_id(
    client: BinanceTradingClient, server: TradingServer
) -> None:
    client.sync_time()
    assert abs(client.health().clock_offset_ms or 0) < 1000
    server.exchange.offset_ms = 20_000  # Binance's clock moved on; ours did not
    market_sell(client, "e-7-entry")
    posts = server.exchange.calls("POST", ORDER)
    assert [p.params["newClientOrderId"] for p in posts] == ["e-7-entry", "e-7-entry"]
    assert list(server.exchange.orders) == ["e-7-entry"]
    health = client.health()
    assert health.time_syncs == 2 and 19_000 < (health.clock_offset_ms or 0) < 21_000


def test_clock_skew_that_persists_after_resyncs_is_refused(
    client: BinanceTradingClient, server: TradingServer
) -> None:
    server.exchange.time_lies_ms = -20_000  # its time endpoint disagrees with its checks
    with pytest.raises(ClockSkew, match=r"outside the receive window \(clock skew\) \(-1021\)"):
        market_sell(client)
    assert len(server.exchange.calls("POST", ORDER)) == 3  # the request and 2 retries


def test_a_timeout_after_sending_is_an_unknown_outcome_and_never_resent(
    client: BinanceTradingClient, server: TradingServer
) -> None:
    server.exchange.fail("POST", ORDER, Fault(delay_s=0.5))  # placed, answered too late
    with pytest.raises(OutcomeUnknown, match="look it up by its client id"):
        market_sell(client, "e-9-entry")
    assert len(server.exchange.calls("POST", ORDER)) == 1
    found = client.order("ETHUSDT", "e-9-entry")  # the caller's lookup finds it
    assert found is not None and found.status == "FILLED"
    server.exchange.fail("POST", ALGO, Fault(delay_s=0.5))
    with pytest.raises(OutcomeUnknown):
        client.new_algo_order(symbol="ETHUSDT", side="BUY", type="STOP_MARKET",
                              client_algo_id="e-9-sl", trigger_price=Decimal("2900"),
                              close_position=True)  # fmt: skip
    assert len(server.exchange.calls("POST", ALGO)) == 1
    assert client.health().outcomes_unknown == 2


@pytest.mark.parametrize(
    "fault",
    [
        Fault(
            503,
            {"code": -1000, "msg": "Unknown error, please check your request or try again later."},
        ),
        Fault(408, {"code": -1007, "msg": "Timeout waiting for response from backend server."}),
        Fault(400, {"code": -1006, "msg": "An unexpected response was received."}),
        Fault(200, "<html>gateway</html>"),
    ],
)
def test_5xx_and_ambiguous_codes_on_a_placement_are_unknown_outcomes(
    client: BinanceTradingClient, server: TradingServer, fault: Fault
) -> None:
    server.exchange.fail("POST", ORDER, fault)
    with pytest.raises(OutcomeUnknown):
        market_sell(client)
    assert len(server.exchange.calls("POST", ORDER)) == 1


def test_reads_retry_5xx_and_timeouts_with_bounded_backoff(
    client: BinanceTradingClient, server: TradingServer, waits: Waits
) -> None:
    busy = Fault(503, {"code": -1000, "msg": "Service Unavailable."})
    server.exchange.fail("GET", "/fapi/v1/openOrders", busy, Fault(delay_s=0.5))
    assert client.open_orders("ETHUSDT") == []
    assert len(server.exchange.calls("GET", "/fapi/v1/openOrders")) == 3
    assert waits.calls == [0.5, 1.0] and client.health().rest.retries == 2
    server.exchange.fail("GET", "/fapi/v3/balance", *[busy] * 4)
    with pytest.raises(TemporaryError, match="failed 4 times on the balances"):
        client.balances()


def test_429_waits_retry_after_for_every_caller_then_resends(
    server: TradingServer, waits: Waits
) -> None:
    budget = WeightBudget()
    first = BinanceTradingClient(server.base_url, API_KEY, API_SECRET, sleep=waits,
                                 weights=budget)  # fmt: skip
    other_waits = Waits()
    other = BinanceTradingClient(server.base_url, API_KEY, API_SECRET, sleep=other_waits,
                                 weights=budget)  # fmt: skip
    throttled = Fault(429, {"code": -1003, "msg": "Too many requests."}, {"Retry-After": "7"})
    server.exchange.fail("POST", ORDER, throttled)
    market_sell(first, "e-3-entry")
    posts = server.exchange.calls("POST", ORDER)
    assert [p.params["newClientOrderId"] for p in posts] == ["e-3-entry", "e-3-entry"]
    assert len(waits.calls) == 1 and 6.5 < waits.calls[0] <= 7.0
    other.positions()  # the ban is shared by every client of the budget
    assert other_waits.calls and all(6.5 < wait <= 7.0 for wait in other_waits.calls)


def test_orders_and_algo_orders_are_looked_up_and_cancelled_by_client_id(
    client: BinanceTradingClient, server: TradingServer
) -> None:
    assert client.order("ETHUSDT", "e-404-entry") is None  # -2013
    assert client.cancel_order("ETHUSDT", "e-404-entry") is None  # -2011
    client.new_order(symbol="ETHUSDT", side="BUY", type="LIMIT", quantity=Decimal("0.01"),
                     price=Decimal("2500"), client_order_id="e-5-entry")  # fmt: skip
    assert [o.client_order_id for o in client.open_orders()] == ["e-5-entry"]
    cancelled = client.cancel_order("ETHUSDT", "e-5-entry")
    assert cancelled is not None and cancelled.status == "CANCELED"
    stop = client.new_algo_order(symbol="ETHUSDT", side="SELL", type="STOP_MARKET",
                                 client_algo_id="e-5-sl", trigger_price=Decimal("2400"),
                                 close_position=True)  # fmt: skip
    assert (stop.algo_status, stop.close_position, stop.trigger_price) == (
        "NEW", True, Decimal("2400"))  # fmt: skip
    assert "quantity" not in server.exchange.calls("POST", ALGO)[0].params
    assert [a.client_algo_id for a in client.open_algo_orders("ETHUSDT")] == ["e-5-sl"]
    assert client.algo_order("e-5-sl") == stop
    gone = client.cancel_algo_order("e-5-sl")  # Binance answers ids only: looked up
    assert gone is not None and gone.algo_status == "CANCELED" and not gone.is_open
    assert client.cancel_algo_order("e-5-sl") is None
    assert client.algo_order("e-nope-sl") is None


def test_account_endpoints_answer_typed_records(
    client: BinanceTradingClient, server: TradingServer
) -> None:
    [position] = client.positions()
    assert position == PositionRisk(
        symbol="ADAUSDT", position_amt=Decimal(30), entry_price=Decimal("0.385"),
        mark_price=Decimal("0.41047590"), unrealized_pnl=Decimal("0.76427700"),
        liquidation_price=Decimal(0), leverage=20, margin_type="cross",
        update_time_ms=1720736417660,
    )  # fmt: skip
    recorded = json.loads(ACCOUNT_TRADES.read_text())
    trades = client.account_trades("ETHUSDT", start_time_ms=1645930000000, limit=10)
    assert trades[1] == AccountTrade(
        symbol="ETHUSDT", trade_id=82357629, order_id=831238690, side="BUY",
        price=Decimal("2779"), qty=Decimal("0.005"), realized_pnl=Decimal("-0.00325000"),
        commission=Decimal("0.00555800"), commission_asset="USDT", time_ms=1645930333910,
        maker=False,
    )  # fmt: skip
    assert [t.trade_id for t in trades] == [row["id"] for row in recorded]
    assert client.balances() == [Balance("USDT", Decimal("122607.35137903"),
                                         Decimal("23.72469206"), Decimal(0))]  # fmt: skip
    assert client.dual_side_position() is False
    client.set_margin_type("ETHUSDT", "ISOLATED")  # -4046: already isolated is success
    assert client.set_leverage("ETHUSDT", 10) == 10
    with pytest.raises(InputError, match="from an id or from a time, not both"):
        client.account_trades("ETHUSDT", from_id=1, start_time_ms=2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.new_order(symbol="ETHUSDT", side="BUY", type="MARKET",
                               quantity=Decimal("0.01"), client_order_id="x" * 37),
         "client order id must be 1..36"),
        (lambda c: c.new_order(symbol="ETHUSDT", side="BUY", type="MARKET",
                               quantity=Decimal("-1"), client_order_id="e-1"),
         "quantity must be a positive number"),
        (lambda c: c.new_order(symbol="ETHUSDT", side="BUY", type="MARKET",
                               quantity=Decimal("1"), price=Decimal("1"), client_order_id="e-1"),
         "neither a price nor a time in force"),
        (lambda c: c.new_algo_order(symbol="ETHUSDT", side="SELL", type="STOP_MARKET",
                                    client_algo_id="e-1-sl", trigger_price=Decimal("1"),
                                    quantity=Decimal("1"), close_position=True),
         "close_position is for STOP_MARKET"),
        (lambda c: c.new_algo_order(symbol="ETHUSDT", side="SELL", type="STOP",
                                    client_algo_id="e-1-sl", trigger_price=Decimal("1"),
                                    quantity=Decimal("1")),
         "price is required"),
        (lambda c: c.set_leverage("ETHUSDT", 200), "leverage must be within 1..125"),
    ],
)  # fmt: skip
def test_inputs_are_checked_before_anything_is_sent(
    client: BinanceTradingClient, server: TradingServer, call: object, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        call(client)  # type: ignore[operator]
    assert server.exchange.received == []


def test_the_listen_key_is_created_kept_alive_and_reported_gone(
    client: BinanceTradingClient, server: TradingServer
) -> None:
    key = client.new_listen_key()
    assert key == server.exchange.listen_key
    assert client.new_listen_key() == key  # the active one, extended
    client.keepalive_listen_key()
    client.close_listen_key()
    assert server.exchange.listen_key is None
    assert [r.method for r in server.exchange.received] == ["POST", "POST", "PUT", "DELETE"]
    for request in server.exchange.received:  # API key only: unsigned, no timestamp
        assert request.headers["X-MBX-APIKEY"] == API_KEY
        assert request.query == request.body == ""
    with pytest.raises(BinanceRejected, match=r"the listenKey does not exist \(it expired\)"):
        client.keepalive_listen_key()


def test_health_reports_requests_latency_weight_orders_and_offset(
    client: BinanceTradingClient, server: TradingServer
) -> None:
    market_sell(client, "e-1-entry")
    market_sell(client, "e-2-entry")
    refusal = {"code": -4028, "msg": "Leverage 5 is not valid"}
    server.exchange.fail("POST", "/fapi/v1/leverage", Fault(400, refusal))
    with pytest.raises(BinanceRejected, match=r"the leverage of ETHUSDT: Leverage 5 is not valid"):
        client.set_leverage("ETHUSDT", 5)
    health = client.health()
    assert health.rest.requests == 4 and health.rest.failures == 1 and health.rejections == 1
    assert health.rest.latency_p50_ms is not None and health.rest.used_weight == 4
    assert health.orders.orders_10s == 2 and health.orders.limit_10s == 270
    assert health.clock_offset_ms is not None
    shown = json.dumps(health.to_dict())
    assert API_KEY not in shown and API_SECRET not in shown


def test_secrets_never_reach_logs_errors_or_reprs(
    server: TradingServer, waits: Waits, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = client_for(server, waits, timeout_s=0.3)
    wrong = client_for(server, waits, secret="bad" + API_SECRET[3:])
    problems: list[Exception] = []
    server.exchange.fail("POST", ORDER, Fault(delay_s=0.6),
                         Fault(429, {"code": -1003, "msg": "Too many requests."}))  # fmt: skip
    server.exchange.fail("GET", "/fapi/v3/balance", Fault(503, {"code": -1000, "msg": "busy"}))
    for call in (lambda: market_sell(client), lambda: market_sell(client, "e-2"),
                 client.balances, lambda: market_sell(wrong), client.new_listen_key):  # fmt: skip
        try:
            call()
        except Exception as exc:
            problems.append(exc)
    assert [type(p) for p in problems] == [OutcomeUnknown, BinanceRejected]
    texts = [caplog.text, repr(client), repr(wrong), str(client.health().to_dict()),
             *(f"{p!s} {p!r}" for p in problems)]  # fmt: skip
    for text in texts:
        assert API_SECRET not in text and API_KEY not in text
        assert (server.exchange.listen_key or "-") not in text
