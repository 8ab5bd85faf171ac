"""`/simulation/pause|resume|step|replay|equity`: replay controls of the real engine over the
real sample, and their 409 / 422 answers."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scalplab.api.app import create_app
from tests.api.conftest import add_pair, api_client, wait_for_simulation
from tests.conftest import make_settings
from tests.simulation.live_fakes import live_fakes

SLOW = {"speed": 9000, "start": "2025-06-17", "end": "2025-06-19"}
"""15m bars every 0.1 s (192 of them)."""
NOT_RUNNING = {"detail": "no replay is running: start one first"}


def test_controls_without_a_running_replay_are_409(client: TestClient) -> None:
    for path in ("/simulation/pause", "/simulation/resume", "/simulation/step"):
        response = client.post(path)
        assert (response.status_code, response.json()) == (409, NOT_RUNNING), path
    response = client.patch("/simulation/replay", json={"speed": 60})
    assert (response.status_code, response.json()) == (409, NOT_RUNNING)
    assert client.get("/simulation/status").json()["replay"] is None
    assert client.get("/simulation/equity").json() == []


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"speed": 0}, "speed: must be a finite number from 0.1 to 1000000 (times real time)"),
        ({"speed": "fast"}, "speed: must be a number (times real time) or 'max', not 'fast'"),
        ({"speed": None}, "speed: must be a number or 'max', not null"),
        ({}, "speed: Field required"),
        ({"speed": 60, "start": "2025-06-17"}, "start: Extra inputs are not permitted"),
    ],
)
def test_a_bad_speed_is_422(client: TestClient, body: dict[str, Any], detail: str) -> None:
    response = client.patch("/simulation/replay", json=body)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail), response.json()


def test_pause_step_speed_and_resume_a_replay(client: TestClient) -> None:
    add_pair(client)
    started = client.post("/simulation/start", json=SLOW).json()
    assert started["replay"]["bars"] == 192 and started["replay"]["paused"] is False
    step = client.post("/simulation/step")
    assert step.status_code == 409
    assert step.json() == {"detail": "pause the replay before stepping it"}
    wait_for_simulation(client, lambda s: s["candles_processed"] >= 2)
    paused = client.post("/simulation/pause").json()
    assert paused["state"] == "running" and paused["replay"]["paused"] is True
    bar = paused["replay"]["bar"]
    assert bar == paused["pairs"][0]["bars"] == paused["candles_processed"]
    stepped = client.post("/simulation/step").json()
    assert stepped["replay"]["bar"] == bar + 1 and stepped["pairs"][0]["bars"] == bar + 1
    assert client.get("/simulation/status").json()["replay"]["bar"] == bar + 1
    faster = client.patch("/simulation/replay", json={"speed": "max"}).json()
    assert faster["speed"] is None and faster["replay"]["speed"] is None
    assert faster["replay"]["paused"] is True
    assert client.post("/simulation/resume").json()["replay"]["paused"] is False
    done = wait_for_simulation(client)
    assert done["finished"] is True
    assert done["replay"] == {"bar": 192, "bars": 192, "paused": False, "speed": None}
    equity = client.get("/simulation/equity").json()
    assert len(equity) >= 2 and equity == sorted(equity, key=lambda p: p["time"])
    assert equity[0]["time"] == 1_750_118_400  # 2025-06-17 00:00 UTC, the first bar
    final = client.get("/simulation/portfolio").json()["equity"]
    assert math.isclose(equity[-1]["equity"], final)


def test_the_live_feed_cannot_be_paused(data_dir: Path, tmp_path: Path) -> None:
    with live_fakes(1_750_204_800_000, 400, interval=0.004) as fakes:
        settings = make_settings(data_dir, **fakes.env, LIVE_WARMUP_BARS=40)
        app = create_app(settings, web_dist=tmp_path / "no-dist")
        with api_client(app) as client:
            add_pair(client, timeframe="5m")
            started = client.post("/simulation/start", json={"feed": "live", "candles": 30})
            assert started.status_code == 200 and started.json()["replay"] is None
            for path in ("/simulation/pause", "/simulation/step"):
                response = client.post(path)
                assert response.status_code == 409
                assert response.json()["detail"].startswith("the live feed plays in real time")
            assert client.patch("/simulation/replay", json={"speed": 60}).status_code == 409
            client.post("/simulation/stop")
