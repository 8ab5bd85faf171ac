"""The 15m confluence engine's signal card (seed 002 §10.3; FEATURES.md B.9).

A per-strategy message format, chosen by strategy name: the strategies in `STRATEGIES`
get this card instead of the generic one (`SignalAlert`, seed 001's). The card needs
the signal and its entry order — the ladder's legs, the quantity and the max hold travel
on the order (`ExitRules`), not on the signal's record — so the translator holds the
signal until its order's event, published right after it (`EventTranslator`).

Layout as §10.3 prints it, with the PROPOSED readings where the seed's fields do not exist
on the platform (FEATURES.md B.9, PC-18):
- `Valid`: one bar of the pair's timeframe (the entry fills at the next bar's open; the
  seed's `SIGNAL_EXPIRY_MINUTES` is one 15m candle);
- `Risk/Reward`: at TP2, as the seed computes `rr_ratio` (the platform's gate measures the
  quantity-weighted ladder, shown beside it);
- `Position Size` and `Risk`: the sized quantity × entry, in % of the equity now, and the
  quantity × |entry − stop| in USDT;
- DATA BREAKDOWN: each layer's score (0–100, 50 neutral, from the breakdown: `ta_score`,
  `orderflow_score`, `<layer>_score`) and its agreement with the side
  (`<layer>_agreement`); under TA and order flow the two sub-scores that agree most, under
  the external layers the plugin's first reason of that layer; a layer left out says
  `missing` and why — the plugin's reason `missing layers: onchain (why); …`, else a
  generic why (DECISIONS.md §4). The backtest layer shows its score: the seed's
  "historical win rate" is not a field of the platform's breakdown;
- `Market Regime`: layer 4's regime as the plugin's reason `regime RISK_ON` names it, else
  as its modifier of a long shows it (× 0.7 RISK_OFF, × 1.1 RISK_ON), else unknown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scalplab.data.timeframes import timeframe_ms
from scalplab.notify.formatting import duration, money, price, side_emoji, side_word, utc_time
from scalplab.notify.rendered import Priority, Rendered
from scalplab.orders.types import Order
from scalplab.simulation.views import SignalView
from scalplab.strategies.confluence_flow import FLOW_WEIGHTS
from scalplab.strategies.confluence_layers import TA_WEIGHTS
from scalplab.strategies.confluence_score import RISK_OFF_LONG, RISK_ON_LONG

STRATEGIES = frozenset({"confluence_15m"})
"""Strategies whose signals, outcomes and daily reports follow seed 002 §10."""
RULE = "━━━━━━━━━━━━━━━━━━━━━━━━━"
MISSING_PREFIX = "missing layers: "
"""The plugin's reason naming each missing layer and why: `missing layers: a (why); b (why)`."""
REGIME_PREFIX = "regime "
"""The plugin's reason naming layer 4's market regime: `regime RISK_ON`."""


@dataclass(frozen=True, slots=True)
class Layer:
    """One confluence layer as the card and the Dashboard name it."""

    name: str
    """The plugin's layer name (`confluence_score.LAYERS`)."""
    label: str
    score_key: str
    reasons: int
    missing_why: str


LAYERS: tuple[Layer, ...] = (
    Layer("technical", "TA", "ta_score", 2, "no technical score"),
    Layer("orderflow", "Order Flow", "orderflow_score", 2, "no order-flow data for this bar"),
    Layer("onchain", "On-Chain", "onchain_score", 1, "no on-chain provider reading"),
    Layer("sentiment", "Sentiment", "sentiment_score", 1, "no sentiment or macro reading"),
    Layer("backtest", "Backtest", "backtest_score", 1, "no backtest score for this setup"),
)
"""The five layers of §7.2, in its order (DECISIONS.md §4: a missing layer is left out)."""


def stars(score: float) -> str:
    """§10.3: ≥ 90 five stars, ≥ 80 four, ≥ 70 three, else two."""
    count = 5 if score >= 90 else 4 if score >= 80 else 3 if score >= 70 else 2
    return "⭐" * count


def is_missing(breakdown: Mapping[str, float], layer: Layer) -> bool:
    """A layer the signal was scored without (`<layer>_missing`, or no agreement)."""
    return f"{layer.name}_missing" in breakdown or f"{layer.name}_agreement" not in breakdown


def top_sub_scores(
    breakdown: Mapping[str, float], names: Sequence[str], side: str, count: int
) -> list[str]:
    """The `count` sub-scores (`<name>_score`, bullish 0–100) that agree most with `side`."""
    found = []
    for name in names:
        value = breakdown.get(f"{name}_score")
        if value is not None and math.isfinite(value):
            found.append((value if side == "long" else 100.0 - value, name))
    found.sort(key=lambda item: (-item[0], item[1]))
    return [f"{name} {agreement:.0f}" for agreement, name in found[:count]]


