"""`GET /simulation/heat` and `GET /simulation/risk-events?strategy=`, on the real app.

Books of BTCUSDT are driven by hand on the REAL sample's 15m bars (as
`tests.api.test_signals` does): a `confluence_15m` short with its ladder and an
`sma_cross` long. The heat is each book's quantity × |entry − current stop| in % of the
equity, checked against the positions the API lists; the cap is confluence_15m's
`PortfolioHeat` breaker (6 %). A waiting entry (confirmation on) counts at its
reference price; a blocked signal's risk event is found under its strategy only.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from scalplab.config import Settings
from scalplab.strategies.breakers import BreakerInputs, UtcHours
from tests.api.test_signals import hand_driven, long_signal, sample_bars
from tests.notify.conftest import step
from tests.notify.test_confluence import confluence_signal


def test_heat_without_books_is_zero_against_the_declared_cap(client: TestClient) -> None:
    body = client.get("/simulation/heat").json()
    assert body == {
        "equity": 10_000.0,
        "open_risk": 0,
        "heat_pct": 0.0,
        "cap_pct": None,
        "free_pct": None,
        "caps": [],
        "books": [],
    }
    capped = client.get("/simulation/heat", params={"strategy": "confluence_15m"}).json()
    assert (capped["cap_pct"], capped["free_pct"]) == (6.0, 6.0)
    assert capped["caps"] == [
        {
            "strategy": "confluence_15m",
            "breaker": "conf_heat",
            "max_pct": 6.0,
            "min_free_pct": 1.0,
            "scope": "global",
            "heat_pct": 0.0,
            "free_pct": 6.0,
        }
    ]
    missing = client.get("/simulation/heat", params={"strategy": "nope"})
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("unknown strategy 'nope'")
    assert client.get("/simulation/heat", params={"strategy": ""}).status_code == 422


def test_heat_sums_each_books_risk_from_entry_to_its_stop(
    client: TestClient, settings: Settings
) -> None:
    assert client.patch("/settings", json={"risk": {"min_rr": 2.0}}).status_code == 200
    conf, sma = hand_driven(client, settings, "confluence_15m", "sma_cross")
    bars = sample_bars(settings)
    step(conf, bars[20], confluence_signal(bars[20], "short", 400.0))
    step(sma, bars[20], long_signal(bars[20], 0.04))
    for bar in bars[21:30]:  # TP1 of the short fills on bar 29: its stop moves to the entry
        step(conf, bar)
        step(sma, bar)
    positions = {p["strategy"]: p for p in client.get("/simulation/positions").json()}
    short, long_ = positions["confluence_15m"], positions["sma_cross"]
    assert short["qty"] == pytest.approx(0.15)  # 0.25 less TP1's 0.1
    assert short["stop_loss"] == pytest.approx(107218.6)  # breakeven: the fill on the tick
    risk_short = short["qty"] * max(0.0, short["stop_loss"] - short["entry_price"])
    risk_long = long_["qty"] * (long_["entry_price"] - long_["stop_loss"])
    equity = client.get("/simulation/portfolio").json()["equity"]

    body = client.get("/simulation/heat").json()
    assert body["equity"] == pytest.approx(equity)
    assert body["open_risk"] == pytest.approx(risk_short + risk_long)
    assert body["heat_pct"] == pytest.approx((risk_short + risk_long) / equity * 100)
    assert body["cap_pct"] == 6.0
    assert body["free_pct"] == pytest.approx(6.0 - body["heat_pct"])
    [cap] = body["caps"]
    assert (cap["strategy"], cap["breaker"], cap["heat_pct"]) == (
        "confluence_15m",
        "conf_heat",
        pytest.approx(body["heat_pct"]),
    )
    assert [(b["strategy"], b["state"], b["side"]) for b in body["books"]] == [
        ("sma_cross", "position", "long"),  # the largest risk first
        ("confluence_15m", "position", "short"),
    ]
    by_strategy = {b["strategy"]: b for b in body["books"]}
    assert by_strategy["confluence_15m"]["risk"] == pytest.approx(risk_short, abs=1e-9)
    assert by_strategy["confluence_15m"]["risk"] < 0.01  # a breakeven stop risks ~nothing
    assert by_strategy["sma_cross"]["risk_pct"] == pytest.approx(risk_long / equity * 100)
    assert (by_strategy["sma_cross"]["entry"], by_strategy["sma_cross"]["stop"]) == (
        long_["entry_price"],
        long_["stop_loss"],
    )


def test_a_waiting_entry_counts_and_risk_events_filter_by_strategy(
    client: TestClient, settings: Settings
) -> None:
    assert client.patch("/settings", json={"confirm_orders": True}).status_code == 200
    sma, smc = hand_driven(client, settings, "sma_cross", "smc")
    bar = sample_bars(settings)[20]
    step(sma, bar, long_signal(bar, 0.04))  # waits for a confirmation
    once = BreakerInputs((UtcHours("once_a_day", tuple(range(24))),), ())
    smc.on_bar(bar)
    smc.on_signal(bar, long_signal(bar, 0.04), once)  # blocked
    smc.checkpoint()
    [book] = client.get("/simulation/heat").json()["books"]
    [order] = [
        o
        for o in client.get("/orders").json()
        if o["status"] == "pending_confirmation" and o["parent_id"] is None
    ]
    qty = float(order["qty"])
    assert (book["strategy"], book["state"], book["qty"], book["entry"]) == (
        "sma_cross",
        "waiting",
        None,
        None,
    )
    assert book["risk"] == pytest.approx(qty * (bar.close - float(order["stop_loss"])))
    [event] = client.get("/simulation/risk-events", params={"strategy": "smc"}).json()
    assert (event["strategy"], event["breaker"]) == ("smc", "once_a_day")
    assert client.get("/simulation/risk-events", params={"strategy": "sma_cross"}).json() == []
    assert len(client.get("/simulation/risk-events").json()) == 1
