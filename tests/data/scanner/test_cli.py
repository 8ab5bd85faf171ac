"""`scalplab scan` against the fake Binance serving the real market."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import pytest

from scalplab.cli import main
from tests.conftest import REAL
from tests.data.scanner.market import market_server


@pytest.fixture
def url(clean_settings_cache: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("REST_URL", "http://127.0.0.1:9")  # never used: --base-url wins
    with market_server() as server:
        yield server.base_url


def test_scan_prints_the_qualified_pairs_best_first(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "--base-url", url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"117 USDT-M perpetuals at {url}: 6 candidates, 5 qualified (score > 50), 110 left "
        f"out; REST weight 58, {out[0].rsplit(', ', 1)[1]}"
    )
    assert out[2].split() == ["symbol", "score", "volume", "24h", "USDT", "spread", "%", "ATR",
                              "%", "15m", "change", "%", "price", "why", "not"]  # fmt: skip
    listed = [line.split()[0] for line in out[3:8]]
    assert listed == ["SOLUSDT", "ETHUSDT", "DOGEUSDT", "XRPUSDT", "ADAUSDT"]
    assert "left out (110):" in out and out[-1] == "  … and 100 more (see --json)"


def test_scan_json_holds_every_row_with_all_and_limit(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "--base-url", url, "--json", "--all", "--limit", "6"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [row["symbol"] for row in payload["rows"]] == [
        "SOLUSDT", "ETHUSDT", "DOGEUSDT", "XRPUSDT", "BTCUSDT", "ADAUSDT"]  # fmt: skip
    btc = payload["rows"][4]
    assert btc["qualified"] is False and btc["reasons"][0].startswith("ATR(14, 15m) 0.289 %")
    assert set(btc["sub_scores"]) == {"volume", "spread", "volatility", "momentum"}
    assert (payload["universe"], payload["qualified"], payload["weight_used"]) == (117, 5, 58)
    assert payload["params"]["min_score"] == 50 and len(payload["left_out"]) == 110
    assert payload["left_out"][0] == {
        "symbol": "1000SHIBUSDT",
        "reason": "no 24h ticker from Binance",
    }


def test_min_score_raises_the_bar(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--base-url", url, "--json", "--min-score", "85.5"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows and all(row["score"] > 85.5 and row["qualified"] for row in rows)


def test_bad_input_is_one_line(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--base-url", url, "--limit", "0"]) == 2
    assert capsys.readouterr().err == "error: --limit must be at least 1, got 0\n"
    assert main(["scan", "--base-url", "ftp://x"]) == 2
    assert "must start with http://" in capsys.readouterr().err


def test_an_unreachable_binance_is_one_line_and_exit_5(
    clean_settings_cache: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "--base-url", "http://127.0.0.1:9"]) == 5
    err = capsys.readouterr().err
    assert err.startswith(
        "error: Binance REST at http://127.0.0.1:9 failed 3 times on exchangeInfo"
    )
    assert err.count("\n") == 1


def test_the_fake_market_serves_from_its_own_process() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "scalplab.data.adapters.binance.fake_market",
               "--data-dir", str(REAL), "--port", str(port), "--total", "20"]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.strip() == f"fake Binance market at http://127.0.0.1:{port}: 20 symbols"
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/fapi/v1/ticker/24hr") as answer:
                assert len(json.loads(answer.read())) == 20
        finally:
            process.terminate()
