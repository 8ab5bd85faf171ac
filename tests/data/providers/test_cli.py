"""`scalplab providers status|fetch|record` end to end through `scalplab.cli.main`, against
the fake providers; every error is one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from scalplab.cli import main
from scalplab.data.providers.fakes import FakeProviderServer, documented_state
from scalplab.data.providers.store import stored_days


@pytest.fixture
def env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_settings_cache: None
) -> Iterator[FakeProviderServer]:
    with FakeProviderServer(documented_state()) as fake:
        monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
        for name in ("FEAR_GREED_URL", "WHALE_ALERT_URL", "MACRO_URL"):
            monkeypatch.setenv(name, fake.base_url)
        monkeypatch.setenv("PROVIDER_TIMEOUT_S", "2")
        yield fake


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_status_lists_every_provider_and_why_it_is_left_out(
    env: FakeProviderServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["providers", "status"], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        "fear_greed (sentiment): left out: fear_greed is not in PROVIDERS; 0 days stored"
    )
    assert "exchange_flows (on_chain): left out: no free exchange net-flow source" in out
    assert len(out.splitlines()) == 5


def test_fetch_prints_readings_and_left_out_layers(
    env: FakeProviderServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["providers", "fetch", "fear_greed"], capsys)
    assert (code, err) == (0, "")
    assert out == (
        "fear_greed: value 40, classification Fear (observed 2019-02-26T05:00:00Z, freshness 1)\n"
    )
    code, out, _ = run(["providers", "fetch", "fear_greed", "whale_alert", "--json"], capsys)
    payload = json.loads(out)
    assert code == 1  # a layer was left out
    fear, whale = payload["readings"]
    assert fear["available"] and fear["metrics"] == {"value": 40.0} and fear["freshness"] == 1.0
    assert whale["left_out"] == "layer left out: WHALE_ALERT_API_KEY is not set"
    monkeypatch.setenv("WHALE_ALERT_API_KEY", env.state.whale_key)
    monkeypatch.setenv("PROVIDERS", "whale_alert")
    from scalplab.config import get_settings

    get_settings.cache_clear()
    code, out, _ = run(["providers", "fetch"], capsys)
    assert code == 0 and out.startswith("whale_alert: exchange_inflow_usd 2.5e+06")
    assert env.state.whale_key not in out


def test_record_writes_snapshots_then_status_shows_them(
    env: FakeProviderServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["providers", "record", "fear_greed", "macro", "--duration", "0.3",
            "--interval", "0.1", "--json"]  # fmt: skip
    code, out, err = run(args, capsys)
    report = json.loads(out)["providers"]
    assert (code, err) == (0, "")
    assert report["fear_greed"]["recorded"] == 1  # cached for 30 min: one reading
    assert report["fear_greed"]["left_out"] == 0
    assert report["macro"]["recorded"] == 1
    assert stored_days(tmp_path / "data", "fear_greed")
    code, out, _ = run(["providers", "status", "--json"], capsys)
    rows = {row["provider"]: row for row in json.loads(out)["providers"]}
    assert rows["fear_greed"]["stored_days"] == 1
    assert rows["fear_greed"]["latest"]["metrics"] == {"value": 40.0}
    assert rows["fear_greed"]["configured"] is False  # PROVIDERS is empty: the server skips it


def test_record_of_a_provider_without_key_records_nothing(
    env: FakeProviderServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["providers", "record", "whale_alert", "--duration", "0.1"], capsys)
    assert code == 1
    assert out.startswith(
        "whale_alert: recorded 0, left out 1 (last: WHALE_ALERT_API_KEY is not set)"
    )


@pytest.mark.parametrize(
    ("args", "env_changes", "exit_code", "message"),
    [
        (["fetch"], {}, 2, "error: no provider is enabled: set PROVIDERS"),
        (["fetch", "telepathy"], {}, 2, "error: unknown provider telepathy (providers: fear_greed"),
        (["status"], {"PROVIDERS": "oracle"}, 6, "error: PROVIDERS: unknown provider oracle"),
        (["status"], {"FEAR_GREED_URL": "ftp://x"}, 6, "error: invalid settings: FEAR_GREED_URL"),
        (["record"], {}, 2, "error: no provider is enabled"),
    ],
)
def test_errors_are_one_line(
    env: FakeProviderServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    args: list[str], env_changes: dict[str, str], exit_code: int, message: str,
) -> None:  # fmt: skip
    for key, value in env_changes.items():
        monkeypatch.setenv(key, value)
    code, out, err = run(["providers", *args], capsys)
    assert (code, out) == (exit_code, "")
    assert err.startswith(message) and err.count("\n") == 1


def test_a_bad_duration_is_refused_by_the_parser(
    env: FakeProviderServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["providers", "record", "fear_greed", "--duration", "soon"])
    assert info.value.code == 2
    assert "not a number of seconds: 'soon'" in capsys.readouterr().err
