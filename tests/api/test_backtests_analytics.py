"""`/backtests/{id}`: a result's trade analytics (issue 13), and null for an older result."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from scalplab.api.schemas.backtests import BacktestResultPublic
from scalplab.backtests.runner import run_backtest
from scalplab.backtests.storage import ResultStore
from scalplab.config import Settings
from scalplab.orders.gates import positions_of_result
from scalplab.orders.runs import RunRequest


def test_the_result_carries_analytics_and_an_older_result_says_none(
    client: TestClient, settings: Settings
) -> None:
    request = RunRequest(
        "BTCUSDT",
        "sma_cross",
        "15m",
        datetime(2025, 6, 17, tzinfo=UTC),
        datetime(2025, 6, 20, tzinfo=UTC),
        {"fast": 5},
    )
    result = run_backtest(request, settings)
    store = ResultStore(settings)
    store.save(result)
    store.close()

    body = client.get(f"/backtests/{result['id']}").json()["result"]
    analytics = BacktestResultPublic.model_validate(body).analytics
    assert analytics is not None
    positions = positions_of_result(body)
    assert positions, "the sample run trades"
    assert len(analytics.positions) == len(positions)
    assert [p.pnl for p in analytics.positions] == [p.pnl for p in positions]
    long, short = analytics.sides
    assert (long.side, short.side) == ("long", "short")
    assert long.positions + short.positions == len(positions)
    assert sum(b.count for b in analytics.histogram) == len(positions)
    assert 0 < len(analytics.underwater) <= 1_000
    deepest = min(v for _, v in analytics.underwater)
    assert abs(deepest + body["metrics"]["max_drawdown_pct"]) < 1e-3  # the deepest is kept
    for stats in analytics.positions:
        assert stats.duration_min > 0 and stats.mae_pct is not None and stats.mfe_pct is not None
        assert stats.mae_pct >= 0 and stats.mfe_pct >= 0
    days = [d.period for d in analytics.daily]
    assert days == ["2025-06-17", "2025-06-18", "2025-06-19"]
    assert [m.period for m in analytics.monthly] == ["2025-06"]
    final = body["metrics"]["final_equity"]
    assert abs(analytics.monthly[0].end_equity - final) < 1e-6

    [path] = (settings.data_dir / "backtests").rglob("*.json")
    old = {k: v for k, v in result.items() if k != "analytics"}
    path.write_text(json.dumps(old), encoding="utf-8")
    body = client.get(f"/backtests/{result['id']}").json()["result"]
    assert "analytics" not in body or body["analytics"] is None
    assert BacktestResultPublic.model_validate(body).analytics is None
