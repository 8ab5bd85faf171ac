"""`/market`: stored symbols with spans, and candles exactly as the real data has them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from scalplab.api.app import create_app
from scalplab.data.candles import CandleStore
from scalplab.data.samples import default_samples_dir
from scalplab.errors import InputError
from scalplab.services.market import MarketService
from scalplab.timeutil import parse_utc
from tests.api.conftest import api_client
from tests.conftest import make_settings, real_klines

WEEK_START_S = 1_750_118_400  # 2025-06-17T00:00:00Z


def _sample_rows(symbol: str) -> pd.DataFrame:
    return pd.read_csv(default_samples_dir() / "klines" / f"{symbol}-1m.csv.gz")


def test_symbols_list_every_readable_timeframe(client: TestClient) -> None:
    body = client.get("/market/symbols").json()
    assert [entry["symbol"] for entry in body] == ["BTCUSDT", "ETHUSDT"]
    spans = {span["timeframe"]: span for span in body[0]["timeframes"]}
    assert spans["1m"] == {
        "timeframe": "1m",
        "stored": True,
        "first": "2025-06-17T00:00:00Z",
        "last": "2025-06-23T23:59:00Z",
        "bars": 10080,
    }
    assert spans["1h"] == {
        "timeframe": "1h",
        "stored": False,
        "first": "2025-06-17T00:00:00Z",
        "last": "2025-06-23T23:00:00Z",
        "bars": 168,
    }
    assert list(spans) == [
        "1m",
        "3m",
        "5m",
        "15m",
        "30m",
        "1h",
        "2h",
        "4h",
        "6h",
        "8h",
        "12h",
        "1d",
    ]
    assert client.get("/market/symbols").json() == body  # served from the cache


def test_symbols_listing_follows_new_imports(client: TestClient, data_dir: Path) -> None:
    assert len(client.get("/market/symbols").json()) == 2
    sol = real_klines("SOLUSDT").head(120)
    CandleStore(data_dir).merge("SOLUSDT", "1m", sol)
    symbols = [entry["symbol"] for entry in client.get("/market/symbols").json()]
    assert symbols == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]


def test_one_unreadable_file_does_not_hide_the_other_symbols(
    client: TestClient, data_dir: Path
) -> None:
    before = client.get("/market/symbols").json()
    assert [entry["error"] for entry in before] == [None, None]
    eth = CandleStore(data_dir).path("ETHUSDT", "1m")
    eth.write_bytes(eth.read_bytes()[:-64])  # the footer is gone
    response = client.get("/market/symbols")
    assert response.status_code == 200
    btc, broken = response.json()
    assert btc == before[0]
    assert (broken["symbol"], broken["timeframes"]) == ("ETHUSDT", [])
    assert broken["error"].startswith("unreadable ETHUSDT 1m candle file: ")
    assert str(data_dir) not in response.text


def test_candles_are_the_stored_real_rows(client: TestClient) -> None:
    response = client.get(
        "/market/candles/btcusdt",
        params={"tf": "1m", "start": "2025-06-17", "end": "2025-06-17T01:00:00Z"},
    )
    assert response.status_code == 200
    candles = response.json()
    rows = _sample_rows("BTCUSDT").head(60)
    assert len(candles) == 60
    assert candles[0]["time"] == WEEK_START_S
    for candle, (_, row) in zip(candles, rows.iterrows(), strict=True):
        assert candle == {
            "time": int(row["open_time"]) // 1000,
            "open": row["open"],
            "high": row["high"],
            "low": row["low"],
            "close": row["close"],
            "volume": row["volume"],
        }


def test_candles_resampled_to_one_hour(client: TestClient) -> None:
    candles = client.get(
        "/market/candles/ETHUSDT", params={"tf": "1h", "start": "2025-06-18", "end": "2025-06-19"}
    ).json()
    rows = _sample_rows("ETHUSDT")
    first_hour = rows[(rows.open_time >= 1_750_204_800_000) & (rows.open_time < 1_750_208_400_000)]
    assert len(candles) == 24
    assert candles[0] == {
        "time": 1_750_204_800,
        "open": first_hour["open"].iloc[0],
        "high": first_hour["high"].max(),
        "low": first_hour["low"].min(),
        "close": first_hour["close"].iloc[-1],
        "volume": pytest.approx(first_hour["volume"].sum()),
    }


def test_candles_default_to_the_latest_thousand_bars(client: TestClient) -> None:
    candles = client.get("/market/candles/BTCUSDT").json()
    assert len(candles) == 1000
    assert candles[-1]["time"] == 1_750_723_140  # 2025-06-23T23:59:00Z


@pytest.mark.parametrize(
    ("symbol", "params", "detail"),
    [
        (
            "BTCUSDT",
            {"start": "2024-01-01", "end": "2024-01-02"},
            "no BTCUSDT 1m candles from 2024-01-01T00:00:00Z to 2024-01-02T00:00:00Z; "
            "stored 1m: 2025-06-17T00:00:00Z to 2025-06-23T23:59:00Z",
        ),
        ("SOLUSDT", {}, "no SOLUSDT 1m candles stored for binance"),
        ("BTC-USDT!", {}, "invalid symbol 'BTC-USDT!'"),
        ("BTCUSDT", {"tf": "9m"}, "unknown timeframe '9m'"),
        ("BTCUSDT", {"start": "2025-06-18", "end": "2025-06-17"}, "start must be before end"),
        ("BTCUSDT", {"start": "soon"}, "start: Value error, 'soon' is not an ISO-8601 date"),
    ],
)
def test_candle_errors_are_422_with_a_message(
    client: TestClient, symbol: str, params: dict[str, str], detail: str
) -> None:
    response = client.get(f"/market/candles/{symbol}", params=params)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail), response.json()


@pytest.fixture
def month_client(tmp_path: Path) -> Iterator[TestClient]:
    """An app over the full real 30 days of BTCUSDT 1m (43,200 bars)."""
    data_dir = tmp_path / "month"
    CandleStore(data_dir).merge("BTCUSDT", "1m", real_klines("BTCUSDT"))
    with api_client(create_app(make_settings(data_dir), web_dist=tmp_path / "x")) as client:
        yield client


def test_the_longest_backtest_is_charted_whole(month_client: TestClient) -> None:
    month = month_client.get(
        "/market/candles/BTCUSDT", params={"start": "2025-05-25", "end": "2025-06-25"}
    )
    assert month.status_code == 200, month.json()
    assert len(month.json()) == 43_199  # every stored bar of the 30 days


def test_more_bars_than_the_limit_are_refused(tmp_path: Path) -> None:
    store = CandleStore(tmp_path)
    store.merge("BTCUSDT", "1m", real_klines("BTCUSDT"))
    market = MarketService(store, max_bars=20_000)
    half_month = (parse_utc("2025-05-26", "start"), parse_utc("2025-06-10", "end"))
    with pytest.raises(InputError) as refused:
        market.candles_between("BTCUSDT", "1m", *half_month)
    assert str(refused.value) == (
        "the range holds up to 21600 1m bars, more than 20000: "
        "narrow start/end or use a longer timeframe"
    )
    as_15m = market.candles_between("BTCUSDT", "15m", *half_month)
    assert len(as_15m.time) == 15 * 96
