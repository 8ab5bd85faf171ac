"""Layers 3 and 4 of `confluence_15m` from provider readings (seed 002 §5, §6), the market
regime, and the backtest score from the plugin's own closed trades — each rule
hand-computed. The bar closes at C = 2025-06-17T10:00:00Z."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from scalplab.data.providers.asof import LiveReadings, RunReadings
from scalplab.data.providers.reading import ProviderReading
from scalplab.strategies.confluence_external import (
    ExternalView,
    Sub,
    combine,
    exchange_flow_score,
    external_view,
    fear_greed_score,
    macro_danger,
    macro_score,
    market_regime,
    stablecoin_score,
    whale_score,
)
from scalplab.strategies.confluence_score import agreement
from scalplab.strategies.confluence_setups import SetupHistory, backtest_layer

MIN, HOUR = 60_000, 3_600_000
C = 1_750_118_400_000 + 10 * HOUR
BAR = 15 * MIN
OPEN = C - BAR
MAX_AGE = 120 * 60.0
PROVIDERS = ("whale_alert", "fear_greed", "macro")


@pytest.mark.parametrize(
    ("deposits", "withdrawals", "score"),
    [(0, 2, 90.0), (0, 1, 80.0), (1, 2, 80.0), (1, 1, 50.0), (0, 0, 50.0), (1, 0, 25.0),
     (3, 1, 25.0)],
)  # fmt: skip
def test_whale_movements_net_the_1m_withdrawals_against_the_deposits(
    deposits: int, withdrawals: int, score: float
) -> None:
    assert whale_score(deposits, withdrawals) == score


def test_exchange_flow_scores_the_out_minus_in_share() -> None:
    assert exchange_flow_score(1e6, 4e6) == pytest.approx(80.0)  # share 0.6: 70 + 20 × 0.4/0.8
    assert exchange_flow_score(3e6, 1e6) == pytest.approx(32.5)  # −0.5: 40 − 20 × 0.3/0.8
    assert exchange_flow_score(1e6, 1.2e6) == 50.0  # share 0.09: neutral
    assert exchange_flow_score(0.0, 0.0) == 50.0  # no large transfer
    assert exchange_flow_score(0.0, 5e6) == pytest.approx(90.0)  # all outflow
    # an outflow over 2 standard deviations above the day: 90 + 10 × min(1, (z − 2) / 2)
    assert exchange_flow_score(1e6, 4e6, z=3.0) == pytest.approx(95.0)
    assert exchange_flow_score(1e6, 4e6, z=5.0) == pytest.approx(100.0)
    assert exchange_flow_score(4e6, 1e6, z=3.0) == pytest.approx(30.0)  # an inflow: no extreme


def test_stablecoins_arriving_at_exchanges_are_buying_power() -> None:
    assert stablecoin_score(3e6, 1e6) == pytest.approx(80.625)  # 0.5: 75 + 15 × 0.3/0.8
    assert stablecoin_score(1e6, 3e6) == pytest.approx(36.25)  # −0.5: 40 − 10 × 0.3/0.8
    assert stablecoin_score(2e6, 0.0) == pytest.approx(90.0)
    assert stablecoin_score(0.0, 2e6) == pytest.approx(30.0)
    assert stablecoin_score(1e6, 1e6) == 50.0


@pytest.mark.parametrize(
    ("index", "score"),
    [(0, 90.0), (10, 90.0), (22, 78.0), (25, 70.0), (30, 70.0), (40, 60.0), (44, 60.0),
     (45, 50.0), (55, 50.0), (56, 40.0), (75, 40.0), (80, 20.0), (95, 15.0), (100, 15.0)],
)  # fmt: skip
def test_fear_and_greed_is_contrarian_within_the_seed_s_bands(index: int, score: float) -> None:
    assert fear_greed_score(index) == score


def test_macro_scores_the_hour_s_s_and_p_and_dxy_moves() -> None:
    # pressure p = spx% / 1 − dxy% / 0.5
    assert macro_score(0.5, -0.1) == pytest.approx(71.0)  # p 0.7: 65 + 10 × 0.45/0.75
    assert macro_score(-0.4, 0.2) == pytest.approx(35 - 10 * 0.55 / 0.75)  # p −0.8
    assert macro_score(0.1, 0.0) == 50.0  # calm
    assert macro_score(2.0, None) == 75.0  # the S&P alone
    assert macro_score(-1.0, 0.0) == 25.0  # p −1 (not DANGER: a drop of exactly 1 %)
    assert macro_score(-1.2, 0.0) == 25.0  # DANGER
    assert (macro_danger(-1.01, None), macro_danger(-1.0, 0.5), macro_danger(None, 0.51)) == (
        True,
        False,
        True,
    )


@pytest.mark.parametrize(
    ("btc_1h", "btc_4h", "macro", "danger", "regime"),
    [
        (0.3, 1.5, None, False, "RISK_ON"),
        (0.3, 1.5, 71.0, False, "RISK_ON"),
        (0.3, 1.5, 40.0, False, "NEUTRAL"),  # macro negative: no risk-on
        (-0.2, -1.0, None, False, "RISK_OFF"),
        (-0.2, -0.9, None, False, "NEUTRAL"),
        (-0.1, 2.0, None, False, "NEUTRAL"),  # the hour disagrees with the 4 hours
        (0.3, 1.5, 25.0, True, "RISK_OFF"),  # macro DANGER
        (None, None, None, False, "NEUTRAL"),
        (None, None, 25.0, True, "RISK_OFF"),
    ],
)
def test_the_regime_from_btc_s_trend_and_macro(
    btc_1h: float | None, btc_4h: float | None, macro: float | None, danger: bool, regime: str
) -> None:
    assert market_regime(btc_1h, btc_4h, macro, danger, 1.0) == regime


def test_a_layer_is_the_weighted_mean_of_its_present_sub_scores() -> None:
    weights = {"whale_movements": 0.30, "exchange_flow": 0.30, "stablecoin_flow": 0.20}
    parts = {"whale_movements": Sub(80.0, 0.7, "a"), "exchange_flow": Sub(80.0, 0.7, "b"),
             "stablecoin_flow": Sub(50.0, 0.7, "c")}  # fmt: skip
    layer = combine(parts, weights)
    assert layer.score == pytest.approx(72.5)  # (24 + 24 + 10) / 0.8
    assert layer.freshness == pytest.approx(0.7)
    assert layer.effective == pytest.approx(50 + 22.5 * 0.7)
    assert layer.reasons[0] in ("a", "b")  # the strongest first


# ----- from readings --------------------------------------------------------------------------


def whale(fetched: int, **metrics: float) -> ProviderReading:
    return ProviderReading("whale_alert", "on_chain", fetched, "http://wa/v1/transactions",
                           metrics=metrics, observed_at=fetched)  # fmt: skip


def fng(fetched: int, value: float) -> ProviderReading:
    return ProviderReading("fear_greed", "sentiment", fetched, "http://fng/fng/",
                           metrics={"value": value}, labels={"classification": "Extreme Fear"},
                           observed_at=fetched - 10 * HOUR,
                           current_until=fetched + 15 * HOUR)  # fmt: skip


def quotes(fetched: int, spx: float, dxy: float) -> ProviderReading:
    return ProviderReading("macro", "macro", fetched, "http://stooq/q/l/",
                           metrics={"spx.close": spx, "dxy.close": dxy},
                           observed_at=fetched - MIN)  # fmt: skip


FLOWS = {  # 1M coin deposit, 2.5M + 1.5M coin withdrawals, 3M stablecoins in, 1M out
    "exchange_inflow_usd": 4e6, "stablecoin_inflow_usd": 3e6, "inflows_1m": 2.0,
    "stablecoin_inflows_1m": 1.0, "exchange_outflow_usd": 5e6, "stablecoin_outflow_usd": 1e6,
    "outflows_1m": 3.0, "stablecoin_outflows_1m": 1.0,
}  # fmt: skip


def view(
    *readings: ProviderReading, btc: tuple[float | None, float | None] = (0.3, 1.5)
) -> ExternalView:
    live = LiveReadings()
    live.extend(sorted(readings, key=lambda r: r.fetched_at))
    return external_view(RunReadings(live, BAR, PROVIDERS), OPEN, *btc, MAX_AGE, 1.0)


def test_layers_3_and_4_from_readings_at_the_close() -> None:
    result = view(
        whale(C - 6 * MIN, **FLOWS),
        fng(C - 5 * HOUR, 22.0),
        quotes(C - 65 * MIN, 6000.0, 98.0),
        quotes(C - 3 * MIN, 6030.0, 97.902),  # S&P +0.5 %, DXY −0.1 % in the hour
    )
    onchain, sentiment = result.layers.onchain, result.layers.sentiment
    assert onchain is not None and sentiment is not None and result.missing == {}
    # whale 80 (net 1 withdrawal), flow 80 (1M in, 4M out), stablecoins 80.625 (3M in, 1M out)
    assert onchain.score == pytest.approx((0.3 * 80 + 0.3 * 80 + 0.2 * 80.625) / 0.8)
    assert onchain.freshness == pytest.approx(0.7)  # 6 minutes old
    assert result.values["onchain_whale_movements"] == 80.0
    # Fear & Greed 22 → 78, macro p 0.7 → 71, BTC rising and macro positive: RISK_ON 80
    assert result.layers.regime == "RISK_ON"
    assert sentiment.score == pytest.approx((0.2 * 78 + 0.2 * 71 + 0.3 * 80) / 0.7)
    assert sentiment.freshness == 1.0  # the index is current until its next publication
    assert result.values["spx_1h_pct"] == pytest.approx(0.5)
    assert result.values["dxy_1h_pct"] == pytest.approx(-0.1, abs=1e-9)
    assert (result.values["market_regime"], result.values["macro_danger"]) == (1.0, 0.0)
    assert agreement(sentiment.effective, -1) == pytest.approx(100 - sentiment.score)


def test_macro_danger_makes_the_regime_risk_off_and_warns() -> None:
    result = view(fng(C - HOUR, 50.0), quotes(C - 65 * MIN, 6000.0, 98.0),
                  quotes(C - 3 * MIN, 5920.0, 98.0))  # fmt: skip
    sentiment = result.layers.sentiment
    assert sentiment is not None and result.layers.regime == "RISK_OFF"
    assert sentiment.score == pytest.approx((0.2 * 50 + 0.2 * 25 + 0.3 * 25) / 0.7)
    assert sentiment.reasons[0].startswith("macro DANGER: S&P 500 -1.33 %")


def test_a_reading_fetched_after_the_close_is_never_used() -> None:
    late = view(whale(C + 1, **FLOWS), fng(C + 1, 10.0))
    assert late.layers.onchain is None and late.layers.sentiment is None
    assert late.missing["onchain"] == "whale_alert: no whale_alert snapshot at or before " \
        "2025-06-17T10:00:00Z"  # fmt: skip
    on_time = view(whale(C, **FLOWS), fng(C, 10.0))
    assert on_time.layers.onchain is not None and on_time.layers.sentiment is not None


def test_stale_or_absent_providers_leave_their_layer_missing_with_the_reason() -> None:
    result = view(whale(C - 3 * HOUR, **FLOWS))
    assert result.layers == result.layers.__class__()  # nothing, no regime either
    assert result.missing["onchain"] == (
        "whale_alert: stale, its last reading is 180 min old (limit 120 min)"
    )
    assert result.missing["sentiment"] == (
        "fear_greed: no fear_greed reading polled yet; macro: no macro reading polled yet"
    )
    # Fear & Greed alone keeps the layer (with the regime); the macro's absence is a note
    partial = view(fng(C - HOUR, 80.0), btc=(None, None))
    assert partial.layers.sentiment is not None and partial.layers.regime == "NEUTRAL"
    assert partial.layers.sentiment.score == pytest.approx((0.2 * 20 + 0.3 * 50) / 0.5)
    assert partial.notes == ("sentiment without macro: no macro reading polled yet",)
    nothing = external_view(None, OPEN, 0.3, 1.5, MAX_AGE, 1.0)
    assert set(nothing.missing) == {"onchain", "sentiment"} and nothing.layers.regime is None


def test_an_extreme_outflow_against_the_day_scores_90_to_100() -> None:
    history = [
        whale(C - (13 - n) * HOUR, exchange_outflow_usd=0.0 if n % 2 else 2e6) for n in range(12)
    ]  # coin net flows 2M, 0, 2M, 0 …: mean 1M, standard deviation 1M
    result = view(*history, whale(C - MIN, exchange_outflow_usd=4e6))
    assert result.values["exchange_netflow_z"] == pytest.approx(3.0)
    assert result.values["onchain_exchange_flow"] == pytest.approx(95.0)
    short = view(*history[1:], whale(C - MIN, exchange_outflow_usd=4e6))  # 11 before: no z
    assert "exchange_netflow_z" not in short.values
    assert short.values["onchain_exchange_flow"] == pytest.approx(90.0)


# ----- the backtest score -----------------------------------------------------------------------


@dataclass(frozen=True)
class Closed:
    side: str
    entry_ms: int
    exit_ms: int
    pnl: float


def test_the_backtest_score_is_the_win_rate_of_the_setup_s_closed_positions() -> None:
    setups = SetupHistory()
    setups.emitted(0, "breakout", 1)
    setups.emitted(10 * BAR, "breakout", 1)
    setups.emitted(20 * BAR, "fair_value_gap", -1)
    trades = [
        Closed("long", -5 * BAR, -2 * BAR, 50.0),  # opened before any signal it saw: ignored
        Closed("long", BAR, 2 * BAR, 30.0),  # TP1 of the first breakout …
        Closed("long", BAR, 3 * BAR, -10.0),  # … then its stop: +20 overall, a win
        Closed("long", 11 * BAR, 12 * BAR, -15.0),  # the second breakout lost
        Closed("short", 21 * BAR, 22 * BAR, 5.0),  # the short gap won
    ]
    setups.fold(trades[:4])  # what had closed by bar 12 (point in time)
    assert setups.record("breakout", 1) == (1, 2)
    assert setups.record("fair_value_gap", -1) == (0, 0)
    setups.fold(trades)
    assert setups.record("fair_value_gap", -1) == (1, 1)
    assert setups.record("breakout", -1) == (0, 0)
    layer, _ = backtest_layer(1, 2, "breakout", 1, 2)
    assert layer is not None and layer.score == 50.0
    short, _ = backtest_layer(3, 4, "fair_value_gap", -1, 3)
    assert short is not None and short.score == 25.0 and agreement(short.score, -1) == 75.0
    none, why = backtest_layer(1, 2, "breakout", 1, 5)
    assert none is None
    assert why == "2 closed breakout long position(s) so far, under the 5 the backtest score needs"
