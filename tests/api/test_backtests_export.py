"""`GET /backtests/{id}/trades.csv` and `/result.json`: downloads of a stored result."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from scalplab.backtests.storage import ResultStore
from scalplab.config import Settings
from scalplab.orders.runs import RunRequest
from scalplab.services.backtests import TRADE_COLUMNS
from tests.api.conftest import store_result

REQUEST = RunRequest(
    "BTCUSDT",
    "sma_cross",
    "15m",
    datetime(2025, 6, 17, tzinfo=UTC),
    datetime(2025, 6, 24, tzinfo=UTC),
    {"fast": 5},
)


def _stored(settings: Settings) -> dict[str, Any]:
    return store_result(settings, REQUEST)


def test_trades_csv_holds_every_trade_of_the_result(client: TestClient, settings: Settings) -> None:
    result = _stored(settings)
    trades = result["trades"]
    assert trades, "the sample run must trade"

    response = client.get(f"/backtests/{result['id']}/trades.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="BTCUSDT_sma_cross_15m_{result["id"]}_trades.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert tuple(rows[0]) == TRADE_COLUMNS
    parsed = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(parsed) == len(trades)
    for row, trade in zip(parsed, trades, strict=True):
        for column in ("symbol", "strategy", "side", "exit_reason", "entry_time", "exit_time"):
            assert row[column] == trade[column]
        assert row["entry_time"].endswith("Z")
        for column in ("entry_price", "exit_price", "qty", "fees", "funding", "pnl"):
            assert "e" not in row[column].lower(), row[column]  # plain decimals
            assert float(row[column]) == trade[column]


def test_result_json_is_the_stored_file_as_it_is(client: TestClient, settings: Settings) -> None:
    result = _stored(settings)
    response = client.get(f"/backtests/{result['id']}/result.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="BTCUSDT_sma_cross_15m_{result["id"]}_result.json"'
    )
    stored = next((settings.data_dir / "backtests").rglob(f"*_{result['id']}.json"))
    assert response.content == stored.read_bytes()
    assert json.loads(response.content)["result_hash"] == result["result_hash"]


def test_exports_are_404_for_an_unknown_id_and_409_while_unfinished(
    client: TestClient, settings: Settings
) -> None:
    for suffix in ("trades.csv", "result.json"):
        response = client.get(f"/backtests/nope/{suffix}")
        assert response.status_code == 404
        assert response.json() == {"detail": "no backtest with id 'nope'"}

    store = ResultStore(settings)
    try:
        job_id = store.create_job(REQUEST, strategy_version="1")
    finally:
        store.close()
    for suffix in ("trades.csv", "result.json"):
        response = client.get(f"/backtests/{job_id}/{suffix}")
        assert response.status_code == 409
        assert "no result yet" in response.json()["detail"]
