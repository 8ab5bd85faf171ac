"""`GET /orders/pending` carries what the confirmation dialog needs, and `/signals/funnel`.

Signals are driven by hand on BTCUSDT 15m bars of the real sample (`hand_driven`), so
every figure is checked against the sizing rule of ARCHITECTURE.md worked out here:
equity 10,000 USDT, RISK_PER_TRADE_PCT 1, MAX_LEVERAGE 5, BTCUSDT step 0.001, tick 0.01
(the recorded exchangeInfo of the sample).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scalplab.config import Settings
from scalplab.orders.models import Bar
from scalplab.strategies.signal import Signal
from tests.api.conftest import add_pair, wait_for_simulation
from tests.api.test_signals import hand_driven, long_signal, sample_bars, step
from tests.conftest import make_settings

WARN_PCT = 0.05
"""PRICE_MOVE_WARN_PCT here: the sample moves less than the default 0.5 % in a few bars."""
EQUITY, RISK_PCT, LEVERAGE, STEP, TICK = 10_000.0, 1.0, 5.0, 0.001, Decimal("0.01")


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """The API's settings with a price-move warning the sample's bars reach."""
    return make_settings(data_dir, PRICE_MOVE_WARN_PCT=WARN_PCT)


def on_tick(price: float) -> float:
    """A level on the tick grid (nearest, halves away from zero)."""
    return float((Decimal(repr(price)) / TICK).quantize(Decimal(1), ROUND_HALF_UP) * TICK)


def scored(bar: Bar) -> Signal:
    """A long at the close, 1 % stop, 4 % target, with the strategy's score and breakdown."""
    return Signal(
        "long",
        bar.close,
        bar.close * 0.99,
        bar.close * 1.04,
        70.0,
        ["trend up", "volume spike"],
        score=82.5,
        tier="A",
        breakdown={"trend": 1.2, "trend_score": 30.0},
    )


def test_a_pending_signal_carries_its_figures_at_signal_time(
    client: TestClient, settings: Settings
) -> None:
    assert client.patch("/settings", json={"confirm_orders": True}).status_code == 200
    [book] = hand_driven(client, settings, "sma_cross")
    bars = sample_bars(settings)
    signal_bar = bars[20]
    step(book, signal_bar, scored(signal_bar))
    [row] = client.get("/orders/pending").json()
    facts = row["facts"]

    # By hand (ARCHITECTURE.md's sizing rule): the close of bar 20 is 107,229.30; the stop
    # 0.99 × that = 106,157.007 → tick 106,157.01 (distance 1,072.29), the target
    # 1.04 × that = 111,518.472 → 111,518.47. qty = min(10,000 × 1 % / 1,072.29 = 0.09326,
    # 10,000 × 5 / 107,229.30 = 0.4663) → step 0.093; notional 0.093 × 107,229.30 =
    # 9,972.3249, margin / 5 = 1,994.46498; risk 0.093 × 1,072.29 = 99.72297 = 0.9972297 %
    # of 10,000; reward/risk (111,518.47 − 107,229.30) / 1,072.29 = 4.00001.
    entry = signal_bar.close
    assert entry == 107_229.3
    assert on_tick(entry * 0.99) == 106_157.01 and on_tick(entry * 1.04) == 111_518.47
    assert facts["side"] == "long"
    assert facts["entry"] == entry
    assert facts["stop_loss"] == pytest.approx(106_157.01)
    assert facts["take_profits"] == [{"price": pytest.approx(111_518.47), "qty": 0.093}]
    assert facts["qty"] == 0.093 and row["order"]["qty"] == "0.093"
    assert facts["equity"] == pytest.approx(EQUITY)
    assert facts["notional"] == pytest.approx(9_972.3249)
    assert facts["leverage"] == LEVERAGE
    assert facts["initial_margin"] == pytest.approx(1_994.46498)
    assert facts["risk_usdt"] == pytest.approx(99.72297)
    assert facts["risk_pct"] == pytest.approx(0.9972297)
    assert facts["reward_risk"] == pytest.approx(4.0000093)
    raw = min(EQUITY * RISK_PCT / 100 / (entry - 106_157.01), EQUITY * LEVERAGE / entry)
    assert math.floor(raw / STEP) * STEP == pytest.approx(0.093)  # the rule, once more
    assert (facts["bar_ms"], facts["bar_time"]) == (signal_bar.open_ms, "2025-06-17T05:00:00Z")
    assert facts["reasons"] == ["trend up", "volume spike"]
    assert (facts["confidence"], facts["score"], facts["tier"]) == (70.0, 82.5, "A")
    assert facts["breakdown"] == {"trend": 1.2, "trend_score": 30.0}
    # The market now: the book's last close, no move yet; no bars left (not a paced replay).
    assert row["mark"] == entry
    assert (row["move_pct"], row["price_moved"], row["move_warn_pct"]) == (0.0, False, WARN_PCT)
    assert row["bars_left"] is None

    # The next bars move the mark (−0.036 %, then −0.081 % past the 0.05 % warning);
    # the figures stay those of the signal's time.
    step(book, bars[21])
    [later] = client.get("/orders/pending").json()
    assert later["mark"] == 107_190.3
    assert later["move_pct"] == pytest.approx((107_190.3 - entry) / entry * 100)
    assert later["price_moved"] is False
    step(book, bars[22])
    [moved] = client.get("/orders/pending").json()
    assert moved["move_pct"] == pytest.approx(-0.0814143)
    assert moved["price_moved"] is True
    assert moved["facts"] == facts


