"""`scalplab serve` as a real subprocess, reached over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from scalplab.api.cli import register
from tests.api.conftest import free_port, serve_env, wait_until_up

TOKEN = "tok-very-secret"


def test_serve_imports_the_sample_and_answers_over_http(tmp_path: Path) -> None:
    port = free_port()
    data_dir = tmp_path / "data"
    env = serve_env(data_dir, API_TOKEN=TOKEN)
    scalplab = Path(sys.executable).with_name("scalplab")
    process = subprocess.Popen(
        [str(scalplab), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,  # no .env from the checkout
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        health = httpx.get(f"{base}/status/health", headers={"X-Request-ID": "serve-test-1"})
        assert health.headers["x-request-id"] == "serve-test-1"
        assert health.json()["mode"] == "simulation" and health.json()["database"] == "ok"
        symbols = httpx.get(f"{base}/market/symbols").json()
        assert [entry["symbol"] for entry in symbols] == ["BTCUSDT", "ETHUSDT"]
        pair = {"symbol": "ETHUSDT", "strategy": "sma_cross", "timeframe": "1h", "params": {}}
        assert httpx.post(f"{base}/pairs", json=pair).status_code == 401  # API_TOKEN is set
        created = httpx.post(
            f"{base}/pairs", json=pair, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert created.status_code == 201
        assert (data_dir / "app.db").is_file()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
    assert process.returncode == 0
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert len(lines) == len(stderr.splitlines())  # every log line is one JSON object
    access = [line for line in lines if line["logger"] == "scalplab.api.access"]
    assert any(line["request_id"] == "serve-test-1" and line["status"] == 200 for line in access)
    assert any("imported the bundled sample" in line["message"] for line in lines)
    assert TOKEN not in stderr


def test_serve_options_default_to_the_settings() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["serve"])
    assert (args.host, args.port) == (None, None)
    assert args.handler.__name__ == "serve"
    args = parser.parse_args(["serve", "--host", "0.0.0.0", "--port", "9000"])
    assert (args.host, args.port) == ("0.0.0.0", 9000)
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "--port", "eighty"])
