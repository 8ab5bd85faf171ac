"""`/status/health`, the live-trading gate, correlation ids and JSON logs."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scalplab.api.app import create_app
from scalplab.api.logs import JsonFormatter, configure_logging, request_id_var, secret_values
from scalplab.config import Settings
from scalplab.data.providers.fakes import FakeProviderServer, Fault, documented_state
from scalplab.data.providers.registry import PROVIDER_NAMES
from scalplab.data.providers.store import stored_days
from tests.api.conftest import add_pair, api_client
from tests.conftest import make_settings

NO_FEED_FIGURES = (
    "feed", "ws_connected", "feed_state", "stream_age_s", "reconnects", "stale_alarms",
    "backfilled", "bad_messages", "rest_latency_ms", "rest_used_weight", "recording",
    "recorder_write_errors", "clock_offset_ms", "book_resyncs", "live_venue", "telegram",
)  # fmt: skip
"""Health fields of a running live feed and of the recorder: null when neither runs."""


def test_health_reports_simulation_and_database_ok(client: TestClient) -> None:
    response = client.get("/status/health")
    assert response.status_code == 200
    body = response.json()
    providers = body.pop("providers")
    assert [(p["provider"], p["state"]) for p in providers] == [
        (name, "not configured") for name in PROVIDER_NAMES
    ]  # no PROVIDERS: every external layer is left out, each with its reason
    assert body.pop("scanner") == {
        "enabled": True, "active": False, "auto_universe": False, "last_scan_at": None,
        "last_error": None, "qualified": None, "left_out": None, "weight_used": None,
    }  # fmt: skip
    assert body == {
        "status": "ok",
        "version": "0.1.0",
        "mode": "simulation",
        "live_trading": False,
        "reason": "paper trading: TRADING_MODE is simulation; TRADING_APPROVED is false; "
        "BINANCE_API_KEY is not set; BINANCE_API_SECRET is not set; API_TOKEN is not set",
        "missing": [
            "TRADING_MODE=live",
            "TRADING_APPROVED=true",
            "BINANCE_API_KEY",
            "BINANCE_API_SECRET",
            "API_TOKEN",
        ],
        "halted": False,
        "auth_required": False,
        "venue": "simulated",
        "database": "ok",
        **dict.fromkeys(NO_FEED_FIGURES),
    }


def test_health_shows_each_provider_and_why(settings: Settings, tmp_path: Path) -> None:
    with FakeProviderServer(documented_state()) as fake:
        configured = settings.model_copy(
            update={
                "providers": "fear_greed,whale_alert,macro",
                "fear_greed_url": fake.base_url,
                "macro_url": fake.base_url,
            }
        )
        app = create_app(configured, web_dist=tmp_path / "none")
        with api_client(app) as client:
            services = app.state.services
            services.health.ttl_seconds = 0.0
            before = {p["provider"]: p for p in client.get("/status/health").json()["providers"]}
            assert before["fear_greed"]["state"] == "idle"  # the engine is not running
            assert before["whale_alert"] == {
                "provider": "whale_alert", "layer": "on_chain", "state": "not configured",
                "reason": "WHALE_ALERT_API_KEY is not set", "source": "https://api.whale-alert.io",
                "last_success_at": None, "last_error": None, "last_error_at": None,
                "consecutive_failures": 0, "fetches": 0, "failures": 0, "observed_at": None,
                "age_s": None, "freshness": None,
            }  # fmt: skip
            fake.state.fail_next("quote", Fault(200, "Exceeded the daily hits limit"))
            services.providers.poll_once()
            after = {p["provider"]: p for p in client.get("/status/health").json()["providers"]}
    fear = after["fear_greed"]
    assert (fear["state"], fear["reason"], fear["freshness"], fear["fetches"]) == (
        "ok",
        None,
        1.0,
        1,
    )
    assert (
        fear["source"] == f"{fake.base_url}/fng/" and fear["observed_at"] == "2019-02-26T05:00:00Z"
    )
    macro = after["macro"]
    assert macro["state"] == "failing" and macro["consecutive_failures"] == 1
    assert (
        macro["reason"] == "Stooq did not answer a quote for ^spx: 'Exceeded the daily hits limit'"
    )


def test_the_server_polls_and_records_providers_while_the_engine_runs(
    settings: Settings, tmp_path: Path
) -> None:
    with FakeProviderServer(documented_state()) as fake:
        configured = settings.model_copy(
            update={"providers": "fear_greed", "fear_greed_url": fake.base_url}
        )
        app = create_app(configured, web_dist=tmp_path / "none")
        with api_client(app) as client:
            app.state.services.health.ttl_seconds = 0.0
            time.sleep(1.2)
            assert fake.state.requests_to("fng") == []  # the engine is stopped
            add_pair(client)
            slow = {"speed": 60, "start": "2025-06-17", "end": "2025-06-19"}
            assert client.post("/simulation/start", json=slow).status_code == 200
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                [fear] = [
                    p for p in client.get("/status/health").json()["providers"]
                    if p["provider"] == "fear_greed"
                ]  # fmt: skip
                if fear["state"] == "ok":
                    break
                time.sleep(0.1)
            client.post("/simulation/stop")
    assert fear["state"] == "ok" and fear["fetches"] == 1
    assert stored_days(configured.data_dir, "fear_greed")  # the snapshot is recorded


def test_health_is_degraded_when_the_database_is_gone(settings: Settings, tmp_path: Path) -> None:
    app = create_app(settings, web_dist=tmp_path / "none")
    with api_client(app) as client:
        services = app.state.services
        services.database.engine.dispose()
        (settings.data_dir / "app.db").unlink()
        (settings.data_dir / "app.db").mkdir()  # a directory cannot be opened as a database
        services.health.ttl_seconds = 0.0  # the next request pings
        response = client.get("/status/health")
        assert response.status_code == 503
        assert response.json()["database"] == "unavailable"
        assert response.json()["status"] == "degraded"


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    given = client.get("/status/health", headers={"X-Request-ID": "trace-42.a:b"})
    assert given.headers["X-Request-ID"] == "trace-42.a:b"
    generated = client.get("/status/health", headers={"X-Request-ID": "bad id\twith tab"})
    assert len(generated.headers["X-Request-ID"]) == 32
    assert generated.headers["X-Request-ID"] != "bad id\twith tab"
    error = client.get("/pairs/999")
    assert error.status_code == 404 and "X-Request-ID" in error.headers


def test_access_log_is_json_with_the_request_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="scalplab.api.access"):
        client.get("/status/health?token=secret-in-query", headers={"X-Request-ID": "abc123"})
    [record] = [r for r in caplog.records if r.name == "scalplab.api.access"]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc123"
    assert line["path"] == "/status/health" and line["status"] == 200
    assert "secret-in-query" not in json.dumps(line)  # query strings are never logged
    assert line["level"] == "INFO" and line["time"].endswith("Z")


def test_formatter_masks_secrets_and_keeps_one_line(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, BINANCE_API_KEY="AKIA-very-secret", API_TOKEN="tok-123456", TELEGRAM_BOT_TOKEN="x"
    )
    assert secret_values(settings) == ["AKIA-very-secret", "tok-123456"]  # too short is skipped
    formatter = JsonFormatter(secret_values(settings))
    try:
        raise RuntimeError("boom with AKIA-very-secret")
    except RuntimeError:
        record = logging.getLogger("t").makeRecord(
            "t",
            logging.ERROR,
            __file__,
            1,
            "key %s token %s",
            ("AKIA-very-secret", "tok-123456"),
            exc_info=__import__("sys").exc_info(),
            extra={"job_id": "j1"},
        )
    token = request_id_var.set("rid-1")
    try:
        text = formatter.format(record)
    finally:
        request_id_var.reset(token)
    assert "\n" not in text
    line = json.loads(text)
    assert line["message"] == "key *** token ***"
    assert "AKIA-very-secret" not in text and "RuntimeError: boom with ***" in line["exc"]
    assert line["request_id"] == "rid-1" and line["job_id"] == "j1"


def test_configure_logging_routes_everything_through_one_json_handler(tmp_path: Path) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging(make_settings(tmp_path, LOG_LEVEL="WARNING"))
        assert len(root.handlers) == 1
        assert isinstance(root.handlers[0].formatter, JsonFormatter)
        assert root.level == logging.WARNING
        assert logging.getLogger("uvicorn.access").disabled is True
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("uvicorn.access").disabled = False
