"""Error mapping: every domain error class → status + JSON detail; unexpected → JSON 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scalplab.api.app import create_app
from scalplab.api.errors import status_for, validation_message
from scalplab.config import Settings
from scalplab.errors import (
    ConfigError,
    ConflictError,
    DataError,
    InputError,
    NoDataError,
    NotFoundError,
    ScalpLabError,
    StrategyError,
    TemporaryError,
)
from tests.api.conftest import api_client


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InputError("x"), 422),
        (NotFoundError("x"), 404),
        (ConflictError("x"), 409),
        (DataError("x"), 422),
        (NoDataError("x"), 422),
        (StrategyError("x"), 422),
        (TemporaryError("x"), 503),
        (ConfigError("x"), 500),
        (ScalpLabError("x"), 500),
    ],
)
def test_status_for_each_domain_error(error: ScalpLabError, status: int) -> None:
    assert status_for(error) == status


def test_validation_message_joins_fields() -> None:
    errors = [
        {"loc": ("body", "start"), "msg": "bad date"},
        {"loc": ("query", "limit"), "msg": "too small"},
        {"loc": (), "msg": "whole body"},
    ]
    assert validation_message(errors) == "start: bad date; limit: too small; request: whole body"
    assert validation_message([]) == "invalid request"
    assert validation_message([{"type": "json_invalid", "loc": ("body", 3), "msg": "x"}]) == (
        "the request body is not valid JSON"
    )


def test_domain_and_unexpected_errors_over_http(settings: Settings, tmp_path: Path) -> None:
    app = create_app(settings, web_dist=tmp_path / "none")

    @app.get("/status/boom-temporary")
    async def temporary() -> None:
        raise TemporaryError("Binance is rate-limiting; retry in 30 s")

    @app.get("/status/boom-bug")
    async def bug() -> None:
        raise RuntimeError("a bug with a secret-ish detail")

    # routes added after create_app() go before its SPA catch-all
    app.router.routes[:0] = app.router.routes[-2:]
    del app.router.routes[-2:]

    with api_client(app) as client:
        temporary_response = client.get("/status/boom-temporary")
        assert temporary_response.status_code == 503
        assert temporary_response.json() == {"detail": "Binance is rate-limiting; retry in 30 s"}

        bug_response = client.get("/status/boom-bug", headers={"X-Request-ID": "req-7"})
        assert bug_response.status_code == 500
        assert bug_response.json() == {"detail": "internal error (request id req-7)"}
        assert bug_response.headers["X-Request-ID"] == "req-7"

        invalid_json = client.post(
            "/pairs", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert invalid_json.status_code == 422
        assert invalid_json.json()["detail"] == (
            "the request body is not valid JSON (Expecting property name enclosed in double quotes)"
        )

        wrong_method = client.put("/backtests")
        assert wrong_method.status_code == 405
        assert wrong_method.json() == {"detail": "Method Not Allowed"}


def test_openapi_documents_the_app_error_body(settings: Settings, tmp_path: Path) -> None:
    spec = create_app(settings, web_dist=tmp_path / "none").openapi()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert set(spec["paths"]) == {
        "/status/health",
        "/pairs",
        "/pairs/{pair_id}",
        "/scanner",
        "/scanner/refresh",
        "/strategies",
        "/strategies/{name}",
        "/market/symbols",
        "/market/candles/{symbol}",
        "/data/coverage",
        "/data/downloads",
        "/data/downloads/{download_id}",
        "/data/downloads/{download_id}/cancel",
        "/data/check",
        "/data/candles/{symbol}/{tf}",
        "/backtests",
        "/backtests/compare",
        "/backtests/{backtest_id}",
        "/backtests/{backtest_id}/trades.csv",
        "/backtests/{backtest_id}/result.json",
        "/backtests/{backtest_id}/overlays",
        "/sweeps",
        "/sweeps/{sweep_id}",
        "/sweeps/{sweep_id}/trials",
        "/sweeps/{sweep_id}/cancel",
        "/sweeps/{sweep_id}/resume",
        "/signals",
        "/signals/scores",
        "/signals/funnel",
        "/signals/histogram",
        "/signals/stream",
        "/orders",
        "/orders/{order_id}",
        "/orders/{order_id}/cancel",
        "/orders/pending",
        "/orders/pending/{pending_id}/confirm",
        "/orders/pending/{pending_id}/reject",
        "/settings",
        "/settings/risk-schema",
        "/settings/properties",
        "/simulation/status",
        "/simulation/portfolio",
        "/simulation/positions",
        "/simulation/positions/{symbol}/close",
        "/simulation/trades",
        "/simulation/performance",
        "/simulation/risk-events",
        "/simulation/heat",
        "/simulation/start",
        "/simulation/stop",
        "/simulation/reset",
        "/simulation/pause",
        "/simulation/resume",
        "/simulation/step",
        "/simulation/replay",
        "/simulation/equity",
        "/trading",
        "/trading/halt",
        "/trading/resume",
        "/notifications/test",
    }
    error_ref = {"$ref": "#/components/schemas/ErrorPublic"}
    for path, verb, status in (
        ("/backtests", "post", "422"),
        ("/backtests/{backtest_id}", "get", "404"),
        ("/backtests/{backtest_id}", "patch", "422"),
        ("/backtests/compare", "get", "404"),
        ("/sweeps", "post", "422"),
        ("/sweeps/{sweep_id}/resume", "post", "409"),
        ("/pairs", "post", "409"),
        ("/market/candles/{symbol}", "get", "422"),
        ("/orders", "post", "422"),
        ("/orders/pending/{pending_id}/confirm", "post", "409"),
        ("/settings", "patch", "422"),
        ("/simulation/start", "post", "409"),
        ("/simulation/step", "post", "409"),
        ("/simulation/replay", "patch", "422"),
    ):
        content = spec["paths"][path][verb]["responses"][status]["content"]
        assert content["application/json"]["schema"] == error_ref


LONG = "x" * 900_000
"""Long input that still fits in a request body (the limit is 1 MB)."""
LONG_PATH = "x" * 60_000
"""Long input that still fits in a URL (httpx refuses URLs over 64 kB)."""


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", f"/orders/{LONG_PATH}", None),
        ("GET", f"/backtests/{LONG_PATH}", None),
        ("GET", f"/market/candles/{LONG_PATH}", None),
        ("GET", f"/market/candles/BTCUSDT?tf={LONG_PATH}", None),
        ("GET", f"/strategies/{LONG_PATH}", None),
        ("POST", "/orders/pending/" + LONG_PATH + "/confirm", None),
        (
            "POST",
            "/backtests",
            {"pair": "BTCUSDT", "strategy": "sma_cross", "timeframe": "15m",
             "start": LONG, "end": "2025-06-24"},
        ),
        (
            "POST",
            "/backtests",
            {"pair": "BTCUSDT", "strategy": "sma_cross", "timeframe": "15m",
             "start": "2025-06-17", "end": "2025-06-24", "params": {LONG: 1}},
        ),
        ("POST", "/pairs", {"symbol": "BTCUSDT", "strategy": "sma_cross", "timeframe": "15m",
                            "params": {"fast": LONG}}),
        ("POST", "/orders", {"symbol": "BTCUSDT", "side": "buy", "qty": LONG}),
        ("POST", "/orders", {"symbol": "BTCUSDT", "side": "buy", "qty": 1, LONG: 1}),
        ("POST", "/simulation/start", {"speed": LONG}),
        ("PATCH", "/simulation/replay", {"speed": LONG}),
        ("PATCH", "/settings", {"risk": {LONG: 1}}),
    ],
)  # fmt: skip
def test_errors_never_echo_more_than_a_snippet(
    client: TestClient, method: str, url: str, body: object
) -> None:
    response = client.request(method, url, json=body)
    assert 400 <= response.status_code < 500, response.text[:300]
    assert len(response.text) < 2_000, response.text[:300]
    assert "x" * 100 not in response.text
    assert isinstance(response.json()["detail"], str)


def test_a_corrupt_candle_file_is_named_by_symbol_not_path(
    client: TestClient, data_dir: Path
) -> None:
    path = data_dir / "candles" / "binance" / "BTCUSDT" / "1m.parquet"
    path.write_bytes(path.read_bytes()[:1000])
    response = client.get("/market/candles/BTCUSDT?tf=15m&start=2025-06-18&end=2025-06-19")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("unreadable BTCUSDT 1m candle file: ")
    assert "/" not in response.json()["detail"]


def test_openapi_types_every_stream_event(settings: Settings, tmp_path: Path) -> None:
    spec = create_app(settings, web_dist=tmp_path / "none").openapi()
    schemas = spec["components"]["schemas"]
    stream = spec["paths"]["/signals/stream"]["get"]["responses"]["200"]["content"]
    assert stream["text/event-stream"]["schema"]["$ref"] == (
        "#/components/schemas/StreamEventPublic"
    )
    union = schemas["StreamEventPublic"]
    assert union["discriminator"]["propertyName"] == "kind"
    data_models = {}
    for kind, ref in union["discriminator"]["mapping"].items():
        member = schemas[ref.rsplit("/", 1)[1]]
        assert member["properties"]["kind"]["const"] == kind
        data_models[kind] = member["properties"]["data"]["$ref"].rsplit("/", 1)[1]
    assert data_models == {
        "signal": "SignalPublic",
        "pending": "PendingPublic",
        "order": "OrderPublic",
        "trade": "SimTradePublic",
        "status": "StatusPublic",
        "risk": "RiskEventPublic",
    }
