"""The signal payload in `/signals`, the scoreboard `/signals/scores` and the score histogram
`/signals/histogram`, over signals the real engine recorded (books driven by hand)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from scalplab.config import Settings
from scalplab.data.candles import CandleStore
from scalplab.data.stream import bars_from_frame
from scalplab.orders.models import Bar
from scalplab.simulation.runner import StepExecutor
from scalplab.simulation.views import PairSpec
from scalplab.strategies.signal import Signal

BREAKDOWN = {"ask_dominance": 0.64, "ask_dominance_score": 85.0, "sweep": 1.0}


def step(executor: StepExecutor, bar: Bar, signal: Signal | None = None) -> None:
    executor.on_bar(bar)
    if signal is not None:
        executor.on_signal(bar, signal)
    executor.checkpoint()


def rated(bar: Bar, score: float | None, tier: str | None = None) -> Signal:
    """A long at the close (1 % stop, 4 % target), rated `score` (None: no payload)."""
    if score is None:
        return Signal("long", bar.close, bar.close * 0.99, bar.close * 1.04, 60.0, ["bare"])
    return Signal(
        "long",
        bar.close,
        bar.close * 0.99,
        bar.close * 1.04,
        60.0,
        ["Strong OI divergence detected"],
        score=score,
        tier=tier,
        variant="A",
        breakdown=BREAKDOWN,
    )


def drive(client: TestClient, settings: Settings) -> None:
    """BTCUSDT and ETHUSDT books of sma_cross and smc: 20 plain bars, then rated signals
    (a book with an open position rejects the next signal, which is still recorded)."""
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    store = CandleStore(settings.data_dir)
    plan: list[tuple[str, str, list[float | None]]] = [
        ("BTCUSDT", "sma_cross", [40.0, 78.5, None]),  # newest scored: 78.5
        ("BTCUSDT", "smc", [95.0]),
        ("ETHUSDT", "sma_cross", [None, 12.5]),
    ]
    for symbol, strategy, scores in plan:
        bars = bars_from_frame(store.read(symbol, "15m", None, None))
        book = engine.attach(PairSpec(symbol, strategy, "15m"))
        for bar in bars[:20]:
            step(book, bar)
        for offset, score in enumerate(scores):
            tier = None if score is None else ("HIGH" if score >= 72 else "MEDIUM")
            step(book, bars[20 + offset], rated(bars[20 + offset], score, tier))


def test_signals_carry_their_payload(client: TestClient, settings: Settings) -> None:
    drive(client, settings)
    signals = client.get("/signals", params={"symbol": "BTCUSDT"}).json()
    by_score = {s["score"]: s for s in signals}
    scored = by_score[78.5]
    assert (scored["tier"], scored["variant"], scored["breakdown"]) == ("HIGH", "A", BREAKDOWN)
    assert scored["reasons"] == ["Strong OI divergence detected"]
    bare = by_score[None]
    assert (bare["tier"], bare["variant"], bare["breakdown"]) == (None, None, {})


def test_the_scoreboard_has_the_newest_score_of_each_book(
    client: TestClient, settings: Settings
) -> None:
    assert client.get("/signals/scores").json() == []
    drive(client, settings)
    board = client.get("/signals/scores").json()
    assert [(r["symbol"], r["strategy"], r["score"], r["tier"]) for r in board] == [
        ("BTCUSDT", "smc", 95.0, "HIGH"),
        ("BTCUSDT", "sma_cross", 78.5, "HIGH"),
        ("ETHUSDT", "sma_cross", 12.5, "MEDIUM"),
    ]
    signals = {s["id"]: s for s in client.get("/signals").json()}
    for row in board:
        signal = signals[row["signal_id"]]
        assert (row["time"], row["status"], row["variant"]) == (
            signal["time"],
            signal["status"],
            "A",
        )
    assert board[1]["status"] == "rejected"  # the sma_cross book held the 40.0 signal's position
    only = client.get("/signals/scores", params={"strategy": "sma_cross", "limit": 1}).json()
    assert [(r["symbol"], r["score"]) for r in only] == [("BTCUSDT", 78.5)]


def test_the_histogram_counts_the_stored_scores(client: TestClient, settings: Settings) -> None:
    empty = client.get("/signals/histogram").json()
    assert (empty["total"], empty["mean"], len(empty["bins"])) == (0, None, 10)
    drive(client, settings)
    body = client.get("/signals/histogram", params={"bins": 4}).json()
    assert body == {
        "bins": [
            {"lower": 0.0, "upper": 25.0, "count": 1},
            {"lower": 25.0, "upper": 50.0, "count": 1},
            {"lower": 50.0, "upper": 75.0, "count": 0},
            {"lower": 75.0, "upper": 100.0, "count": 2},
        ],
        "total": 4,
        "mean": pytest.approx((40.0 + 78.5 + 95.0 + 12.5) / 4),
        "strategy": None,
        "symbol": None,
    }
    btc = client.get(
        "/signals/histogram", params={"bins": 2, "symbol": "btcusdt", "strategy": "sma_cross"}
    ).json()
    assert ([b["count"] for b in btc["bins"]], btc["symbol"], btc["strategy"]) == (
        [1, 1],
        "BTCUSDT",
        "sma_cross",
    )


@pytest.mark.parametrize(
    ("path", "params", "detail"),
    [
        ("/signals/histogram", {"bins": 0}, "bins: Input should be greater than or equal to 1"),
        ("/signals/histogram", {"bins": 101}, "bins: Input should be less than or equal to 100"),
        ("/signals/histogram", {"bins": "ten"}, "bins: Input should be a valid integer"),
        ("/signals/histogram", {"symbol": "BTC/USDT"}, "invalid symbol 'BTC/USDT'"),
        ("/signals/histogram", {"strategy": ""}, "strategy: String should have at least 1"),
        ("/signals/scores", {"limit": 0}, "limit: Input should be greater than or equal to 1"),
        ("/signals/scores", {"limit": 1001}, "limit: Input should be less than or equal to 1000"),
        ("/signals/scores", {"strategy": "x" * 65}, "strategy: String should have at most 64"),
    ],
)
def test_bad_parameters_are_422_with_a_message(
    client: TestClient, path: str, params: dict[str, Any], detail: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail)


def test_the_openapi_schema_types_the_payload_and_the_score_views(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    signal = schemas["SignalPublic"]["properties"]
    assert {"score", "tier", "variant", "breakdown"} <= set(signal)
    assert signal["breakdown"]["additionalProperties"] == {"type": "number"}
    scores = spec["paths"]["/signals/scores"]["get"]["responses"]["200"]
    assert scores["content"]["application/json"]["schema"]["items"]["$ref"].endswith(
        "/ScoreboardRowPublic"
    )
    histogram = spec["paths"]["/signals/histogram"]["get"]["responses"]["200"]
    assert histogram["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ScoreHistogramPublic"
    )
