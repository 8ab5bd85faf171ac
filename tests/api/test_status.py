"""`/status/health`, the live-trading gate, correlation ids and JSON logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scalplab.api.app import create_app
from scalplab.api.logs import JsonFormatter, configure_logging, request_id_var, secret_values
from scalplab.config import Settings
from tests.api.conftest import api_client
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
    assert response.json() == {
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
