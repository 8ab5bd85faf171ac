"""Backtest submissions are validated before anything is queued: risk overrides included."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from scalplab.errors import InputError, NoDataError
from scalplab.orders.runs import RunRequest
from scalplab.services.context import Services


def run(**changes: Any) -> RunRequest:
    base: dict[str, Any] = {
        "pair": "BTCUSDT",
        "strategy": "sma_cross",
        "timeframe": "15m",
        "start": datetime(2025, 6, 17, tzinfo=UTC),
        "end": datetime(2025, 6, 24, tzinfo=UTC),
    }
    return RunRequest(**{**base, **changes})


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        (
            {"risk": {"max_spread": 1}},
            InputError,
            "invalid risk settings: max_spread: Extra inputs are not permitted",
        ),
        (
            {"risk": {"max_open_positions": -1}},
            InputError,
            "invalid risk settings: max_open_positions: Input should be greater than or equal",
        ),
        (
            {"start": datetime(2025, 6, 10, tzinfo=UTC)},
            NoDataError,
            "the stored BTCUSDT 15m candles cover only part of 2025-06-10T00:00:00Z to "
            "2025-06-24T00:00:00Z (stored: 2025-06-17T00:00:00Z to 2025-06-24T00:00:00Z): "
            "narrow the range or set allow_partial",
        ),
        (
            {"start": datetime(2025, 6, 1, tzinfo=UTC), "end": datetime(2025, 6, 8, tzinfo=UTC)},
            NoDataError,
            "no BTCUSDT 15m candles from 2025-06-01T00:00:00Z to 2025-06-08T00:00:00Z",
        ),
    ],
)
def test_a_bad_run_queues_nothing(
    services: Services, changes: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        services.backtests.submit(run(**changes))
    assert str(raised.value).startswith(message)
    assert services.backtests.list() == []
    assert services.worker.pending() == []


def test_a_partly_covered_range_runs_when_allowed(services: Services) -> None:
    queued = services.backtests.submit(
        run(
            start=datetime(2025, 6, 20, tzinfo=UTC),
            end=datetime(2025, 6, 27, tzinfo=UTC),
            allow_partial=True,
            risk={"min_rr": 2},
            breakers=False,
        )
    )
    assert queued.status == "queued"
    [summary] = services.backtests.list()
    assert (summary.id, summary.pair, summary.strategy) == (queued.id, "BTCUSDT", "sma_cross")
    assert summary.params["fast"] == 10  # the defaults the run uses are recorded
    services.backtests.delete(queued.id)
    assert services.backtests.list() == []
