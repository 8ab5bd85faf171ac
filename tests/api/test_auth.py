"""API security (`scalplab.api.auth`): the bearer token, non-simple state changes, the Host
allow-list and CORS, against the real app (lifespan included).

The event stream's `?access_token=` is checked over real HTTP (uvicorn in a thread on an
ephemeral port): a test client cannot end an endless stream early.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from scalplab.api import auth
from scalplab.api.app import create_app
from scalplab.api.auth import allowed_hosts, cors_origins, host_name, split_list
from scalplab.config import Settings
from tests.api.conftest import free_port
from tests.conftest import make_settings

TOKEN = "Zq3-7vKp_Lx9NwT2bYr5HsJd-4Fm"
WRONG = "not-the-token-at-all-0000000"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def secured_settings(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update={"api_token": SecretStr(TOKEN), **changes})


@pytest.fixture
def secured(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """The app with API_TOKEN set, and a client that sends no header of its own."""
    with TestClient(create_app(secured_settings(settings), web_dist=tmp_path / "x")) as client:
        yield client


@pytest.fixture
def open_app(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """The app without API_TOKEN, and a client that sends no header of its own."""
    with TestClient(create_app(settings, web_dist=tmp_path / "x")) as client:
        yield client


# ----- the token ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/simulation/reset", None),
        ("POST", "/simulation/start", {}),
        ("POST", "/pairs", {"symbol": "BTCUSDT", "strategy": "sma_cross", "timeframe": "1h"}),
        ("PUT", "/settings", {}),
        ("PATCH", "/settings", {"confirm_orders": True}),
        ("DELETE", "/backtests", None),
        ("PATCH", "/backtests/b-1", {"notes": "n"}),
        ("POST", "/trading/halt", {"reason": "x"}),
        ("POST", "/orders/pending/p-1/confirm", None),
    ],
)
def test_every_state_change_needs_the_token(
    secured: TestClient, method: str, path: str, body: object
) -> None:
    missing = secured.request(method, path, json=body)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json() == {"detail": auth.TOKEN_MISSING}
    wrong = secured.request(method, path, json=body, headers={"Authorization": f"Bearer {WRONG}"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert wrong.json() == {"detail": "the API token is not valid"}
    for answer in (missing, wrong):
        text = answer.text + json.dumps(dict(answer.headers))
        assert TOKEN not in text and WRONG not in text  # never echoed


def test_the_right_token_passes_and_reads_stay_open(secured: TestClient) -> None:
    assert secured.post("/simulation/reset", headers=BEARER).status_code == 200
    assert secured.post(
        "/simulation/reset", headers={"authorization": f"bearer {TOKEN}"}
    ).is_success
    assert secured.get("/pairs").status_code == 200  # reading needs no token
    assert secured.get("/status/health").json()["auth_required"] is True
    # another scheme, or the token in the query of a non-stream request: refused
    basic = secured.post("/simulation/reset", headers={"Authorization": f"Basic {TOKEN}"})
    assert basic.status_code == 401
    assert secured.post(f"/simulation/reset?access_token={TOKEN}").status_code == 401


def test_the_token_is_compared_in_constant_time(
    secured: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    assert secured.post("/simulation/stop", headers=BEARER).status_code == 200
    assert (
        secured.post("/simulation/stop", headers={"Authorization": "Bearer x"}).status_code == 401
    )
    assert calls == [(TOKEN.encode(), TOKEN.encode()), (b"x", TOKEN.encode())]


def test_the_token_never_reaches_a_log_line_or_a_repr(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(secured_settings(settings), web_dist=tmp_path / "x")
    with caplog.at_level(logging.DEBUG), TestClient(app) as client:
        client.post("/simulation/reset", headers={"Authorization": f"Bearer {WRONG}"})
        client.post("/simulation/reset", headers=BEARER)
        client.get(f"/signals/stream?access_token={WRONG}")
    server = [record for record in caplog.records if record.name != "httpx"]  # the client's
    text = "\n".join(record.getMessage() + repr(record.__dict__) for record in server)
    assert "refused POST /simulation/reset: the API token is not valid" in text
    assert TOKEN not in text and WRONG not in text
    assert TOKEN not in repr(app.user_middleware) and TOKEN not in repr(app.middleware_stack)


def test_the_guarded_streams_are_every_event_stream_of_the_api(
    settings: Settings, tmp_path: Path
) -> None:
    spec = create_app(settings, web_dist=tmp_path / "x").openapi()
    streams = {
        path
        for path, verbs in spec["paths"].items()
        for verb, operation in verbs.items()
        if "text/event-stream" in operation["responses"].get("200", {}).get("content", {})
        and verb == "get"
    }
    assert streams == set(auth.STREAM_PATHS)


def test_an_event_stream_needs_the_token_too(secured: TestClient) -> None:
    missing = secured.get("/signals/stream")
    assert missing.status_code == 401 and "?access_token=" in missing.json()["detail"]
    assert secured.get(f"/signals/stream?access_token={WRONG}").status_code == 401
    assert secured.head("/signals/stream").status_code == 401
    assert secured.get("/signals/stream", headers={"Authorization": "Bearer no"}).status_code == 401


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """`app` served by uvicorn on 127.0.0.1 in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def test_an_event_source_passes_the_token_in_the_query(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(secured_settings(settings), web_dist=tmp_path / "x")
    with caplog.at_level(logging.INFO, logger="scalplab.api.access"), serving(app) as base:
        timeout = httpx.Timeout(10.0, read=10.0)
        for url, headers in (
            (f"{base}/signals/stream?access_token={TOKEN}", {}),
            (f"{base}/signals/stream", BEARER),
        ):
            with httpx.stream("GET", url, headers=headers, timeout=timeout) as stream:
                assert stream.status_code == 200
                assert stream.headers["content-type"].startswith("text/event-stream")
                first = next(stream.iter_lines())
                assert first == "event: status"
        wrong = httpx.get(f"{base}/signals/stream?access_token={WRONG}", timeout=timeout)
        assert wrong.status_code == 401
    access = [r for r in caplog.records if r.name == "scalplab.api.access"]
    assert {r.__dict__["path"] for r in access} == {"/signals/stream"}
    logged = "\n".join(r.getMessage() + repr(r.__dict__) for r in access)
    assert TOKEN not in logged and WRONG not in logged and "access_token" not in logged


# ----- without a token: no simple cross-site state change ------------------------------------


def test_without_a_token_a_state_change_must_be_non_simple(open_app: TestClient) -> None:
    bare = open_app.post("/simulation/reset")
    assert bare.status_code == 403 and bare.json() == {"detail": auth.NOT_JSON}
    form = open_app.post("/simulation/reset", data={"x": "1"})  # a cross-site HTML form
    assert form.status_code == 403
    plain = open_app.post("/simulation/stop", content=b"{}", headers={"Content-Type": "text/plain"})
    assert plain.status_code == 403
    assert open_app.delete("/backtests").status_code == 403
    assert open_app.get("/status/health").json()["auth_required"] is False
    # JSON, or the SPA's custom header: fine
    assert open_app.post("/simulation/stop", json={}).status_code == 200
    json_with_charset = open_app.post(
        "/simulation/stop",
        content=b"{}",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert json_with_charset.status_code == 200
    assert open_app.post("/simulation/reset", headers={"X-ScalpLab-Client": "1"}).status_code == 200
    assert open_app.delete("/backtests", headers={"X-ScalpLab-Client": "1"}).status_code == 200
    assert open_app.get("/pairs").status_code == 200  # reads are open
    # guarded before routing: a bare POST no route takes is refused all the same
    assert open_app.post("/signals/stream").status_code == 403
    assert open_app.post("/signals/stream", json={}).status_code == 405


# ----- Host -----------------------------------------------------------------------------------


def test_a_foreign_host_is_refused(open_app: TestClient) -> None:
    rebound = open_app.get("/status/health", headers={"Host": "attacker.example"})
    assert rebound.status_code == 400 and rebound.json() == {"detail": "host not allowed"}
    assert "x-request-id" in rebound.headers  # logged like every request
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000", "LOCALHOST."):
        assert open_app.get("/status/health", headers={"Host": host}).status_code == 200, host
    posted = open_app.post(
        "/simulation/reset", headers={"Host": "attacker.example", "X-ScalpLab-Client": "1"}
    )
    assert posted.status_code == 400


@pytest.mark.parametrize(
    ("changes", "allowed", "refused"),
    [
        (
            {"ALLOWED_HOSTS": "scalplab.lan, 10.0.0.7"},
            ["scalplab.lan:8000", "10.0.0.7"],
            ["localhost"],
        ),
        ({"ALLOWED_HOSTS": "*"}, ["anything.example", "localhost"], []),
        ({"HOST": "192.168.1.5"}, ["192.168.1.5:8000", "localhost"], ["192.168.1.6"]),
        ({"HOST": "0.0.0.0"}, ["127.0.0.1"], ["0.0.0.0", "192.168.1.5"]),
    ],
)
def test_the_allowed_hosts_follow_the_settings(
    data_dir: Path,
    tmp_path: Path,
    changes: dict[str, str],
    allowed: list[str],
    refused: list[str],
) -> None:
    app = create_app(make_settings(data_dir, **changes), web_dist=tmp_path / "x")
    with TestClient(app) as client:
        for host in allowed:
            assert client.get("/status/health", headers={"Host": host}).status_code == 200, host
        for host in refused:
            assert client.get("/status/health", headers={"Host": host}).status_code == 400, host


def test_host_names_and_lists_are_normalised(tmp_path: Path) -> None:
    assert host_name("[::1]:8000") == "[::1]" and host_name("::1") == "[::1]"
    assert host_name("Example.COM.:80") == "example.com" and host_name("[bad") == "[bad"
    assert split_list(" a, ,b ,") == ["a", "b"]
    defaults = allowed_hosts(make_settings(tmp_path))
    assert defaults == frozenset({"localhost", "127.0.0.1", "[::1]", "testserver"})
    ipv6 = allowed_hosts(make_settings(tmp_path, HOST="::1", ALLOWED_HOSTS=""))
    assert ipv6 == defaults
    assert allowed_hosts(make_settings(tmp_path, ALLOWED_HOSTS="fe80::1")) == {"[fe80::1]"}
    assert cors_origins(make_settings(tmp_path, CORS_ORIGINS="https://a.example/, b")) == [
        "https://a.example",
        "b",
    ]


# ----- CORS -----------------------------------------------------------------------------------


PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, x-scalplab-client",
}


def test_no_cross_origin_access_by_default(open_app: TestClient) -> None:
    origin = {"Origin": "https://evil.example"}
    preflight = open_app.options("/simulation/reset", headers={**origin, **PREFLIGHT})
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    read = open_app.get("/pairs", headers=origin)
    assert read.status_code == 200 and "access-control-allow-origin" not in read.headers


def test_cors_allows_exactly_the_configured_origins(settings: Settings, tmp_path: Path) -> None:
    configured = secured_settings(settings, cors_origins="https://dash.example")
    with TestClient(create_app(configured, web_dist=tmp_path / "x")) as client:
        allowed = {"Origin": "https://dash.example"}
        preflight = client.options("/trading/halt", headers={**allowed, **PREFLIGHT})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://dash.example"
        methods = preflight.headers["access-control-allow-methods"]
        assert {"GET", "POST", "PUT", "PATCH", "DELETE"} <= set(methods.replace(" ", "").split(","))
        headers = preflight.headers["access-control-allow-headers"].lower()
        for name in ("authorization", "content-type", "x-scalplab-client", "idempotency-key"):
            assert name in headers
        assert "access-control-allow-credentials" not in preflight.headers
        # the token is still required, and the 401 is readable by the allowed origin
        refused = client.post("/trading/halt", json={}, headers=allowed)
        assert refused.status_code == 401
        assert refused.headers["access-control-allow-origin"] == "https://dash.example"
        accepted = client.post("/trading/resume", headers={**allowed, **BEARER})
        assert accepted.status_code == 200
        other = client.options(
            "/trading/halt", headers={"Origin": "https://evil.example", **PREFLIGHT}
        )
        assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
