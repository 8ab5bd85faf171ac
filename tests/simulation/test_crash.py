"""kill -9 in the middle of a paper-trading run loses nothing (real processes, real SQLite).

A child process (tests/simulation/crash_child.py) replays the real sample slowly with
order confirmation on; once it holds a position AND a pending confirmation it reports
its committed state and is killed with SIGKILL. A new process over the same database
must restore every position, order and confirmation exactly and continue the replay
after its cursor without applying any bar twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from scalplab.config import Settings
from scalplab.data.candles import CandleStore
from scalplab.storage.db import open_database
from scalplab.storage.models import Pair
from scalplab.timeutil import parse_utc, to_ms
from tests.simulation.crash_child import END, START, child_settings

REPO = Path(__file__).resolve().parents[2]


def spawn(mode: str, data_dir: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.simulation.crash_child", mode, str(data_dir), str(out)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(path: Path, process: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"child exited early: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        assert time.monotonic() < deadline, f"no {path.name} after {timeout}s"
        time.sleep(0.01)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def static(position: dict[str, Any]) -> dict[str, Any]:
    """A position without its mark (which moves with every bar)."""
    return {k: v for k, v in position.items() if k not in ("mark_price", "unrealised_pnl")}


def test_kill_9_resumes_positions_orders_and_confirmations(data_dir: Path) -> None:
    settings: Settings = child_settings(data_dir)
    database = open_database(settings)
    with database.session() as session:
        for symbol in ("BTCUSDT", "ETHUSDT"):
            session.add(Pair(symbol=symbol, strategy="sma_cross", timeframe="5m", params={}))
    database.dispose()
    out = data_dir.parent / "state.json"

    first = spawn("run", data_dir, out)
    try:
        killed = wait_for(out, first, 60)
        os.kill(first.pid, signal.SIGKILL)
    finally:
        first.kill()
        first.wait(10)
    assert first.returncode == -signal.SIGKILL
    assert len(killed["positions"]) == 1 and killed["positions"][0]["symbol"] == "BTCUSDT"
    assert len(killed["pending"]) >= 1 and killed["status"]["state"] == "running"

    second = spawn("resume", data_dir, out)
    try:
        before = wait_for(out.with_suffix(".before"), second, 60)
        after = wait_for(out.with_suffix(".after"), second, 60)
        assert second.wait(30) == 0, second.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
    finally:
        second.kill()

    # Everything committed before the kill is back, exactly.
    assert before["orders"] == killed["orders"]
    assert before["pending"] == killed["pending"]
    assert [static(p) for p in before["positions"]] == [static(p) for p in killed["positions"]]
    for feed, cursor in killed["cursors"].items():
        assert before["cursors"][feed] >= cursor
    if before["cursors"] == killed["cursors"]:
        assert before["portfolio"] == killed["portfolio"]
        assert before["positions"] == killed["positions"]
        assert before["candles_processed"] == killed["candles_processed"]

    # The replay continued after its cursor to the end, each bar applied exactly once.
    candles = CandleStore(data_dir)
    start, end = to_ms(parse_utc(START, "s")), to_ms(parse_utc(END, "e"))
    expected = {s: len(candles.read(s, "5m", start, end)) for s in ("BTCUSDT", "ETHUSDT")}
    assert after["bars"] == {f"{s}/sma_cross": bars for s, bars in expected.items()}
    assert after["candles_processed"] == sum(expected.values())
    assert after["status"]["finished"] is True and after["status"]["state"] == "stopped"
    assert all(
        bar == expected[s]
        for s, bar in ((p["symbol"], p["bars"]) for p in after["status"]["pairs"])
    )
    [trade] = [t for t in after["trades"] if t["symbol"] == "BTCUSDT"]
    position = killed["positions"][0]
    assert (trade["entry_time"], trade["entry_price"], trade["qty"]) == (
        position["opened_at"],
        position["entry_price"],
        position["qty"],
    )
    # Nobody confirmed the waiting one: the restored confirmation stayed open until its
    # pair's data ended, and was then cancelled, never filled.
    assert before["pending"] and after["pending"] == []
    final = {o["id"]: o["status"] for o in after["orders"]}
    assert all(final[p["order"]["id"]] == "cancelled" for p in before["pending"])
