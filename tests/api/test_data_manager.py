"""`/data`: coverage, downloads (progress, cancel, resume, one per symbol/tf), integrity
checks and range deletion, over the real sample and a local server replaying the REAL
recorded BTCUSDT klines."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from scalplab.api.app import create_app
from scalplab.config import Settings
from scalplab.data.adapters.binance.fake_rest import Fault, ReplayServer, ReplayState
from scalplab.data.adapters.binance.http import KLINES_LIMIT
from scalplab.data.candles import CandleStore
from tests.conftest import REAL, WEEK_START_MS, make_settings, real_klines

MINUTE = 60_000
JUNE_1_MS = WEEK_START_MS - 16 * 86_400_000
BUSY = Fault(503, "<html>Service Unavailable</html>")


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    """Binance REST replaying the real 30 days of BTCUSDT 1m klines."""
    state = ReplayState()
    state.add_klines("BTCUSDT", "1m", REAL / "klines" / "um" / "BTCUSDT" / "1m.csv")
    with ReplayServer(state) as server:
        yield server


@pytest.fixture
def settings(data_dir: Path, replay: ReplayServer) -> Settings:
    """Settings over the real sample whose REST_URL is the replay server (the `client`
    fixture runs the app with them)."""
    return make_settings(data_dir, REST_URL=replay.base_url)


def wait_finished(client: TestClient, job_id: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/data/downloads/{job_id}").json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.02)


def btc_coverage(client: TestClient) -> Any:
    response = client.get("/data/coverage")
    assert response.status_code == 200, response.text
    return next(row for row in response.json() if row["symbol"] == "BTCUSDT")


def test_coverage_lists_the_sample_with_funding_and_resampled_timeframes(
    client: TestClient,
) -> None:
    btc = btc_coverage(client)
    assert btc["timeframes"] == [
        {
            "timeframe": "1m",
            "first": "2025-06-17T00:00:00Z",
            "last": "2025-06-23T23:59:00Z",
            "bars": 10_080,
            "gap_count": 0,
            "missing_bars": 0,
            "largest_gaps": [],
        }
    ]
    assert "15m" in btc["resampled"] and "1m" not in btc["resampled"]
    funding = btc["funding"]
    assert (funding["expected"], funding["missing"], funding["missing_first"]) == (21, 0, [])
    assert funding["records"] == 22  # one settlement before the first candle
    assert btc["market"] == [] and btc["errors"] == []


def test_download_cancel_then_resume_fills_the_range_with_the_real_klines(
    client: TestClient, replay: ReplayServer, data_dir: Path
) -> None:
    # calls 3 to 6 answer 503: the job waits (1, 2, 4, 8 s) on page 3 until cancelled
    for call in range(3, 7):
        replay.state.fail_call("klines", call, BUSY)
    body = {"symbol": "btcusdt", "timeframe": "1m", "start": "2025-06-01", "end": "2025-06-17"}
    created = client.post("/data/downloads", json=body)
    assert created.status_code == 202, created.text
    job = created.json()
    assert created.headers["Location"] == f"/data/downloads/{job['id']}"
    assert (job["symbol"], job["start"], job["end"]) == (
        "BTCUSDT",
        "2025-06-01T00:00:00Z",
        "2025-06-17T00:00:00Z",
    )
    deadline = time.monotonic() + 20
    while (seen := client.get(f"/data/downloads/{job['id']}").json())["pages"] < 2:
        assert time.monotonic() < deadline, seen
        time.sleep(0.01)
    assert seen["status"] == "running"
    assert (seen["fetched"], seen["expected"]) == (2 * KLINES_LIMIT, 16 * 1440)
    assert 0 < seen["progress"] < 1

    again = client.post("/data/downloads", json=body)
    assert again.status_code == 409
    assert "already downloading" in again.json()["detail"]

    assert client.post(f"/data/downloads/{job['id']}/cancel").status_code == 200
    cancelled = wait_finished(client, job["id"])
    assert cancelled["status"] == "cancelled", cancelled
    assert cancelled["fetched"] == cancelled["added"] == 3 * KLINES_LIMIT  # page 3 then stop
    assert cancelled["total"] == 10_080 + 3 * KLINES_LIMIT
    gap = btc_coverage(client)["timeframes"][0]
    assert (gap["first"], gap["gap_count"]) == ("2025-06-01T00:00:00Z", 1)
    assert gap["missing_bars"] == 16 * 1440 - 3 * KLINES_LIMIT

    replay.state.log.clear()
    resumed = client.post("/data/downloads", json=body).json()
    done = wait_finished(client, resumed["id"])
    assert done["status"] == "done", done
    assert (done["progress"], done["expected"]) == (1.0, 16 * 1440 - 3 * KLINES_LIMIT)
    sent = replay.state.requests_to("klines")
    assert int(sent[0]["startTime"]) == JUNE_1_MS + 3 * KLINES_LIMIT * MINUTE  # where it stopped
    assert done["total"] == 10_080 + 16 * 1440
    stored = CandleStore(data_dir).read("BTCUSDT", "1m")
    real = real_klines("BTCUSDT")
    real = real[
        (real.open_time >= JUNE_1_MS) & (real.open_time < WEEK_START_MS + 7 * 1440 * MINUTE)
    ]
    assert stored["open_time"].tolist() == real["open_time"].tolist()
    assert stored["close"].tolist() == real["close"].tolist()
    assert btc_coverage(client)["timeframes"][0]["gap_count"] == 0

    listed = client.get("/data/downloads").json()
    assert [row["id"] for row in listed] == [resumed["id"], job["id"]]


def test_a_download_binance_refuses_fails_with_the_reason(client: TestClient) -> None:
    body = {"symbol": "DOGEUSDT", "timeframe": "1m", "start": "2025-06-01", "end": "2025-06-02"}
    job = client.post("/data/downloads", json=body).json()
    failed = wait_finished(client, job["id"])
    assert failed["status"] == "failed"
    assert "Invalid symbol" in failed["error"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"symbol": "BTCUSDT", "timeframe": "7m", "days": 1}, "unknown timeframe '7m'"),
        ({"symbol": "BTCUSDT", "timeframe": "1m"}, "give either days or start"),
        ({"symbol": "BTCUSDT", "timeframe": "1m", "days": 2, "start": "2025-06-01"}, "either"),
        ({"symbol": "BTCUSDT", "timeframe": "1m", "end": "2025-06-01", "days": 1}, "end needs"),
        (
            {"symbol": "BTCUSDT", "timeframe": "1m", "start": "2025-06-02", "end": "2025-06-01"},
            "start must be before end",
        ),
        ({"symbol": "BTCUSDT", "timeframe": "1m", "days": 0}, "days"),
        ({"symbol": "BTCUSDT", "timeframe": "1m", "start": "2099-01-01"}, "is not before"),
        ({"symbol": "BTC/USDT", "timeframe": "1m", "days": 1}, "symbol"),
    ],
)
def test_bad_downloads_are_refused_with_a_reason(
    client: TestClient, body: dict[str, Any], message: str
) -> None:
    response = client.post("/data/downloads", json=body)
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    assert client.get("/data/downloads").json() == []


def test_unknown_jobs_are_404(client: TestClient) -> None:
    assert client.get("/data/downloads/nope").status_code == 404
    assert client.post("/data/downloads/nope/cancel").status_code == 404


def test_check_reports_the_resampled_candles(client: TestClient) -> None:
    response = client.post("/data/check", json={"symbol": "BTCUSDT", "timeframe": "15m"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["ok"], report["resampled_from"], report["rows"]) == (True, "1m", 672)
    assert (report["first"], report["last"]) == ("2025-06-17T00:00:00Z", "2025-06-23T23:45:00Z")
    assert report["gaps"] == report["duplicates"] == report["ohlc_violations"] == []
    missing = client.post("/data/check", json={"symbol": "SOLUSDT", "timeframe": "1m"})
    assert missing.status_code == 422 and "no SOLUSDT 1m candles" in missing.json()["detail"]
    bad = client.post("/data/check", json={"symbol": "BTCUSDT", "timeframe": "9x"})
    assert bad.status_code == 422 and "unknown timeframe" in bad.json()["detail"]


def test_delete_a_range_then_check_and_coverage_show_the_hole(client: TestClient) -> None:
    path = "/data/candles/BTCUSDT/1m?start=2025-06-18T00:00:00Z&end=2025-06-18T06:00:00Z"
    response = client.delete(path)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "symbol": "BTCUSDT",
        "timeframe": "1m",
        "start": "2025-06-18T00:00:00Z",
        "end": "2025-06-18T06:00:00Z",
        "deleted": 360,
        "remaining": 10_080 - 360,
        "first": "2025-06-17T00:00:00Z",
        "last": "2025-06-23T23:59:00Z",
    }
    hole = {"after": "2025-06-17T23:59:00Z", "before": "2025-06-18T06:00:00Z", "missing_bars": 360}
    assert btc_coverage(client)["timeframes"][0]["largest_gaps"] == [hole]
    check = client.post("/data/check", json={"symbol": "BTCUSDT"}).json()
    assert (check["ok"], check["gaps"], check["missing_bars"]) == (True, [hole], 360)

    again = client.delete(path)
    assert again.status_code == 422
    assert again.json()["detail"] == (
        "no BTCUSDT 1m candles from 2025-06-18T00:00:00Z to 2025-06-18T06:00:00Z "
        "(stored: 2025-06-17T00:00:00Z → 2025-06-23T23:59:00Z); nothing deleted"
    )


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/data/candles/BTCUSDT/15m?start=2025-06-18&end=2025-06-19", 404, "resampled from 1m"),
        ("/data/candles/SOLUSDT/1m?start=2025-06-18&end=2025-06-19", 404, "no SOLUSDT 1m"),
        ("/data/candles/BTCUSDT/1m?start=2025-06-19&end=2025-06-18", 422, "empty range"),
        ("/data/candles/BTCUSDT/2m?start=2025-06-18&end=2025-06-19", 422, "unknown timeframe"),
        ("/data/candles/BTCUSDT/1m?start=2025-06-18", 422, "end"),
        ("/data/candles/BTCUSDT/1m?start=yesterday&end=2025-06-19", 422, "not an ISO-8601"),
    ],
)
def test_bad_deletions_change_nothing(
    client: TestClient, data_dir: Path, path: str, status: int, message: str
) -> None:
    before = CandleStore(data_dir).path("BTCUSDT", "1m").read_bytes()
    response = client.delete(path)
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]
    assert CandleStore(data_dir).path("BTCUSDT", "1m").read_bytes() == before


def test_state_changes_need_the_token(settings: Settings, tmp_path: Path) -> None:
    secured = settings.model_copy(update={"api_token": SecretStr("Zq3-7vKp_Lx9NwT2bYr5HsJd")})
    with TestClient(create_app(secured, web_dist=tmp_path / "x")) as client:
        assert client.get("/data/coverage").status_code == 200
        for response in (
            client.delete("/data/candles/BTCUSDT/1m?start=2025-06-18&end=2025-06-19"),
            client.post("/data/check", json={"symbol": "BTCUSDT"}),
            client.post(
                "/data/downloads", json={"symbol": "BTCUSDT", "timeframe": "1m", "days": 1}
            ),
            client.post("/data/downloads/x/cancel"),
        ):
            assert response.status_code == 401
        assert btc_coverage(client)["timeframes"][0]["bars"] == 10_080
