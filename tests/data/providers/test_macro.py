"""Stooq quotes against the fake over HTTP: S&P 500 and DXY, their time zone, N/D, a refused
or exhausted key, garbage, timeouts, 429 and 5xx."""

from __future__ import annotations

import pytest

from scalplab.data.providers.fakes import GARBAGE, FakeProviderServer, Fault
from scalplab.data.providers.macro import MacroProvider, parse_symbols
from scalplab.errors import ConfigError
from tests.data.providers.conftest import Clock, http_for

SYMBOLS = parse_symbols("spx:^spx,dxy:dx.f")
SPX_AT = 1_750_449_848_000  # 2025-06-20 22:04:08 in Warsaw (CEST) = 20:04:08Z
DXY_AT = 1_750_453_197_000  # 22:59:57 CEST = 20:59:57Z


def provider(
    fake: FakeProviderServer, clock: Clock, key: str | None = None, timeout_s: float = 2.0
) -> MacroProvider:
    http = http_for(fake, clock, key=key, per_minute=10, timeout_s=timeout_s)
    return MacroProvider(http, SYMBOLS, clock_ms=clock.ms, monotonic=clock.monotonic)


def test_quotes_of_both_symbols(fake: FakeProviderServer, clock: Clock) -> None:
    reading = provider(fake, clock).fetch()
    assert reading.available and reading.layer == "macro"
    assert reading.metrics["spx.close"] == 5967.84 and reading.metrics["spx.open"] == 5987.93
    assert reading.metrics["spx.change_pct"] == pytest.approx((5967.84 / 5987.93 - 1) * 100)
    assert reading.metrics["dxy.close"] == 98.72 and reading.metrics["dxy.high"] == 98.97
    assert reading.observed_at == SPX_AT < DXY_AT  # the older quote
    assert reading.labels == {"spx": "^spx", "dxy": "dx.f"}
    assert reading.freshness(clock.now_ms) == 0.2  # the US session closed three hours ago
    asked = fake.state.requests_to("quote")
    assert [params["s"] for params in asked] == ["^spx", "dx.f"]
    assert all(p["f"] == "sd2t2ohlcv" and p["h"] == "" and p["e"] == "csv" for p in asked)
    assert all("apikey" not in params for params in asked)


def test_winter_time_is_utc_plus_one(fake: FakeProviderServer, clock: Clock) -> None:
    fake.state.quotes["^spx"] = ("2025-01-10", "22:00:00", 100.0, 101.0, 99.0, 100.5, 1.0)
    fake.state.quotes["dx.f"] = ("2025-01-10", "23:00:00", 1.0, 1.0, 1.0, 1.0, 0.0)
    reading = provider(fake, clock).fetch()
    assert reading.observed_at == 1_736_542_800_000  # 2025-01-10T21:00:00Z


def test_the_key_is_sent_when_set(fake: FakeProviderServer, clock: Clock) -> None:
    fake.state.stooq_key = "stooq-key-42"
    refused = provider(fake, clock).fetch()
    assert refused.reason is not None
    assert refused.reason.startswith("Stooq did not answer a quote for ^spx: 'Get your apikey")
    reading = provider(fake, clock, key="stooq-key-42").fetch()
    assert reading.available
    assert fake.state.requests_to("quote")[-1]["apikey"] == "stooq-key-42"


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault(200, "Exceeded the daily hits limit", content_type="text/plain"),
         "Stooq did not answer a quote for ^spx: 'Exceeded the daily hits limit'"),
        (Fault(200, ""), "Stooq did not answer a quote for ^spx: 'an empty answer'"),
        (Fault(200, GARBAGE), "Stooq did not answer a quote for ^spx: '<html><body>502 Bad"),
        (Fault(200, "Symbol,Date,Time,Open,High,Low,Close,Volume\r\n"),
         "malformed answer (no quote row for ^spx)"),
        (Fault(200, "Symbol,Date,Time,Open,High,Low,Close,Volume\r\n^SPX,2025-06-20,x,1,1,1,1,1"),
         "malformed answer ("),
        (Fault(200, "Symbol,Date,Time,Open,High,Low,Close,Volume\r\n"
                    "^SPX,2025-06-20,22:00:00,1,1,1,nan,1"),
         "malformed answer (spx.close is not a finite number)"),
        (Fault(503, "maintenance"), "HTTP 503: 'maintenance'"),
        (Fault(429, "", {"Retry-After": "bogus"}),
         "rate limited by the provider (HTTP 429), retry after 60 s"),
    ],
)  # fmt: skip
def test_a_bad_answer_leaves_the_layer_out(
    fake: FakeProviderServer, clock: Clock, fault: Fault, reason: str
) -> None:
    macro = provider(fake, clock)
    fake.state.fail_next("quote", fault)
    reading = macro.fetch()
    assert reading.left_out is not None and reading.left_out.startswith(f"layer left out: {reason}")
    assert macro.health().state == "failing"


def test_an_unknown_ticker_and_a_timeout(fake: FakeProviderServer, clock: Clock) -> None:
    http = http_for(fake, clock, per_minute=10, timeout_s=0.2)
    unknown = MacroProvider(http, parse_symbols("x:^nope"), clock_ms=clock.ms)
    assert unknown.fetch().reason == "Stooq has no quote for ^nope (N/D)"
    macro = provider(fake, clock, timeout_s=0.2)
    fake.state.fail_next("quote", Fault(delay_s=0.6))
    assert macro.fetch().reason == "timed out after 0.2 s"


@pytest.mark.parametrize("text", ["", "spx", "spx:", ":^spx", "s p x:^spx"])
def test_malformed_symbol_settings_are_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="MACRO_SYMBOLS"):
        parse_symbols(text)
