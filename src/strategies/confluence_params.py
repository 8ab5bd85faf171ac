"""The params of the 15m confluence plugin (`confluence_15m`) with the seed's numbers as
defaults; each help names its seed section (seed 002, FEATURES.md part B) or says
PROPOSED where the seed gives no number and FEATURES.md's reading is taken."""

from __future__ import annotations

from scalplab.strategies.params import ParamInfo

PARAMS: tuple[tuple[str, int | float | bool], ...] = (
    ("weight_technical", 0.35),
    ("weight_orderflow", 0.25),
    ("weight_onchain", 0.20),
    ("weight_sentiment", 0.10),
    ("weight_backtest", 0.10),
    ("missing_penalty", 0.1),
    ("external_max_age_min", 120.0),
    ("regime_btc_4h_pct", 1.0),
    ("bt_min_trades", 5),
    ("high_threshold", 80.0),
    ("medium_threshold", 65.0),
    ("low_hours_raise", 5.0),
    ("direction_long", 55.0),
    ("direction_short", 45.0),
    ("min_agreeing", 3),
    ("agree_margin", 10.0),
    ("volume_gate", True),
    ("volume_spike", 2.0),
    ("volume_dead", 0.5),
    ("volume_period", 20),
    ("rsi_period", 14),
    ("bb_period", 20),
    ("bb_k", 2.0),
    ("bb_touch", 0.05),
    ("vwap_touch_pct", 0.1),
    ("vwap_full_pct", 1.0),
    ("divergence_bars", 14),
    ("divergence_recent", 5),
    ("sr_lookback", 100),
    ("pivot_bars", 3),
    ("sr_near_pct", 0.3),
    ("fvg_lookback", 20),
    ("momentum_1m_bars", 5),
    ("large_trade_mult", 3.0),
    ("funding_extreme", 0.0005),
    ("funding_neutral", 0.0001),
    ("oi_full_pct", 0.5),
    ("atr_period", 14),
    ("atr_sl_mult", 1.5),
    ("sl_floor_pct", 0.3),
    ("sl_max_pct", 3.0),
    ("tp1_r", 1.5),
    ("tp2_r", 2.5),
    ("tp3_r", 4.0),
    ("tp1_frac", 0.4),
    ("tp2_frac", 0.4),
    ("max_hold_candles", 8),
    ("trail_atr_mult", 0.0),
    ("min_atr_pct", 0.0),
    ("warmup_bars", 600),
)

