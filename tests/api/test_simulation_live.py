"""Live paper trading through the API: `POST /simulation/start {"feed": "live"}` against
the fake Binance streaming REAL BTCUSDT klines; the feed's state in `/simulation/status`
and `/status/health`, and an unreachable Binance said plainly."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from scalplab.api.app import create_app
from tests.api.conftest import add_pair, api_client, wait_for_simulation
from tests.conftest import make_settings
from tests.simulation.live_fakes import live_fakes

FIRST = 1_750_204_800_000  # 2025-06-18 00:00 UTC


def test_live_paper_trading_reports_its_feed(data_dir: Path, tmp_path: Path) -> None:
    with live_fakes(FIRST, 400, interval=0.004) as fakes:
        settings = make_settings(data_dir, **fakes.env, LIVE_WARMUP_BARS=40)
        app = create_app(settings, web_dist=tmp_path / "no-dist")
        with api_client(app) as client:
            add_pair(client, timeframe="5m")
            started = client.post("/simulation/start", json={"feed": "live", "candles": 300})
            assert started.status_code == 200, started.text
            assert started.json()["feed"] == "live"
            running = wait_for_simulation(client, lambda s: s["candles_processed"] >= 5)
            pair = running["pairs"][0]
            assert pair["feed_state"] == "connected"
            assert pair["last_price"] is not None and pair["message_age_s"] is not None
            health = client.get("/status/health").json()
            assert health["feed"] == "live" and health["ws_connected"] is True
            assert health["feed_state"] == "connected"
            assert "btcusdt@kline_1m" in health["stream_age_s"]
            assert health["rest_latency_ms"] is not None  # the warm-up came over REST
            assert health["clock_offset_ms"] > 86_400_000  # recorded 2025 event times
            done = wait_for_simulation(client, timeout=60)
            assert done["finished"] is True and done["error"] is None
            assert done["pairs"][0]["bars"] == 60  # 300 live minutes in 5m bars
            assert done["pairs"][0]["last_bar"] == "2025-06-18T04:55:00Z"


def test_replay_options_on_a_live_feed_are_422(client: TestClient) -> None:
    add_pair(client)
    wrong = client.post("/simulation/start", json={"feed": "live", "speed": 60})
    assert wrong.status_code == 422
    assert "for a replay" in wrong.text
    candles = client.post("/simulation/start", json={"candles": 5})
    assert candles.status_code == 422


def test_an_unreachable_binance_is_said_plainly(data_dir: Path, tmp_path: Path) -> None:
    settings = make_settings(
        data_dir, REST_URL="http://127.0.0.1:9", WS_URL="ws://127.0.0.1:9",
        LIVE_CONNECT_TIMEOUT_S=2,
    )  # fmt: skip
    app = create_app(settings, web_dist=tmp_path / "no-dist")
    with api_client(app) as client:
        add_pair(client)
        assert client.post("/simulation/start", json={"feed": "live"}).status_code == 200
        status = wait_for_simulation(client, timeout=30)
        assert "Binance is unreachable at ws://127.0.0.1:9" in status["error"]
        replay = client.post("/simulation/start", json={"speed": "max"})
        assert replay.status_code == 200  # replay still works


def test_the_default_feed_is_live_unless_set_to_replay(data_dir: Path, tmp_path: Path) -> None:
    unreachable = {"REST_URL": "http://127.0.0.1:9", "WS_URL": "ws://127.0.0.1:9"}
    shutil.copytree(data_dir, tmp_path / "replay-data")  # a fresh store for the second app
    settings = make_settings(data_dir, **unreachable, LIVE_CONNECT_TIMEOUT_S=1)
    with api_client(create_app(settings, web_dist=tmp_path / "no-dist")) as client:
        add_pair(client)
        started = client.post("/simulation/start")  # no body: the default feed
        assert started.status_code == 200 and started.json()["feed"] == "live"
        assert "unreachable" in wait_for_simulation(client, timeout=30)["error"]
    replay = make_settings(
        tmp_path / "replay-data", **unreachable, SIMULATION_FEED="replay", SIM_REPLAY_SPEED=9000
    )
    with api_client(create_app(replay, web_dist=tmp_path / "no-dist")) as client:
        add_pair(client)
        started = client.post("/simulation/start")
        assert started.status_code == 200 and started.json()["feed"] == "replay"
        client.post("/simulation/stop")


def test_replay_without_options_is_a_replay_whatever_the_default(client: TestClient) -> None:
    add_pair(client)
    started = client.post("/simulation/start", json={"feed": "replay"})
    assert started.status_code == 200 and started.json()["feed"] == "replay"
    client.post("/simulation/stop")
