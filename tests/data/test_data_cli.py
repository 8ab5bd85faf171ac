"""`scalplab data …` end to end through `scalplab.cli.main`, on real files and a replay server."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scalplab.cli import main
from scalplab.data.adapters.binance.fake_rest import ReplayServer
from scalplab.data.candles import CandleStore
from scalplab.data.funding import FundingStore
from scalplab.data.symbols import RulesStore
from tests.conftest import corrupt_candle_file
from tests.data.conftest import BTC_1M, BTC_FUNDING, EXCHANGE_INFO, NEAR_1M, tree_digest


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_settings_cache: None) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(folder))
    return folder


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_import_klines_and_funding(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["data", "import", str(BTC_1M), "--symbol", "btcusdt", "--tf", "1m"], capsys
    )
    assert (code, err) == (0, "")
    assert f"imported {BTC_1M} into BTCUSDT 1m" in out
    assert "rows read: 43199 (6 columns), span 2025-05-25T10:33:00Z → 2025-06-24T10:31:00Z" in out
    assert "added: 43199, now stored: 43199" in out
    assert "gaps: none" in out
    assert CandleStore(data_dir).span("BTCUSDT", "1m")[2] == 43_199

    code, out, _ = run(
        ["data", "import", str(BTC_FUNDING), "--symbol", "BTCUSDT", "--funding"], capsys
    )
    assert code == 0 and "into BTCUSDT funding" in out and "added: 329" in out
    assert len(FundingStore(data_dir).read("BTCUSDT")) == 329

    code, out, _ = run(["data", "import", str(NEAR_1M), "--symbol", "NEARUSDT", "--json"], capsys)
    payload = json.loads(out)
    assert (code, payload["columns"], payload["added"], payload["kind"]) == (0, 12, 40_320, "1m")


def test_import_reports_gaps(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = BTC_1M.read_text().splitlines()
    holed = tmp_path / "holed.csv"
    holed.write_text("\n".join(lines[:50] + lines[53:100]) + "\n")
    code, out, _ = run(["data", "import", str(holed), "--symbol", "BTCUSDT"], capsys)
    assert code == 0
    assert "gaps: 1 (3 bars missing, kept as holes)" in out
    assert "2025-05-25T11:21:00Z → 2025-05-25T11:25:00Z (3 bars missing)" in out


def test_malformed_import_is_one_error_line(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["data", "import", str(BTC_1M), "--symbol", "BTCUSDT"], capsys)
    before = tree_digest(data_dir)
    lines = BTC_1M.read_text().splitlines()
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([*lines[:10], "1748169780000,1,2,3", *lines[11:20]]) + "\n")
    code, out, err = run(["data", "import", str(bad), "--symbol", "BTCUSDT"], capsys)
    assert code == 3
    assert out == ""
    assert err == f"error: {bad}: line 11: expected 6 columns, found 4; nothing was imported\n"
    assert tree_digest(data_dir) == before


def test_check_ok_gaps_and_corruption(
    data_dir: Path, capsys: pytest.CaptureFixture[str], btc_csv: pd.DataFrame
) -> None:
    code, _, err = run(["data", "check", "--symbol", "BTCUSDT", "--tf", "1m"], capsys)
    assert code == 3 and err.startswith("error: no BTCUSDT 1m candles stored")

    CandleStore(data_dir).merge("BTCUSDT", "1m", btc_csv.drop(index=range(10, 15)))
    code, out, _ = run(["data", "check", "--symbol", "BTCUSDT", "--tf", "1m"], capsys)
    assert code == 0
    assert out.splitlines()[0] == (
        "BTCUSDT 1m: 43194 rows, 2025-05-25T10:33:00Z → 2025-06-24T10:31:00Z"
    )
    assert "gaps: 1 (5 bars missing, kept as holes)" in out
    assert out.rstrip().endswith("status: ok")

    code, out, _ = run(["data", "check", "--symbol", "BTCUSDT", "--tf", "15m", "--json"], capsys)
    payload = json.loads(out)
    assert (code, payload["ok"], payload["resampled_from"]) == (0, True, "1m")

    corrupt = btc_csv.iloc[:40].copy()
    corrupt.loc[3, "high"] = corrupt.loc[3, "low"] - 5
    corrupt = pd.concat([corrupt, corrupt.iloc[[7]]])
    path = CandleStore(data_dir).path("ETHUSDT", "1m")
    path.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pandas(corrupt, preserve_index=False), path)
    code, out, _ = run(["data", "check", "--symbol", "ETHUSDT", "--tf", "1m"], capsys)
    assert code == 3
    assert "duplicate open times: 1\n  2025-05-25T10:40:00Z" in out
    assert "OHLC violations: 1\n  2025-05-25T10:36:00Z" in out
    assert "status: CORRUPT" in out
    code, out, _ = run(["data", "check", "--symbol", "ETHUSDT", "--json"], capsys)
    payload = json.loads(out)
    assert (code, payload["ok"], payload["ohlc_violations"]) == (3, False, ["2025-05-25T10:36:00Z"])


def test_check_truncated_file(
    data_dir: Path, capsys: pytest.CaptureFixture[str], btc_csv: pd.DataFrame
) -> None:
    store = CandleStore(data_dir)
    store.merge("BTCUSDT", "1m", btc_csv.iloc[:500])
    path = store.path("BTCUSDT", "1m")
    path.write_bytes(path.read_bytes()[:300])
    code, out, err = run(["data", "check", "--symbol", "BTCUSDT"], capsys)
    assert code == 3 and out == ""
    assert err.startswith("error: unreadable BTCUSDT 1m candle file: ")
    assert str(path.parent) not in err
    assert err.count("\n") == 1


def test_download_and_rules_from_a_server(
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    replay: ReplayServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REST_URL", replay.base_url)
    code, out, err = run(["data", "rules"], capsys)
    assert (code, err) == (0, "")
    assert out.startswith(f"saved trading rules for 122 symbols from {replay.base_url}/fapi/v1/")
    assert RulesStore(data_dir).get("ETHUSDT").step_size > 0

    # `--days 1` from the real clock asks for dates after the recording: nothing comes back.
    code, out, _ = run(
        ["data", "download", "--symbol", "BTCUSDT", "--tf", "1m", "--days", "1",
         "--base-url", replay.base_url, "--json"],
        capsys,
    )  # fmt: skip
    payload = json.loads(out)
    assert (code, payload["requests"], payload["added"], payload["total"]) == (0, 1, 0, 0)

    code, out, _ = run(["data", "download", "--symbol", "NOSUCHUSDT", "--days", "2"], capsys)
    assert code == 2


def test_download_human_output(
    data_dir: Path, capsys: pytest.CaptureFixture[str], replay: ReplayServer
) -> None:
    code, out, _ = run(
        ["data", "download", "--symbol", "BTCUSDT", "--days", "3", "--base-url", replay.base_url],
        capsys,
    )
    assert code == 0
    assert out.startswith("downloaded BTCUSDT 1m ")
    assert f"from {replay.base_url}" in out
    assert "requests: 1 (retries 0, waited 0.0 s)" in out


def test_rules_from_file_and_errors(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["data", "rules", "--file", str(EXCHANGE_INFO)], capsys)
    assert code == 0 and "saved trading rules for 122 symbols" in out
    code, _, err = run(["data", "rules", "--file", str(tmp_path / "none.json")], capsys)
    assert (code, err) == (2, f"error: no such file: {tmp_path / 'none.json'}\n")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    code, _, err = run(["data", "rules", "--file", str(broken)], capsys)
    assert code == 3 and err.startswith(f"error: {broken}: invalid JSON")
    code, _, err = run(["data", "rules", "--file", str(tmp_path)], capsys)
    assert code == 2 and "cannot read" in err


def test_samples_and_list(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["data", "list"], capsys)
    assert code == 0 and "no candles stored" in out

    code, out, _ = run(["data", "samples"], capsys)
    assert code == 0
    assert "imported sample BTCUSDT 1m: 10080 candles 2025-06-17T00:00:00Z" in out
    assert "imported sample ETHUSDT funding: 22 settlements" in out
    assert "cached 2021 sample trading rules for 122 symbols" in out

    code, out, _ = run(["data", "samples"], capsys)
    assert code == 0 and "already has candles; sample not imported" in out

    code, out, _ = run(["data", "list"], capsys)
    assert code == 0
    assert "BTCUSDT       1m   2025-06-17T00:00:00Z  2025-06-23T23:59:00Z      10080" in out
    assert "funding ETHUSDT: 22 settlements" in out
    assert "symbol rules cached: 122" in out

    code, out, _ = run(["data", "list", "--json"], capsys)
    inventory = json.loads(out)
    assert [(c["symbol"], c["timeframe"], c["rows"]) for c in inventory["candles"]] == [
        ("BTCUSDT", "1m", 10_080),
        ("ETHUSDT", "1m", 10_080),
    ]
    assert inventory["funding"][0] == {
        "symbol": "BTCUSDT", "rows": 22,
        "first": "2025-06-16T16:00:00.003Z", "last": "2025-06-23T16:00:00.013Z",
    }  # fmt: skip
    assert inventory["rules_symbols"] == 122


def test_samples_keeps_existing_rules(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    RulesStore(data_dir).save_exchange_info(json.loads(EXCHANGE_INFO.read_text()))
    code, out, _ = run(["data", "samples"], capsys)
    assert code == 0 and "kept the existing symbol-rules cache" in out


def test_argument_errors(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["data", "import", str(BTC_1M), "--symbol", "BTCUSDT", "--tf", "7m"],
        ["data", "import", str(BTC_1M), "--symbol", "BTCUSDT", "--tf", "1m", "--funding"],
        ["data", "download", "--symbol", "BTCUSDT", "--days", "0"],
        ["data", "download", "--symbol", "BTCUSDT", "--days", "two"],
        ["data", "rules", "--file", "x.json", "--base-url", "http://127.0.0.1:1"],
        ["data"],
    ):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err
    code, _, err = run(["data", "check", "--symbol", "BTC/USDT"], capsys)
    assert code == 2 and "invalid symbol" in err


def test_long_lists_are_summarised(
    data_dir: Path, capsys: pytest.CaptureFixture[str], btc_csv: pd.DataFrame
) -> None:
    CandleStore(data_dir).merge("BTCUSDT", "1m", btc_csv.iloc[: 12 * 10 : 10])
    code, out, _ = run(["data", "check", "--symbol", "BTCUSDT"], capsys)
    assert code == 0
    assert "gaps: 11 (99 bars missing, kept as holes)" in out
    assert "  … and 1 more" in out


def test_list_shows_an_unreadable_file_and_every_other(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["data", "samples"], capsys)[0] == 0
    eth = CandleStore(data_dir).path("ETHUSDT", "1m")
    eth.write_bytes(eth.read_bytes()[:-64])  # the footer is gone
    funding = FundingStore(data_dir).path("BTCUSDT")
    funding.write_bytes(b"PAR1 not parquet")
    code, out, err = run(["data", "list"], capsys)
    assert (code, err) == (0, "")
    assert "BTCUSDT       1m   2025-06-17T00:00:00Z  2025-06-23T23:59:00Z      10080" in out
    assert "ETHUSDT       error: unreadable ETHUSDT 1m candle file: " in out
    assert "funding BTCUSDT: error: unreadable BTCUSDT funding file: " in out
    assert "funding ETHUSDT: 22 settlements" in out
    assert str(data_dir / "candles") not in out
    code, out, _ = run(["data", "list", "--json"], capsys)
    inventory = json.loads(out)
    assert inventory["candles"][0]["rows"] == 10_080
    assert inventory["candles"][1]["symbol"] == "ETHUSDT"
    assert inventory["candles"][1]["error"].startswith("unreadable ETHUSDT 1m candle file: ")


def test_check_summarises_a_corrupted_file_in_its_status(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["data", "samples"], capsys)[0] == 0
    summary = corrupt_candle_file(data_dir)
    code, out, _ = run(["data", "check", "--symbol", "BTCUSDT"], capsys)
    assert code == 3
    assert out.rstrip().endswith(f"status: CORRUPT ({summary})")
