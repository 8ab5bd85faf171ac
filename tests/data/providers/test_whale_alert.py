"""Whale Alert against the fake over HTTP: exchange in/outflows from the documented shape,
pages, the key (sent, never shown), error answers, garbage, timeouts, 429 and 5xx."""

from __future__ import annotations

import pytest

from scalplab.data.providers.fakes import GARBAGE, FakeProviderServer, Fault, whale_transaction
from scalplab.data.providers.whale_alert import PAGE_LIMIT, WhaleAlertProvider, flows
from tests.data.providers.conftest import NOW_MS, NOW_S, Clock, http_for

KEY = "whale-test-key-0001"


def provider(
    fake: FakeProviderServer, clock: Clock, key: str = KEY, timeout_s: float = 2.0
) -> WhaleAlertProvider:
    return WhaleAlertProvider(
        http_for(fake, clock, key=key, per_minute=10, timeout_s=timeout_s),
        clock_ms=clock.ms,
        monotonic=clock.monotonic,
    )


def test_flows_of_the_documented_transfers(fake: FakeProviderServer, clock: Clock) -> None:
    fake.state.transactions.append(  # older than the 30-minute window: not asked for
        whale_transaction(9e6, timestamp=NOW_S - 1801, to_type="exchange", number=9)
    )
    reading = provider(fake, clock).fetch()
    assert reading.available and reading.observed_at == reading.fetched_at == NOW_MS
    assert reading.metrics == {
        "exchange_inflow_usd": 2_500_000.0,  # wallet → exchange
        "exchange_outflow_usd": 800_000.0,  # exchange → wallet (USDT on Tron)
        "exchange_netflow_usd": 800_000.0 - 2_500_000.0,  # outflows − inflows
        "exchange_internal_usd": 1_794_742.9,  # exchange → exchange: neutral
        "largest_inflow_usd": 2_500_000.0,
        "largest_outflow_usd": 800_000.0,
        "inflows_1m": 1.0,
        "outflows_1m": 0.0,
        "stablecoin_inflow_usd": 0.0,
        "stablecoin_outflow_usd": 800_000.0,
        "stablecoin_inflows_1m": 0.0,
        "stablecoin_outflows_1m": 0.0,  # under $1M
        "transfers": 3.0,
        "window_s": 1800.0,
    }
    [params] = fake.state.requests_to("transactions")
    assert params == {"min_value": "500000", "start": str(NOW_S - 1800), "limit": "100",
                      "api_key": KEY}  # fmt: skip
    assert KEY not in reading.source and reading.source == f"{fake.base_url}/v1/transactions"


def test_pages_are_followed_by_cursor(fake: FakeProviderServer, clock: Clock) -> None:
    fake.state.transactions = [
        whale_transaction(600_000.0, timestamp=NOW_S - 60, to_type="exchange", number=n)
        for n in range(PAGE_LIMIT + 20)
    ]
    reading = provider(fake, clock).fetch()
    assert reading.metrics["transfers"] == PAGE_LIMIT + 20
    assert reading.metrics["exchange_inflow_usd"] == pytest.approx(600_000.0 * 120)
    cursors = [params.get("cursor") for params in fake.state.requests_to("transactions")]
    assert cursors == [None, "c-100"]


def test_an_empty_window_has_no_transactions_key_and_is_zero(
    fake: FakeProviderServer, clock: Clock
) -> None:
    fake.state.transactions = []
    reading = provider(fake, clock).fetch()
    assert reading.metrics["transfers"] == 0.0 and reading.metrics["exchange_netflow_usd"] == 0.0


def test_a_refused_key_is_the_reason_and_never_shown(
    fake: FakeProviderServer, clock: Clock
) -> None:
    wrong = "wrong-key-123456"
    reading = provider(fake, clock, key=wrong).fetch()
    assert (
        reading.reason
        == 'refused the API key (HTTP 401): \'{"result": "error", "message": "invalid api_key"}\''
    )
    fake.state.fail_next("transactions", Fault(403, f"key {wrong} is banned"))
    clock.advance(60)
    echoed = provider(fake, clock, key=wrong).fetch()
    assert echoed.reason == "refused the API key (HTTP 403): 'key *** is banned'"
    assert wrong not in str(echoed) and wrong not in str(provider(fake, clock, key=wrong).health())


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault(200, GARBAGE), "malformed answer (not JSON)"),
        (Fault(200, '{"result": "success", "count": 2}'),
         "malformed answer (no transactions list)"),
        (Fault(200, '{"result": "success", "count": 1, "transactions": [{"from": {}}]}'),
         "malformed answer (a transaction has no 'to' object)"),
        (Fault(200, '{"result": "success", "count": 1, "transactions": [{"from": {}, "to": {},'
                    ' "amount_usd": -5, "timestamp": 1}]}'),
         "malformed answer (a transaction has a negative or missing amount_usd)"),
        (Fault(200, '{"result": "error", "message": "start too far back (free plan)"}'),
         "Whale Alert reports: start too far back (free plan)"),
        (Fault(502, GARBAGE), "HTTP 502: '<html><body>502 Bad Gateway</body></html>'"),
        (Fault(429, '{"result": "error"}', {"Retry-After": "60"}),
         "rate limited by the provider (HTTP 429), retry after 60 s"),
    ],
)  # fmt: skip
def test_a_bad_answer_leaves_the_layer_out(
    fake: FakeProviderServer, clock: Clock, fault: Fault, reason: str
) -> None:
    whale = provider(fake, clock)
    fake.state.fail_next("transactions", fault)
    reading = whale.fetch()
    assert reading.left_out == f"layer left out: {reason}"
    health = whale.health()
    assert (health.state, health.reason, health.consecutive_failures) == ("failing", reason, 1)


def test_a_timeout_and_the_free_plans_rate(fake: FakeProviderServer, clock: Clock) -> None:
    whale = provider(fake, clock, timeout_s=0.2)
    fake.state.fail_next("transactions", Fault(delay_s=0.6))
    assert whale.fetch().reason == "timed out after 0.2 s"
    for _ in range(9):  # ten requests a minute; the cache (30 s) is skipped by the clock
        clock.advance(31 / 1000)
        whale.cache.clear()
        assert whale.fetch().available
    whale.cache.clear()
    limited = whale.fetch()
    assert limited.reason is not None and limited.reason.startswith("rate limit: next request")
    assert len(fake.state.requests_to("transactions")) == 10


def test_flows_classify_every_direction() -> None:
    deposits = [
        whale_transaction(1e6, timestamp=1, to_type="exchange", number=1),
        whale_transaction(3e6, timestamp=1, to_type="exchange", symbol="usdc", number=2),
        whale_transaction(2e6, timestamp=1, from_type="exchange", number=3),
        whale_transaction(5e5, timestamp=1, number=4),  # wallet → wallet: neutral
    ]
    result = flows(deposits)
    assert (result["exchange_inflow_usd"], result["exchange_outflow_usd"]) == (4e6, 2e6)
    assert result["exchange_netflow_usd"] == -2e6 and result["inflows_1m"] == 2.0
    assert result["stablecoin_inflow_usd"] == 3e6 and result["exchange_internal_usd"] == 0.0