def missing_reasons(reasons: Sequence[str]) -> dict[str, str]:
    """Why each missing layer is missing, from the plugin's `missing layers: …` reason."""
    names = "|".join(layer.name for layer in LAYERS)
    found: dict[str, str] = {}
    for reason in reasons:
        if not reason.startswith(MISSING_PREFIX):
            continue
        for part in re.split(rf"; (?=(?:{names}) \()", reason.removeprefix(MISSING_PREFIX)):
            name, _, why = part.partition(" (")
            if why.endswith(")"):
                found[name] = why[:-1]
    return found


def layer_reason(reasons: Sequence[str], layer: Layer) -> str | None:
    """The plugin's first reason about an external layer (`onchain: …`), without the name."""
    prefix = f"{layer.name}: "
    for reason in reasons:
        if reason.startswith(prefix):
            return reason.removeprefix(prefix)
    return None


def layer_lines(signal: SignalView) -> list[str]:
    """DATA BREAKDOWN: one branch per layer, its top reasons under it."""
    breakdown, lines = signal.breakdown, []
    whys = missing_reasons(signal.reasons)
    for index, layer in enumerate(LAYERS):
        last = index == len(LAYERS) - 1
        branch, stem = ("└─", "    ") if last else ("├─", "│   ")
        if is_missing(breakdown, layer):
            why = whys.get(layer.name) or layer.missing_why
            lines.append(f"{branch} {layer.label}: missing — {why}")
            continue
        score = breakdown.get(layer.score_key)
        agreement = breakdown[f"{layer.name}_agreement"]
        shown = "—" if score is None else f"{score:.0f}/100"
        lines.append(f"{branch} {layer.label}: {shown} (agreement {agreement:.0f})")
        if layer.name == "technical":
            found = top_sub_scores(breakdown, tuple(TA_WEIGHTS), signal.side, layer.reasons)
        elif layer.name == "orderflow":
            found = top_sub_scores(breakdown, tuple(FLOW_WEIGHTS), signal.side, layer.reasons)
        else:
            reason = layer_reason(signal.reasons, layer)
            found = [] if reason is None else [reason]
        if found:
            lines.append(f"{stem}└─ {', '.join(found)}")
    return lines


def regime_words(signal: SignalView) -> str:
    """Layer 4's market regime as the plugin's reasons or its modifier tell it."""
    for reason in signal.reasons:
        if reason.startswith(REGIME_PREFIX):
            return reason.removeprefix(REGIME_PREFIX)
    modifier = signal.breakdown.get("regime_modifier")
    if modifier is not None and math.isclose(modifier, RISK_OFF_LONG):
        return "RISK_OFF (long × 0.7)"
    if modifier is not None and math.isclose(modifier, RISK_ON_LONG):
        return "RISK_ON (long × 1.1)"
    if "sentiment_missing" in signal.breakdown:
        return "unknown (sentiment layer missing)"
    return "no regime modifier applied"


def _num(value: object) -> float | None:
    return None if value is None else float(str(value))


def setup_lines(signal: SignalView, order: Order | None) -> list[str]:
    """💰 TRADE SETUP: entry, stop (distance in %) and each take-profit leg with its share
    of the quantity and what its fill does to the stop."""
    entry, stop = signal.entry, signal.stop_loss
    stop_pct = abs(entry - stop) / entry * 100.0 if entry else math.nan
    lines = [
        "💰 TRADE SETUP",
        f"├─ Entry: {price(entry)}",
        f"├─ Stop Loss: {price(stop)} ({stop_pct:.2f}%)",
    ]
    exits = None if order is None else order.exits
    qty = None if order is None else _num(order.qty)
    if exits is None or not exits.take_profits or not qty:
        lines.append(f"└─ TP: {price(signal.take_profit)} → Close 100%")
        return lines
    legs = exits.take_profits
    for index, leg in enumerate(legs):
        last = index == len(legs) - 1
        share = float(leg.qty) / qty * 100.0
        text = f"Close {share:.0f}%"
        if exits.breakeven_after_leg in leg.covers:
            text += " | Move SL to BE"
        rule = exits.stop_to_leg_after_leg
        if rule is not None and rule[0] in leg.covers:
            text += f" | Trail SL to TP{rule[1]}"
        if last and len(legs) > 1:
            text += " (runner)"
        lines.append(f"{'└─' if last else '├─'} TP{leg.number}: {price(float(leg.price))} → {text}")
    return lines