def test_the_funnel_counts_every_fate(client: TestClient, settings: Settings) -> None:
    assert client.get("/signals/funnel").json()["generated"] == 0
    assert client.patch("/settings", json={"confirm_orders": True}).status_code == 200
    [book] = hand_driven(client, settings, "sma_cross")
    bars = sample_bars(settings)
    step(book, bars[20], long_signal(bars[20], 0.04))  # waits for a person
    step(book, bars[21], long_signal(bars[21], 0.04))  # rejected: a confirmation waits
    [waiting] = client.get("/orders/pending").json()
    assert client.post(f"/orders/pending/{waiting['id']}/reject").status_code == 200
    step(book, bars[22], long_signal(bars[22], 0.02))  # rejected: reward/risk 2 < 3
    step(book, bars[23], long_signal(bars[23], 0.04))  # waits, then confirmed
    [second] = client.get("/orders/pending").json()
    assert client.post(f"/orders/pending/{second['id']}/confirm").status_code == 200
    step(book, bars[24])  # the entry fills
    step(book, bars[25], long_signal(bars[25], 0.04))  # rejected: position open
    step(book, bars[26], long_signal(bars[26], 0.04))  # rejected: position open

    funnel = client.get("/signals/funnel").json()
    assert funnel == {
        "generated": 6,
        "accepted": 1,
        "confirmed": 1,
        "pending": 0,
        "rejected": 4,
        "rejected_by_reason": [
            {"name": "position_open", "count": 2},
            {"name": "min_rr", "count": 1},
            {"name": "pending_confirmation", "count": 1},
        ],
        "rejected_by_user": 1,
        "blocked": 0,
        "blocked_by_breaker": [],
        "expired": 0,
        "cancelled": 0,
        "dropped": 0,
    }
    other = client.get("/signals/funnel", params={"symbol": "ethusdt"}).json()
    assert other["generated"] == 0
    mine = client.get("/signals/funnel", params={"strategy": "sma_cross", "symbol": "BTCUSDT"})
    assert mine.json() == funnel
    bad = client.get("/signals/funnel", params={"symbol": "BTC/USDT"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("invalid symbol")


def test_in_a_paced_replay_the_time_left_is_given_in_bars(client: TestClient) -> None:
    """Speed 9000 on 15m bars: one bar every 900 / 9000 = 0.1 s, so T seconds are 10 T bars."""
    add_pair(client)
    started = client.post(
        "/simulation/start", json={"speed": 9000, "start": "2025-06-17", "end": "2025-06-19"}
    )
    assert started.status_code == 200
    try:
        wait_for_simulation(client, lambda s: all(p["bars"] >= 1 for p in s["pairs"]))
        client.patch("/settings", json={"confirm_orders": True, "pending_ttl_seconds": 60})
        order = {"symbol": "BTCUSDT", "side": "buy", "qty": "0.002", "stop_loss": "90000"}
        assert client.post("/orders", json=order).status_code == 201
        [row] = client.get("/orders/pending").json()
        assert row["bars_left"] == math.floor(row["seconds_left"] * 9000 / 900)
        assert 590 <= row["bars_left"] <= 600
        facts = row["facts"]  # a person's order: no signal behind it
        assert (facts["side"], facts["reasons"], facts["score"]) == ("long", [], None)
        assert facts["risk_usdt"] == pytest.approx(0.002 * (facts["entry"] - 90_000))
        assert row["mark"] is not None
    finally:
        client.post("/simulation/stop")
