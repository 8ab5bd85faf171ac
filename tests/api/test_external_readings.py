"""The server hands its polled provider readings to the paper engine's live runs."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_the_engine_reads_the_poller_s_readings(client: TestClient) -> None:
    services = client.app.state.services  # type: ignore[attr-defined]
    assert services.providers is not None
    assert services.engine.lifecycle.live_readings is services.providers.readings
    assert "not in PROVIDERS" in services.providers.readings.missing["fear_greed"]