def reward_risk(signal: SignalView, order: Order | None) -> str:
    """`1:2.5` at TP2 (the seed's `rr_ratio`), and the ladder's weighted average."""
    risk = abs(signal.entry - signal.stop_loss)
    exits = None if order is None else order.exits
    qty = None if order is None else _num(order.qty)
    if not risk:
        return "—"
    if exits is None or not exits.take_profits or not qty:
        return f"1:{abs(signal.take_profit - signal.entry) / risk:.1f}"
    prices = [float(p) for p in exits.leg_prices]
    target = prices[1] if len(prices) > 1 else prices[-1]
    weighted = sum(float(leg.qty) * float(leg.price) for leg in exits.take_profits) / qty
    at = "TP2" if len(prices) > 1 else "TP1"
    return (
        f"1:{abs(target - signal.entry) / risk:.1f} at {at} | "
        f"1:{abs(weighted - signal.entry) / risk:.2f} over the ladder"
    )


@dataclass(frozen=True, slots=True)
class ConfluenceSignalAlert:
    """A confluence signal the engine accepted or holds for confirmation, with its entry
    order (None when its event never came: the card then shows the farthest target only),
    the equity when it was sized and its pair's timeframe (None: unknown)."""

    signal: SignalView
    order: Order | None
    equity: float | None
    timeframe: str | None
    priority: Priority = "low"

    @property
    def key(self) -> str:
        """One card per (symbol, strategy, bar, side), as the generic card."""
        s = self.signal
        return f"signal:{s.symbol}:{s.strategy}:{s.time_ms}:{s.side}"

    @property
    def cooldown_symbol(self) -> str | None:
        """Signal cards share a per-symbol cooldown."""
        return self.signal.symbol

    def render(self) -> Rendered:
        """Seed 002 §10.3's card (see the module docstring)."""
        s = self.signal
        score = s.score if s.score is not None else s.confidence
        tier = "🔥" if (s.tier or "").upper() == "HIGH" else "⚡"
        bar_s = None if self.timeframe is None else timeframe_ms(self.timeframe) / 1000
        valid = "—" if bar_s is None else f"{bar_s / 60:g} min"
        lines = [
            f"{side_emoji(s.side)} {side_word(s.side)} — {s.symbol} {tier}",
            RULE,
            f"📊 Confluence Score: {score:.0f}/100 {stars(score)}",
            f"⏱ Timeframe: {self.timeframe or '—'} | Valid: {valid}",
            f"🏷 Tier: {s.tier or '—'} | Setup: {s.variant or '—'}",
            "",
            *setup_lines(s, self.order),
            "",
            f"⚖️ Risk/Reward: {reward_risk(s, self.order)}",
        ]
        qty = s.qty or (None if self.order is None else _num(self.order.qty))
        if qty and self.equity and self.equity > 0:
            lines.append(f"📐 Position Size: {qty * s.entry / self.equity * 100:.2f}% of portfolio")
        else:
            lines.append("📐 Position Size: —")
        risk = money(qty * abs(s.entry - s.stop_loss), signed=False) if qty else "—"
        lines += [f"💵 Risk: {risk}", "", "📡 DATA BREAKDOWN", *layer_lines(s)]
        formula = _formula(s.breakdown)
        if formula:
            lines.append(formula)
        lines += ["", f"🌐 Market Regime: {regime_words(s)}", RULE]
        exits = None if self.order is None else self.order.exits
        hold = None if exits is None else exits.max_hold_bars
        if hold is not None:
            span = "" if bar_s is None else f" ({duration(hold * bar_s)})"
            lines.append(f"⚠️ Max hold: {hold} candles{span}")
        if s.status == "pending":
            lines.append("⏳ Waiting for confirmation (see the Confirm / Reject message).")
        lines += ["🤖 100% data-driven. Zero emotion.", f"⏰ {utc_time(s.time_ms)}"]
        return Rendered("\n".join(lines))


def _formula(breakdown: Mapping[str, float]) -> str | None:
    """How the score was reached: raw × missing-layer penalty × regime modifier."""
    raw, penalty = breakdown.get("confluence_raw"), breakdown.get("missing_penalty")
    if raw is None or penalty is None:
        return None
    missing = int(breakdown.get("missing_layers", 0))
    modifier = breakdown.get("regime_modifier", 1.0)
    return f"🧮 {raw:.1f} × {penalty:.2f} ({missing} missing) × {modifier:.2f} regime"


__all__ = [
    "LAYERS",
    "STRATEGIES",
    "ConfluenceSignalAlert",
    "Layer",
    "is_missing",
    "layer_lines",
    "missing_reasons",
    "stars",
]
