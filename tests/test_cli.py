"""The top-level CLI: usage errors, config errors and unexpected failures stay one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scalplab.cli import main
from scalplab.config import get_settings

ROOT = Path(__file__).resolve().parents[1]


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


def test_config_error_exits_6(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], clean_settings_cache: None
) -> None:
    monkeypatch.setenv("MAX_LEVERAGE", "0")
    assert main(["strategies"]) == 6
    err = capsys.readouterr().err
    assert err.startswith("error: invalid settings: MAX_LEVERAGE") and err.count("\n") == 1


def test_unexpected_exception_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clean_settings_cache: None,
) -> None:
    monkeypatch.setenv("DATA_DIR", "/dev/null/not-a-directory")
    assert main(["results", "list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: unexpected NotADirectoryError") and err.count("\n") == 1
    get_settings.cache_clear()
    monkeypatch.setenv("DEBUG", "true")
    with pytest.raises(NotADirectoryError):
        main(["results", "list"])


def test_python_dash_m_src_and_a_closed_pipe(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        f"{sys.executable} -m src strategies | head -c 10",
        shell=True,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0 and len(proc.stdout) == 10
    assert "Traceback" not in proc.stderr