PARAM_INFO: dict[str, ParamInfo] = {
    "weight_technical": ParamInfo("Weight of the technical layer (§1.4 WEIGHT_TECHNICAL).", 0, 1),
    "weight_orderflow": ParamInfo("Weight of the order-flow layer (§1.4 WEIGHT_ORDERFLOW).", 0, 1),
    "weight_onchain": ParamInfo("Weight of the on-chain layer (§1.4 WEIGHT_ONCHAIN).", 0, 1),
    "weight_sentiment": ParamInfo("Weight of the sentiment layer (§1.4 WEIGHT_SENTIMENT).", 0, 1),
    "weight_backtest": ParamInfo("Weight of the backtest score (§1.4 WEIGHT_BACKTEST).", 0, 1),
    "missing_penalty": ParamInfo(
        "Score × (1 − this × missing layers) (DECISIONS.md §4: 0.1).", 0, 0.2
    ),
    "external_max_age_min": ParamInfo(
        "A provider reading older than this at the bar's close is stale: its sub-scores "
        "are missing (PROPOSED 120; §5's decay already weighs data over 30 min by 0.2).",
        1,
        10_080,
    ),
    "regime_btc_4h_pct": ParamInfo(
        "BTC rising/falling for the regime: 4h change beyond ± this % with the 1h change on "
        "the same side (§6 Step 3 gives no threshold; PROPOSED 1).",
        0.01,
        50,
    ),
    "bt_min_trades": ParamInfo(
        "Closed positions of a setup (pattern × direction) before its win rate is the "
        "backtest score (B.6 PROPOSED; 5).",
        1,
        1000,
    ),
    "high_threshold": ParamInfo("Score of a HIGH signal (§1.4: 80).", 0, 100),
    "medium_threshold": ParamInfo(
        "Lowest score that trades, MEDIUM (§1.4: 65); the low-hours breaker still asks 70.",
        0,
        100,
    ),
    "low_hours_raise": ParamInfo(
        "HIGH needs high_threshold + this in UTC 04–07 and 20–23 (§9 Breaker 6: 5; the "
        "breaker conf_low_hours blocks scores under 65 + 5 then).",
        0,
        50,
    ),
    "direction_long": ParamInfo("TA bull score over this: long (§3.2 Step 5: 55).", 50, 100),
    "direction_short": ParamInfo("TA bull score under this: short (§3.2 Step 5: 45).", 0, 50),
    "min_agreeing": ParamInfo(
        "Indicators that must agree (Reminder #5: 3; PROPOSED reading, B.6).", 0, 10
    ),
    "agree_margin": ParamInfo(
        "An indicator agrees at 50 + this on the signal's side (PROPOSED, B.6: 10).", 0, 50
    ),
    "volume_gate": ParamInfo(
        "Enter only on a volume spike (§1.4 SCALP_VOLUME_SPIKE_MULTIPLIER; B.14 #21 PROPOSED on)."
    ),
    "volume_spike": ParamInfo("Volume / SMA20 of a spike (§1.4, §3.2 #9: 2.0).", 1, 20),
    "volume_dead": ParamInfo("Volume / SMA20 of no participation (§3.2 #9: 0.5).", 0, 1),
    "volume_period": ParamInfo("Bars of the volume SMA (§3.2 #9: 20).", 2, 500),
    "rsi_period": ParamInfo("RSI and Stoch RSI period (§3.2 #1, #8: 14).", 2, 500),
    "bb_period": ParamInfo("Bollinger period, also the squeeze window (§3.2 #5: 20).", 2, 500),
    "bb_k": ParamInfo("Bollinger width in σ (§3.2 #5: 2).", 0.1, 10),
    "bb_touch": ParamInfo("%b within this of a band is 'at the band' (PROPOSED).", 0, 0.5),
    "vwap_touch_pct": ParamInfo("A VWAP bounce closes within this % (PROPOSED, §3.2 #3).", 0, 5),
    "vwap_full_pct": ParamInfo("Distance above the VWAP scoring 80 (PROPOSED, §3.2 #3).", 0.01, 20),
    "divergence_bars": ParamInfo("Bars of the OBV divergence (PROPOSED, §3.2 #7).", 2, 500),
    "divergence_recent": ParamInfo(
        "An RSI divergence's newer pivot confirmed within these bars (PROPOSED).", 1, 100
    ),
    "sr_lookback": ParamInfo("Bars searched for pivots (§3.2 #10: 100).", 20, 1000),
    "pivot_bars": ParamInfo(
        "Bars each side of a swing pivot (PROPOSED; the seed has none).", 1, 20
    ),
    "sr_near_pct": ParamInfo("Near support/resistance within this % (§3.2 #10: 0.3).", 0, 10),
    "fvg_lookback": ParamInfo("Bars searched for gaps and order blocks (PROPOSED).", 3, 100),
    "momentum_1m_bars": ParamInfo(
        "1m closes of the 1m momentum (§3.2 Step 4 leaves it undefined; PROPOSED 5).", 1, 59
    ),
    "large_trade_mult": ParamInfo("A large trade is this × the mean (§4.2 Step 2: 3).", 1, 100),
    "funding_extreme": ParamInfo(
        "Funding rate (fraction) of a crowded side (§4.2 Step 3: 0.05 % = 0.0005).", 1e-6, 0.01
    ),
    "funding_neutral": ParamInfo(
        "Funding within ± this is neutral (§4.2 Step 3: 0.01 % = 0.0001).", 0, 0.01
    ),
    "oi_full_pct": ParamInfo(
        "OI change in % scoring full marks (PROPOSED, §4.2 Step 3).", 0.01, 50
    ),
    "atr_period": ParamInfo("ATR period of the stop (§1.4 ATR_PERIOD: 14).", 2, 500),
    "atr_sl_mult": ParamInfo("Stop = this × ATR (§1.4 ATR_SL_MULTIPLIER: 1.5).", 0.1, 20),
    "sl_floor_pct": ParamInfo("Narrowest stop, % (§8: 0.3; the floor moves the stop).", 0.01, 10),
    "sl_max_pct": ParamInfo("A wider stop discards the signal, % (§8: 3).", 0.1, 50),
    "tp1_r": ParamInfo("TP1 in R (§8: 1.5).", 0.1, 50),
    "tp2_r": ParamInfo("TP2 in R (§8: 2.5).", 0.1, 50),
    "tp3_r": ParamInfo("TP3 in R (§8: 4.0).", 0.1, 50),
    "tp1_frac": ParamInfo("Share closed at TP1 (§8: 40 %).", 0.01, 0.98),
    "tp2_frac": ParamInfo("Share closed at TP2 (§8: 40 %; TP3 takes the rest).", 0.01, 0.98),
    "max_hold_candles": ParamInfo("Force exit after these bars (§1.4: 8 = 2 h).", 1, 1000),
    "trail_atr_mult": ParamInfo(
        "Optional ATR trail (§8 trail_method '1x ATR'; DECISIONS.md §5 leaves it out: 0 = off).",
        0,
        20,
    ),
    "min_atr_pct": ParamInfo(
        "Skip bars whose ATR is under this % of the price (§1.4 SCALP_MIN_VOLATILITY_ATR 0.3, "
        "a scanner rule; 0 = off).",
        0,
        10,
    ),
    "warmup_bars": ParamInfo(
        "15m bars before the first signal (B.2 PROPOSED: ≥ 600 for the EMA200).", 30, 10_000
    ),
}

__all__ = ["PARAMS", "PARAM_INFO"]
