"""Layers 3 (on-chain) and 4 (sentiment and macro) of the 15m confluence engine from the
providers' readings, and the market regime (seed 002 §5, §6; FEATURES.md B.4, B.5).

Each sub-score is a bull score, 0–100 with 50 neutral (DECISIONS.md §4: the seed's scores
"for longs"; a short's agreement is `100 − score`). A layer is the weighted mean of its
sub-scores that have data (the seed's weights, renormalised over those present: PROPOSED);
its freshness the same weighted mean of theirs (the providers' decay, 1.0 / 0.7 / 0.4 /
0.2, §5.2 Step 5), which pulls the layer toward 50 (`LayerReading.effective`). A provider
without a reading at the bar's close — none recorded or polled, left out, or older than
`max_age_s` (PROPOSED stale limit: beyond it the recorder was evidently not running) —
gives no sub-score, and the reason is kept; a layer with no provider-backed sub-score is
missing with those reasons (the plugin multiplies the score by `1 − 0.1 × missing`).

On-chain (§5 Step 5: whale 0.30, exchange flow 0.30, stablecoin flow 0.20, smart money
0.20), from `whale_alert`'s last 30 minutes of transfers of $500k or more, market-wide (the
provider does not split them by token; the seed filters by the traded token):
- whale movements: coin (not stablecoin) transfers of $1M+, `net = withdrawals − deposits`:
  net ≥ 2 → 90 ("multiple withdrawals"), 1 → 80, 0 → 50, ≤ −1 → 25 (PROPOSED netting);
- exchange flow (whale_alert's coin in- and outflows stand in for the paid CryptoQuant /
  Glassnode net flows): `share = (out − in) / (out + in)`; |share| ≤ 0.2 neutral 50; above,
  70 → 90 linearly up to share 1; below, 40 → 20; an outflow whose net is over 2 standard
  deviations above the last day's readings (at least 12) → 90 + 10 × min(1, (z − 2) / 2);
- stablecoin flow: `share = (in − out) / (in + out)` of stablecoins; over 0.2 → 75 → 90,
  under −0.2 → 40 → 30, else 50;
- smart money: no source (Nansen and Arkham are paid): never present.

Sentiment and macro (§6 Step 5: Fear & Greed 0.20, social 0.30, regime 0.30, macro 0.20):
- Fear & Greed, contrarian `100 − index` kept within the seed's bands: under 25 → 75..90,
  25–45 → 60..70, 45–55 → 50, 55–75 → 40, over 75 → 15..25;
- social: no source (LunarCrush, X and Reddit need keys): never present;
- macro: the S&P 500 and DXY moves over the last hour from the `macro` readings (`spx.close`,
  `dxy.close`; the reading in force at the close against the one an hour earlier). DANGER
  (§6: S&P down more than 1 % or DXY up more than 0.5 %) → 25 and a warning; otherwise the
  pressure `p = spx% / 1 − dxy% / 0.5` (each move in units of its DANGER threshold):
  |p| < 0.25 calm 50, positive 65 → 75 at p ≥ 1, negative 35 → 25 (PROPOSED scale);
- market regime (§6 Step 3; its bull score is the seed's `alt_long_bias`): BTC dominance and
  total market cap have no source, so BTC_SEASON and CHOPPY cannot be told apart; PROPOSED
  regimes from the BTC 15m reference feed's 1h and 4h changes and the macro sub-score:
  RISK_OFF when BTC falls (1h < 0 and 4h ≤ −`btc_4h_pct`) or macro is in DANGER → 25;
  RISK_ON when BTC rises (1h > 0 and 4h ≥ `btc_4h_pct`) and macro is not negative → 80;
  else NEUTRAL → 50 (no modifier). The regime counts only when the layer has a provider
  behind it (without any, the layer and its regime are missing, as before providers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from scalplab.data.providers.asof import RunReadings
from scalplab.data.providers.reading import ProviderReading
from scalplab.strategies.confluence_score import ExternalLayers, LayerReading, Regime

EXTERNAL_LAYERS: dict[str, tuple[str, ...]] = {
    "onchain": ("whale_alert",),
    "sentiment": ("fear_greed", "macro"),
}
"""Layer → the providers it reads (the plugin's `external_layers`)."""
ONCHAIN_WEIGHTS = {"whale_movements": 0.30, "exchange_flow": 0.30, "stablecoin_flow": 0.20}
SENTIMENT_WEIGHTS = {"fear_greed": 0.20, "market_regime": 0.30, "macro": 0.20}
NEUTRAL_SHARE = 0.2
MIN_FLOW_HISTORY = 12
SPX_DANGER_PCT, DXY_DANGER_PCT = 1.0, 0.5
"""§6 Step 4: S&P 500 down more than 1 % or DXY up more than 0.5 % in the last hour."""
CALM_PRESSURE = 0.25
REGIME_BIAS: dict[str, float] = {"RISK_ON": 80.0, "RISK_OFF": 25.0, "NEUTRAL": 50.0}
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Sub:
    """One sub-score: its bull score, its data's freshness and what it says."""

    score: float
    freshness: float
    reason: str


@dataclass(frozen=True)
class ExternalView:
    """Layers 3 and 4 and the regime at one bar's close, the missing layers with their
    reasons, and the numbers behind them (for the signal's breakdown)."""

    layers: ExternalLayers = field(default_factory=ExternalLayers)
    missing: dict[str, str] = field(default_factory=dict)
    """Layer → why it is missing."""
    values: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    """A present layer's providers that gave nothing, with the reason."""


# ----- sub-scores ---------------------------------------------------------------------------


def whale_score(inflows_1m: float, outflows_1m: float) -> float:
    """§5 Step 1 on the $1M+ coin deposits and withdrawals of the window (see the module)."""
    net = outflows_1m - inflows_1m
    return 90.0 if net >= 2 else 80.0 if net >= 1 else 50.0 if net > -1 else 25.0


def _ramp(share: float, above: tuple[float, float], below: tuple[float, float]) -> float:
    """50 within ±NEUTRAL_SHARE; linear from `above[0]` to `above[1]` as the share goes
    from NEUTRAL_SHARE to 1 (and `below` for −NEUTRAL_SHARE to −1)."""
    if abs(share) <= NEUTRAL_SHARE:
        return 50.0
    start, end = above if share > 0 else below
    return start + (end - start) * (abs(share) - NEUTRAL_SHARE) / (1.0 - NEUTRAL_SHARE)


def exchange_flow_score(inflow_usd: float, outflow_usd: float, z: float | None = None) -> float:
    """§5 Step 2 on coin in- and outflows (z: the net's standard score over the last day)."""
    total = inflow_usd + outflow_usd
    if total <= 0:
        return 50.0
    share = (outflow_usd - inflow_usd) / total
    if z is not None and z > 2.0 and share > 0:
        return 90.0 + 10.0 * min(1.0, (z - 2.0) / 2.0)
    return _ramp(share, (70.0, 90.0), (40.0, 20.0))


def stablecoin_score(inflow_usd: float, outflow_usd: float) -> float:
    """§5 Step 3: stablecoins arriving at exchanges are buying power."""
    total = inflow_usd + outflow_usd
    if total <= 0:
        return 50.0
    return _ramp((inflow_usd - outflow_usd) / total, (75.0, 90.0), (40.0, 30.0))


def fear_greed_score(index: float) -> float:
    """§6 Step 1: contrarian `100 − index` within the seed's band of the index."""
    contrarian = 100.0 - index
    if index < 25:
        return min(90.0, max(75.0, contrarian))
    if index < 45:
        return min(70.0, max(60.0, contrarian))
    if index <= 55:
        return 50.0
    if index <= 75:
        return 40.0
    return min(25.0, max(15.0, contrarian))


def macro_danger(spx_pct: float | None, dxy_pct: float | None) -> bool:
    """§6 Step 4's DANGER flag on the last hour's moves."""
    return (spx_pct is not None and spx_pct < -SPX_DANGER_PCT) or (
        dxy_pct is not None and dxy_pct > DXY_DANGER_PCT
    )


def macro_score(spx_pct: float | None, dxy_pct: float | None) -> float:
    """§6 Step 4: calm 50, positive 65–75, negative 25–35, DANGER 25 (see the module)."""
    if macro_danger(spx_pct, dxy_pct):
        return 25.0
    pressure = (spx_pct or 0.0) / SPX_DANGER_PCT - (dxy_pct or 0.0) / DXY_DANGER_PCT
    if abs(pressure) < CALM_PRESSURE:
        return 50.0
    step = 10.0 * min(1.0, (abs(pressure) - CALM_PRESSURE) / (1.0 - CALM_PRESSURE))
    return 65.0 + step if pressure > 0 else 35.0 - step


def market_regime(
    btc_1h_pct: float | None,
    btc_4h_pct: float | None,
    macro: float | None,
    danger: bool,
    btc_4h_threshold: float,
) -> Regime:
    """§6 Step 3, PROPOSED from what has a source (see the module)."""
    if btc_1h_pct is None or btc_4h_pct is None:
        return "RISK_OFF" if danger else "NEUTRAL"
    if danger or (btc_1h_pct < 0 and btc_4h_pct <= -btc_4h_threshold):
        return "RISK_OFF"
    if btc_1h_pct > 0 and btc_4h_pct >= btc_4h_threshold and (macro is None or macro >= 50.0):
        return "RISK_ON"
    return "NEUTRAL"


def combine(subs: dict[str, Sub], weights: dict[str, float]) -> LayerReading:
    """The weighted mean of the present sub-scores and of their freshness (see the module)."""
    total = sum(weights[name] for name in subs)
    score = sum(weights[name] * sub.score for name, sub in subs.items()) / total
    fresh = sum(weights[name] * sub.freshness for name, sub in subs.items()) / total
    reasons = tuple(sub.reason for sub in sorted(subs.values(), key=lambda s: -abs(s.score - 50)))
    return LayerReading(score, fresh, reasons)


# ----- from readings ------------------------------------------------------------------------


def _usable(
    readings: RunReadings, provider: str, close_ms: int, max_age_s: float
) -> tuple[ProviderReading | None, str | None]:
    """The provider's reading in force at the close, or why there is none."""
    reading = readings.reading_at(provider, close_ms)
    if not reading.available:
        return None, f"{provider}: {reading.reason}"
    age = reading.age_s(close_ms)
    if age > max_age_s:
        return None, (
            f"{provider}: stale, its last reading is {age / 60:.0f} min old "
            f"(limit {max_age_s / 60:.0f} min)"
        )
    return reading, None


def _flow_z(readings: RunReadings, now: ProviderReading, close_ms: int) -> float | None:
    """The standard score of the coin net flow against the day of readings before it."""
    nets = [
        _coin_flows(r)[1] - _coin_flows(r)[0]
        for r in readings.between("whale_alert", close_ms - DAY_MS, close_ms)
        if r.fetched_at < now.fetched_at
    ]
    if len(nets) < MIN_FLOW_HISTORY:
        return None
    mean = sum(nets) / len(nets)
    std = math.sqrt(sum((net - mean) ** 2 for net in nets) / len(nets))
    if std <= 0:
        return None
    inflow, outflow = _coin_flows(now)
    return (outflow - inflow - mean) / std


def _coin_flows(reading: ProviderReading) -> tuple[float, float]:
    m = reading.metrics
    inflow = m.get("exchange_inflow_usd", 0.0) - m.get("stablecoin_inflow_usd", 0.0)
    outflow = m.get("exchange_outflow_usd", 0.0) - m.get("stablecoin_outflow_usd", 0.0)
    return max(0.0, inflow), max(0.0, outflow)


def onchain_subs(
    readings: RunReadings, close_ms: int, max_age_s: float, values: dict[str, float]
) -> tuple[dict[str, Sub], list[str]]:
    """Layer 3's sub-scores at the close (none when the whale reading is missing)."""
    reading, why = _usable(readings, "whale_alert", close_ms, max_age_s)
    if reading is None:
        return {}, [why or "whale_alert: no reading"]
    m, fresh = reading.metrics, reading.freshness(close_ms)
    deposits = m.get("inflows_1m", 0.0) - m.get("stablecoin_inflows_1m", 0.0)
    withdrawals = m.get("outflows_1m", 0.0) - m.get("stablecoin_outflows_1m", 0.0)
    inflow, outflow = _coin_flows(reading)
    z = _flow_z(readings, reading, close_ms)
    stable_in = m.get("stablecoin_inflow_usd", 0.0)
    stable_out = m.get("stablecoin_outflow_usd", 0.0)
    subs = {
        "whale_movements": Sub(
            whale_score(deposits, withdrawals), fresh,
            f"{withdrawals:.0f} $1M+ withdrawals, {deposits:.0f} deposits in 30 min",
        ),
        "exchange_flow": Sub(
            exchange_flow_score(inflow, outflow, z), fresh,
            f"exchange net flow {(outflow - inflow) / 1e6:+.1f} $M (out − in)",
        ),
        "stablecoin_flow": Sub(
            stablecoin_score(stable_in, stable_out), fresh,
            f"stablecoins {stable_in / 1e6:.1f} $M in, {stable_out / 1e6:.1f} $M out",
        ),
    }  # fmt: skip
    values.update({f"onchain_{name}": sub.score for name, sub in subs.items()})
    values["exchange_netflow_usd"] = outflow - inflow
    if z is not None:
        values["exchange_netflow_z"] = z
    return subs, []


def sentiment_subs(
    readings: RunReadings, close_ms: int, max_age_s: float, values: dict[str, float]
) -> tuple[dict[str, Sub], list[str], bool]:
    """Layer 4's provider-backed sub-scores at the close, the reasons of those missing, and
    the macro DANGER flag."""
    subs: dict[str, Sub] = {}
    why: list[str] = []
    fng, reason = _usable(readings, "fear_greed", close_ms, max_age_s)
    if fng is not None and "value" in fng.metrics:
        index = fng.metrics["value"]
        label = fng.labels.get("classification", "")
        subs["fear_greed"] = Sub(
            fear_greed_score(index), fng.freshness(close_ms), f"Fear & Greed {index:.0f} {label}"
        )
        values["fear_greed_index"] = index
    else:
        why.append(reason or "fear_greed: no index value")
    danger = False
    macro, reason = _usable(readings, "macro", close_ms, max_age_s)
    spx = readings.change_pct("macro", "spx.close", 60, close_ms)
    dxy = readings.change_pct("macro", "dxy.close", 60, close_ms)
    if macro is not None and (spx is not None or dxy is not None):
        danger = macro_danger(spx, dxy)
        words = ", ".join(
            f"{name} {change:+.2f} %" for name, change in (("S&P 500", spx), ("DXY", dxy))
            if change is not None
        )  # fmt: skip
        text = f"macro DANGER: {words} in the last hour" if danger else f"macro 1h: {words}"
        subs["macro"] = Sub(macro_score(spx, dxy), macro.freshness(close_ms), text)
        for name, change in (("spx_1h_pct", spx), ("dxy_1h_pct", dxy)):
            if change is not None:
                values[name] = change
        values["macro_danger"] = float(danger)
    else:
        why.append(
            reason
            or "macro: no S&P 500 or DXY move over the last hour (it needs a reading fetched "
            "within the hour and one in force an hour before)"
        )
    return subs, why, danger


def external_view(
    readings: RunReadings | None,
    open_ms: int,
    btc_1h_pct: float | None,
    btc_4h_pct: float | None,
    max_age_s: float,
    btc_4h_threshold: float,
) -> ExternalView:
    """Layers 3 and 4 and the regime at the close of the bar opened at `open_ms`."""
    if readings is None:
        reason = "no provider readings were supplied to this run"
        return ExternalView(missing={"onchain": reason, "sentiment": reason})
    close_ms = readings.close_ms(open_ms)
    values: dict[str, float] = {}
    missing: dict[str, str] = {}
    onchain_parts, onchain_why = onchain_subs(readings, close_ms, max_age_s, values)
    onchain = combine(onchain_parts, ONCHAIN_WEIGHTS) if onchain_parts else None
    if onchain is None:
        missing["onchain"] = "; ".join(onchain_why)
    parts, why, danger = sentiment_subs(readings, close_ms, max_age_s, values)
    sentiment, regime = None, None
    notes = tuple(f"sentiment without {text}" for text in why) if parts else ()
    if parts:
        macro = parts["macro"].score if "macro" in parts else None
        regime = market_regime(btc_1h_pct, btc_4h_pct, macro, danger, btc_4h_threshold)
        parts["market_regime"] = Sub(REGIME_BIAS[regime], 1.0, f"regime {regime}")
        sentiment = combine(parts, SENTIMENT_WEIGHTS)
        values["market_regime"] = {"RISK_ON": 1.0, "RISK_OFF": -1.0}.get(regime, 0.0)
        values.update({f"sentiment_{name}": sub.score for name, sub in parts.items()})
    else:
        missing["sentiment"] = "; ".join(why)
    return ExternalView(ExternalLayers(onchain, sentiment, None, regime), missing, values, notes)


__all__ = [
    "EXTERNAL_LAYERS",
    "ExternalView",
    "Sub",
    "combine",
    "exchange_flow_score",
    "external_view",
    "fear_greed_score",
    "macro_danger",
    "macro_score",
    "market_regime",
    "stablecoin_score",
    "whale_score",
]
