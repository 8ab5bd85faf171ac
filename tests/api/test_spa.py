"""The built SPA beside the API: files, history fallback, navigations, no-build 503."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scalplab.api.app import create_app
from scalplab.config import Settings
from tests.api.conftest import api_client

INDEX = "<!doctype html><title>ScalpLab</title><div id=root></div>"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A minimal Vite-like build: index.html, a hashed asset, a root file."""
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX, encoding="utf-8")
    (root / "assets" / "index-3f2a1b.js").write_text("console.log('app')", encoding="utf-8")
    (root / "favicon.svg").write_text("<svg/>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside the build", encoding="utf-8")
    return root


@pytest.fixture
def spa_client(settings: Settings, dist: Path) -> Iterator[TestClient]:
    with api_client(create_app(settings, web_dist=dist)) as client:
        yield client


def test_index_and_assets(spa_client: TestClient) -> None:
    index = spa_client.get("/")
    assert index.status_code == 200 and index.text == INDEX
    assert index.headers["cache-control"] == "no-cache"
    asset = spa_client.get("/assets/index-3f2a1b.js")
    assert asset.text == "console.log('app')"
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert spa_client.get("/favicon.svg").text == "<svg/>"
    head = spa_client.head("/")
    assert head.status_code == 200 and head.content == b""


def test_client_routes_fall_back_to_index(spa_client: TestClient) -> None:
    for path in ("/dashboard", "/charts/BTCUSDT", "/live"):
        response = spa_client.get(path)
        assert response.status_code == 200 and response.text == INDEX
    # tabs named like an API resource: a browser reload (Accept: text/html) gets the SPA
    for path in ("/simulation", "/simulation/positions", "/settings", "/signals"):
        response = spa_client.get(path, headers=HTML)
        assert response.status_code == 200 and response.text == INDEX


def test_missing_files_and_escapes_are_404(spa_client: TestClient) -> None:
    assert spa_client.get("/assets/gone-000.js").status_code == 404
    assert spa_client.get("/robots.txt").status_code == 404
    escaped = spa_client.get("/..%2Fsecret.txt")
    assert escaped.status_code == 404 and "outside the build" not in escaped.text


def test_browser_navigation_to_an_api_path_gets_the_spa(spa_client: TestClient) -> None:
    navigation = spa_client.get("/backtests", headers=HTML)
    assert navigation.text == INDEX
    api_call = spa_client.get("/backtests", headers={"Accept": "application/json"})
    assert api_call.json() == []
    default_fetch = spa_client.get("/backtests")  # httpx/fetch default Accept: */*
    assert default_fetch.json() == []
    docs = spa_client.get("/docs", headers=HTML)
    assert "swagger" in docs.text.lower()
    assert spa_client.get("/status/health", headers=HTML).json()["status"] == "ok"
    assert spa_client.post("/pairs", headers=HTML, json={}).status_code == 422  # only GET/HEAD


def test_unknown_api_paths_stay_json_404(spa_client: TestClient) -> None:
    response = spa_client.get("/pairs/BTCUSDT/extra")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}


def test_without_a_build_root_is_503_and_the_api_works(client: TestClient) -> None:
    root = client.get("/")
    assert root.status_code == 503
    assert root.json()["detail"].startswith("the web UI is not built")
    assert client.get("/backtests", headers=HTML).json() == []  # no build: the API answers
    assert client.get("/dashboard").status_code == 404
    assert client.get("/status/health").json()["status"] == "ok"


def test_large_answers_are_gzip_encoded_for_a_client_that_accepts_it(
    spa_client: TestClient, dist: Path
) -> None:
    bundle = "export const rows = [" + ",".join(f"{n}" for n in range(5000)) + "];"
    (dist / "assets" / "index-big.js").write_text(bundle, encoding="utf-8")
    zipped = spa_client.get("/assets/index-big.js", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.text == bundle
    assert int(zipped.headers["content-length"]) < len(bundle) / 2
    plain = spa_client.get("/assets/index-big.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.text == bundle
    small = spa_client.get("/favicon.svg", headers={"Accept-Encoding": "gzip"})
    assert small.text == "<svg/>" and "content-encoding" not in small.headers  # under 1 KB
