"""`scalplab sweep` and `scalplab sweeps`: JSON and text output, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from scalplab.cli import main
from scalplab.config import get_settings

ARGS = [
    "sweep",
    "--pair",
    "BTCUSDT",
    "--strategy",
    "sma_cross",
    "--tf",
    "15m",
    "--start",
    "2025-06-17",
    "--end",
    "2025-06-24",
    "--param",
    "rr=2",
    "--risk",
    "min_rr=1.5",
    "--grid",
    "fast=4:8:2",
    "--grid",
    "slow=30,40",
    "--objective",
    "net_pnl",
    "--workers",
    "1",
    "--verify-top",
    "2",
    "--verify-sample",
    "1",
]


@pytest.fixture
def env(sweep_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DATA_DIR", str(sweep_dir))
    get_settings.cache_clear()
    yield sweep_dir
    get_settings.cache_clear()


def test_sweep_json_then_list_and_show(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*ARGS, "--json"]) == 0
    sweep = json.loads(capsys.readouterr().out)
    assert sweep["status"] == "done"
    assert sweep["request"]["grid"] == ["fast=4:8:2", "slow=30,40"]
    screened = [t for t in sweep["trials"] if t["kind"] == "screen"]
    assert len(screened) == 6
    assert {t["path"] for t in screened} == {"fast"}
    assert sweep["summary"]["verification"]["ok"] is True
    assert sweep["summary"]["best"]["params"].keys() == {"fast", "slow"}

    assert main(["sweeps", "list", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["id"] == sweep["id"]
    assert main(["sweeps", "list"]) == 0
    assert sweep["id"] in capsys.readouterr().out

    assert main(["sweeps", "show", sweep["id"]]) == 0
    text = capsys.readouterr().out
    assert f"sweep {sweep['id']}: BTCUSDT sma_cross 15m" in text
    assert "fast-path verification: 3 re-run through Backtrader, 0 differ: ok" in text
    assert "best 6:" in text
    assert "fast=" in text and "slow=" in text


def test_walk_forward_in_the_terminal(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*ARGS, "--walk-forward", "3d/2d"]) == 0
    captured = capsys.readouterr()
    assert "task " in captured.err  # progress with ETA on stderr
    assert "walk-forward 3d/2d: 2 windows" in captured.out
    assert "out of sample:" in captured.out
    assert "window 0: train" in captured.out
    assert "  out of sample gates (seed 002 §12.3) " in captured.out
    assert "  in sample gates (seed 002 §12.3) " in captured.out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--grid", "stop_pct=2:1:0.5"], "error: --grid stop_pct='2:1:0.5' has no values (STOP"),
        (["--sampler", "tpe", "--trials", "99"], "cannot produce that many"),
        (["--walk-forward", "1h/15m"], "fewer than the"),
        (["--walk-forward", "bogus"], "must look like TRAIN/TEST"),
        (["--engine", "ray"], "RAY_ADDRESS 'not an address' must be auto, local or host:port"),
    ],
)
def test_bad_sweeps_exit_with_one_line(
    env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    extra: list[str],
    message: str,
) -> None:
    monkeypatch.setenv("RAY_ADDRESS", "not an address")
    get_settings.cache_clear()
    assert main([*ARGS, *extra]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert main(["sweeps", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # nothing was stored


def test_resume_and_show_refuse_what_they_cannot_do(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sweeps", "show", "nope"]) == 2
    assert "no sweep 'nope'" in capsys.readouterr().err
    assert main([*ARGS, "--json"]) == 0
    sweep_id = json.loads(capsys.readouterr().out)["id"]
    assert main(["sweeps", "resume", sweep_id]) == 2
    assert (
        "is done: only a failed, cancelled or interrupted sweep resumes" in capsys.readouterr().err
    )
