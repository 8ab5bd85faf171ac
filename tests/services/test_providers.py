"""The server's provider poller: polls while the engine runs, records new readings once,
counts write errors, reports every provider's health."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scalplab.config import Settings
from scalplab.data.providers.fakes import FakeProviderServer, Fault, documented_state
from scalplab.data.providers.store import provider_history, stored_days
from scalplab.services.providers import ProviderPolling
from tests.conftest import make_settings


@pytest.fixture
def fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(documented_state()) as server:
        yield server


def settings_for(fake: FakeProviderServer, data_dir: Path, **changes: object) -> Settings:
    return make_settings(
        data_dir, PROVIDERS="fear_greed,whale_alert", FEAR_GREED_URL=fake.base_url,
        WHALE_ALERT_URL=fake.base_url, WHALE_ALERT_API_KEY=fake.state.whale_key,
        PROVIDER_TIMEOUT_S=2, **changes,
    )  # fmt: skip


def test_a_poll_records_each_new_reading_once(fake: FakeProviderServer, tmp_path: Path) -> None:
    polling = ProviderPolling(settings_for(fake, tmp_path), lambda: True)
    try:
        first = polling.poll_once()
        assert [r.provider for r in first] == ["fear_greed", "whale_alert"]
        assert all(r.available for r in first)
        polling.poll_once()  # both answer from their caches: nothing new to record
        assert polling.recorder.written == 2 and polling.polls == 2
        assert stored_days(tmp_path, "fear_greed") and stored_days(tmp_path, "whale_alert")
        latest = polling.latest("whale_alert")
        assert latest is not None and latest.metrics["exchange_inflow_usd"] == 2_500_000.0
        assert polling.latest("macro") is None
        states = {h.provider: h.state for h in polling.health()}
        left_out = "not configured"
        assert states == {"fear_greed": "ok", "whale_alert": "ok", "exchange_flows": left_out,
                          "binance_derivatives": left_out, "macro": left_out}  # fmt: skip
        now = int(time.time() * 1000)
        history = provider_history(tmp_path, "whale_alert", now - 60_000, now + 1)
        assert history.reading_at(now).metrics == latest.metrics
    finally:
        polling.close()


def test_a_failing_provider_is_left_out_and_nothing_is_recorded(
    fake: FakeProviderServer, tmp_path: Path
) -> None:
    polling = ProviderPolling(settings_for(fake, tmp_path), lambda: True)
    fake.state.fail_next("transactions", Fault(500, "oops"))
    try:
        whale = polling.poll_once()[1]
        assert whale.left_out == "layer left out: HTTP 500: 'oops'"
        assert stored_days(tmp_path, "whale_alert") == []
        health = {h.provider: h for h in polling.health()}["whale_alert"]
        assert (health.state, health.reason) == ("failing", "HTTP 500: 'oops'")
    finally:
        polling.close()


def test_a_write_error_is_counted_not_raised(fake: FakeProviderServer, tmp_path: Path) -> None:
    blocked = tmp_path / "data"
    blocked.mkdir()
    (blocked / "providers").write_text("a file where the folder should be")
    polling = ProviderPolling(settings_for(fake, blocked), lambda: True)
    try:
        polling.poll_once()
        assert polling.write_errors == 2
    finally:
        polling.close()


def test_the_thread_polls_only_while_the_engine_runs(
    fake: FakeProviderServer, tmp_path: Path
) -> None:
    running = threading.Event()
    polling = ProviderPolling(settings_for(fake, tmp_path), running.is_set, interval_s=0.05).start()
    try:
        time.sleep(0.3)
        assert polling.polls == 0 and fake.state.requests_to("fng") == []
        running.set()
        deadline = time.monotonic() + 10
        while polling.polls < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert polling.polls >= 2
        assert len(fake.state.requests_to("fng")) == 1  # the cache answers the rest
    finally:
        started = time.monotonic()
        polling.close()
        assert time.monotonic() - started < 5


def test_nothing_configured_starts_no_thread(tmp_path: Path) -> None:
    polling = ProviderPolling(make_settings(tmp_path), lambda: True).start()
    assert polling.configured == [] and polling.poll_once() == []
    assert [h.state for h in polling.health()] == ["not configured"] * 5
    polling.close()


def test_the_polled_readings_are_the_live_runs_as_of_source(
    fake: FakeProviderServer, tmp_path: Path
) -> None:
    now = int(time.time() * 1000)
    earlier = ProviderPolling(settings_for(fake, tmp_path), lambda: True)
    try:
        earlier.poll_once()  # a previous server recorded these
    finally:
        earlier.close()
    polling = ProviderPolling(settings_for(fake, tmp_path), lambda: True).start()
    try:
        # seeded from the snapshots at start, before any poll of its own
        fng = polling.readings.reading_at("fear_greed", int(time.time() * 1000))
        assert fng.available and fng.metrics == {"value": 40.0}
        before = polling.readings.reading_at("fear_greed", now - 60_000)  # fetched later
        assert before.reason is not None and before.reason.startswith("no fear_greed snapshot")
        assert polling.readings.missing == {
            "exchange_flows": "no free exchange net-flow source (CryptoQuant and Glassnode "
            "are paid); whale_alert's exchange inflows and outflows stand in",
            "binance_derivatives": "binance_derivatives is not in PROVIDERS",
            "macro": "macro is not in PROVIDERS",
        }
    finally:
        polling.close()
