"""Fear & Greed against the fake alternative.me over HTTP: the documented answer, garbage,
a timeout, 429 and 5xx, the cache, and the health each leaves."""

from __future__ import annotations

import logging
import socket

import pytest

from scalplab.data.providers.fakes import FEAR_GREED_EXAMPLE, GARBAGE, FakeProviderServer, Fault
from scalplab.data.providers.fear_greed import FearGreedProvider
from scalplab.data.providers.http import ProviderHttp
from scalplab.data.providers.limits import TokenBucket
from tests.data.providers.conftest import NOW_MS, Clock, http_for


def provider(fake: FakeProviderServer, clock: Clock, timeout_s: float = 2.0) -> FearGreedProvider:
    return FearGreedProvider(
        http_for(fake, clock, timeout_s=timeout_s), clock_ms=clock.ms, monotonic=clock.monotonic
    )


def test_the_documented_answer_is_a_reading(fake: FakeProviderServer, clock: Clock) -> None:
    fg = provider(fake, clock)
    reading = fg.fetch()
    assert reading.available and reading.left_out is None
    assert reading.metrics == {"value": 40.0}
    assert reading.labels == {"classification": "Fear"}
    assert reading.observed_at == int(FEAR_GREED_EXAMPLE["timestamp"]) * 1000
    assert reading.fetched_at == NOW_MS
    assert reading.current_until == NOW_MS + 68_499_000  # time_until_update
    assert reading.source == f"{fake.base_url}/fng/"
    assert reading.freshness(NOW_MS + 3_600_000) == 1.0  # still today's index
    assert fake.state.requests_to("fng") == [{"limit": "1"}]
    health = fg.health()
    assert (health.state, health.reason, health.fetches, health.failures) == ("ok", None, 1, 0)
    assert health.last_success_at == "2025-06-20T23:00:00Z" and health.freshness == 1.0


def test_the_cache_answers_within_its_ttl(fake: FakeProviderServer, clock: Clock) -> None:
    fg = provider(fake, clock)
    first = fg.fetch()
    clock.advance(29 * 60)
    assert fg.fetch() is first  # 30-minute TTL: no second request
    assert len(fake.state.requests_to("fng")) == 1
    clock.advance(60)
    assert fg.fetch().fetched_at == clock.now_ms
    assert len(fake.state.requests_to("fng")) == 2


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault(200, GARBAGE), "malformed answer (not JSON)"),
        (Fault(200, '{"data": [{"value": "abc"}]}', content_type="application/json"),
         "malformed answer ("),
        (Fault(200, '{"data": [{"value": "140", "timestamp": "1"}]}'),
         "malformed answer (index value 140 outside 0-100)"),
        (Fault(200, '{"data": []}'), "malformed answer (no data entry)"),
        (Fault(503, "Service Unavailable"), "HTTP 503: 'Service Unavailable'"),
        (Fault(500, ""), "HTTP 500: ''"),
        (Fault(429, "slow down", {"Retry-After": "7"}),
         "rate limited by the provider (HTTP 429), retry after 7 s"),
    ],
)  # fmt: skip
def test_a_bad_answer_leaves_the_layer_out_with_the_reason(
    fake: FakeProviderServer, clock: Clock, fault: Fault, reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    fg = provider(fake, clock)
    fake.state.fail_next("fng", fault)
    with caplog.at_level(logging.WARNING, logger="scalplab.data.providers.base"):
        reading = fg.fetch()
    assert not reading.available and reading.metrics == {}
    assert reading.left_out is not None and reading.left_out.startswith("layer left out: " + reason)
    assert [r.getMessage() for r in caplog.records] == [f"provider fear_greed: {reading.left_out}"]
    health = fg.health()
    assert (health.state, health.consecutive_failures, health.failures) == ("failing", 1, 1)
    assert health.reason == reading.reason and health.last_error_at == "2025-06-20T23:00:00Z"


def test_a_metadata_error_is_the_reason(fake: FakeProviderServer, clock: Clock) -> None:
    fake.state.fear_greed_error = "Temporary outage"
    reading = provider(fake, clock).fetch()
    assert reading.left_out == "layer left out: alternative.me reports: Temporary outage"


def test_a_timeout_leaves_the_layer_out_and_recovery_follows(
    fake: FakeProviderServer, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    fg = provider(fake, clock, timeout_s=0.2)
    fake.state.fail_next("fng", Fault(delay_s=0.6), times=2)
    with caplog.at_level(logging.INFO, logger="scalplab.data.providers.base"):
        assert fg.fetch().left_out == "layer left out: timed out after 0.2 s"
        clock.advance(1)
        assert fg.fetch().left_out == "layer left out: timed out after 0.2 s"
        assert fg.health().consecutive_failures == 2
        clock.advance(1)
        assert fg.fetch().available
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [  # logged once per change, and the recovery
        "provider fear_greed: layer left out: timed out after 0.2 s",
        "provider fear_greed answers again",
    ]
    health = fg.health()
    assert (health.state, health.consecutive_failures, health.failures) == ("ok", 0, 2)
    assert health.last_error == "timed out after 0.2 s"


def test_a_429_blocks_further_requests_for_its_retry_after(
    fake: FakeProviderServer, clock: Clock
) -> None:
    fg = provider(fake, clock)
    fake.state.fail_next("fng", Fault(429, "{}", {"Retry-After": "30"}))
    assert fg.fetch().reason == "rate limited by the provider (HTTP 429), retry after 30 s"
    clock.advance(10)
    blocked = fg.fetch()
    assert blocked.reason == "rate limit: next request allowed in 20 s"
    assert len(fake.state.requests_to("fng")) == 1  # not sent
    assert fg.health().failures == 1  # our own limit is not the provider failing
    clock.advance(21)
    assert fg.fetch().available


def test_stale_data_and_an_unreachable_source(fake: FakeProviderServer, clock: Clock) -> None:
    fg = provider(fake, clock)
    fake.state.fear_greed = [{**FEAR_GREED_EXAMPLE, "time_until_update": "0"}]
    assert fg.health().state == "idle"
    reading = fg.fetch()
    assert reading.current_until is None  # no promise: it ages from its day (2019)
    health = fg.health()
    assert health.state == "stale" and health.freshness == 0.2
    assert health.reason is not None and health.reason.endswith("min old")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    nobody = FearGreedProvider(
        ProviderHttp(closed, TokenBucket(60)), clock_ms=clock.ms, monotonic=clock.monotonic
    )
    assert nobody.fetch().reason == f"unreachable at {closed}"
