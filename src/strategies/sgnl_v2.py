"""SGNL-V2: the short-only microstructure scalper of seeds 000 + 001, on the platform.

It shorts a low-priced perpetual (under `max_price` USDT) when the order book leans to
the asks, a seller sweeps the book, open interest rises while the price falls, funding
does not argue against the short, BTC is not pumping, a resistance is close above and
the spread is tight — and the UPS score of the ten features reaches `min_score`. The
features, the 10 → 7 component mapping and the score are in
`scalplab.strategies.sgnl_features` (the PROPOSED readings of seeds/FEATURES.md A.1–A.3,
adopted by seeds/DECISIONS.md §3; every threshold below is a param with the seed's
value and its section).

Exits (FEATURES.md A.4): take-profit `tp_pct` (1.7 %); stop `clamp(stop_k × ATR%(14),
0.7, 1.1) %` (DECISIONS.md §2); a 1 h timeout (`max_hold_minutes`); the emergency exits
of 000 §3 — BTC flips to a pump, or the ask pressure collapses (ask dominance under
`collapse_ask_dominance`) — close at the next open (exit reason `signal`); an optional
ATR trail (`trail_atr_mult`, off by default: the seed names a trail, gives no number).

Limits (001 "Key Parameters"; DECISIONS.md §2): at most 8 signals per UTC day, 60 s
between signals of a symbol, and no entry while the BTC reference feed is missing
(000 §16 "BTC feed missing → pause": every signal is blocked until its bars are back)
— declared breakers, binding in backtests too.

Reward/risk: 1.7 % against 0.7–1.1 % is 1.55–2.43, under the platform's default
`MIN_RR` of 3, so at the default floor every signal is rejected `min_rr` (DECISIONS.md
§1: the seed's geometry is kept, never bent to pass the gate); the seed assumed no
floor — run it with `min_rr` at 1.5 to trade it as written.

Data: aggregate trades (sweeps), book top (spread), depth20 (F1–F4), open interest
(F6) and funding (F7) through `market_data`, and BTCUSDT 1m as a reference feed. In a
degraded backtest without book data the book features are missing: no signal fires
(every entry rule needs them), which is what the result then says.
"""

from __future__ import annotations

import math
from collections import deque
from typing import ClassVar

import numpy as np

from scalplab.data.features import BarFeatures, FeatureParams
from scalplab.strategies import sgnl_features as f
from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.breakers import BlockSignal, Cooldown, FeedMissing, MaxSignals
from scalplab.strategies.indicators import pivots
from scalplab.strategies.indicators_incremental import DailyVwap, WilderAtr
from scalplab.strategies.params import ParamInfo
from scalplab.strategies.signal import Signal

BTC_FEED = "BTCUSDT:1m"
RESISTANCE_BARS = 100
"""Bars of highs searched for the swing highs that count as resistance."""


class SgnlV2Strategy(SignalStrategy):
    """SGNL-V2's short entries on the UPS score and its gates (see the module docstring)."""

    name = "sgnl_v2"
    version = "2.0.0"
    description = (
        "Short-only microstructure scalper (SGNL-V2): UPS score of ten order-book, flow, "
        "OI and funding features; TP 1.7 %, volatility-scaled stop, 1 h timeout."
    )
    feeds: ClassVar[tuple[str, ...]] = (BTC_FEED,)
    market_data: ClassVar[tuple[str, ...]] = (
        "aggTrades",
        "bookTicker",
        "depth20",
        "openInterest",
        "funding",
    )
    market_params: ClassVar[FeatureParams] = FeatureParams(depth_levels=10)
    breakers = (
        MaxSignals("daily_cap", 8, window="utc_day", scope="strategy"),
        Cooldown("symbol_cooldown", 60, scope="symbol"),
        FeedMissing("btc_feed", BTC_FEED, max_missing_bars=0, effect=BlockSignal()),
    )

    params = (
        ("min_score", 72.0),
        ("min_ask_dominance", 0.60),
        ("min_oi_divergence", 30.0),
        ("oi_rule", True),
        ("oi_lookback", 10),
        ("oi_full_pct", 2.0),
        ("price_full_pct", 1.0),
        ("funding_full_rate", 0.0001),
        ("min_funding_rate", 0.0),
        ("momentum_bars", 5),
        ("momentum_full_pct", 0.5),
        ("btc_full_pct", 3.0),
        ("btc_pump_pct", 1.0),
        ("max_resistance_pct", 0.25),
        ("max_spread_pct", 0.5),
        ("tp_pct", 1.7),
        ("stop_k", 1.0),
        ("stop_min_pct", 0.7),
        ("stop_max_pct", 1.1),
        ("atr_period", 14),
        ("max_hold_minutes", 60),
        ("collapse_ask_dominance", 0.5),
        ("trail_atr_mult", 0.0),
        ("max_price", 5.0),
    )
    param_info: ClassVar[dict[str, ParamInfo]] = {
        "min_score": ParamInfo("UPS score needed to enter (000 §3, 001: 72).", min=0, max=100),
        "min_ask_dominance": ParamInfo(
            "Ask share of the top 10 levels needed (000 §6, 001: ≥ 60 %).", min=0, max=1
        ),
        "min_oi_divergence": ParamInfo(
            "OI divergence sub-score needed (001: ≥ 30, on the 0..100 scale).", min=0, max=100
        ),
        "oi_rule": ParamInfo(
            "Gate on OI divergence (000 §3). Off: OI still weighs 20 in the score but does "
            "not gate — for data without open interest; not the seed's rule."
        ),
        "oi_lookback": ParamInfo("Bars over which OI and price change (A.1 #6).", min=1, max=500),
        "oi_full_pct": ParamInfo("OI rise scoring full marks, % (upstream: 2).", min=0.01, max=100),
        "price_full_pct": ParamInfo(
            "Price fall scoring full marks for OI divergence, % (upstream: 1).", min=0.01, max=100
        ),
        "funding_full_rate": ParamInfo(
            "Funding rate scoring full marks for the short (0.0001 = 0.01 %).", min=1e-6, max=0.01
        ),
        "min_funding_rate": ParamInfo(
            "Lowest funding rate that 'aligns' with the short (000 §3; A.3: ≥ 0).",
            min=-0.01,
            max=0.01,
        ),
        "momentum_bars": ParamInfo("Closes of the 1m momentum (A.1 #8).", min=1, max=500),
        "momentum_full_pct": ParamInfo(
            "A fall over the momentum bars scoring full marks, %.", min=0.01, max=100
        ),
        "btc_full_pct": ParamInfo(
            "BTC return counting as a full pump, % (upstream: 3 %/h).", min=0.01, max=100
        ),
        "btc_pump_pct": ParamInfo(
            "BTC 5m or 60m return above which BTC is 'pumping' (000 §3; the seed gives no number).",
            min=0.01,
            max=100,
        ),
        "max_resistance_pct": ParamInfo(
            "Largest distance to the swing high above (000 §6: < 0.25 %).", min=0, max=100
        ),
        "max_spread_pct": ParamInfo("Widest spread allowed (001: < 0.5 %).", min=0, max=100),
        "tp_pct": ParamInfo("Take-profit distance (000 §1, 001: 1.7 %).", min=0.01, max=100),
        "stop_k": ParamInfo("Stop = k × ATR% (DECISIONS.md §2: k = 1).", min=0.01, max=100),
        "stop_min_pct": ParamInfo("Tightest stop (000 §1: 0.7 %).", min=0.01, max=100),
        "stop_max_pct": ParamInfo("Widest stop (000 §1: 1.1 %).", min=0.01, max=100),
        "atr_period": ParamInfo("ATR period for the stop (A.4: 14).", min=1, max=500),
        "max_hold_minutes": ParamInfo("Timeout (001 'Exit Logic': 1 h).", min=1, max=10_000),
        "collapse_ask_dominance": ParamInfo(
            "Ask dominance under which the pressure has collapsed: emergency exit (A.4).",
            min=0,
            max=1,
        ),
        "trail_atr_mult": ParamInfo(
            "Optional ATR trail multiple (000 §3 'optional trailing'; 0 = off).", min=0, max=100
        ),
        "max_price": ParamInfo("Trade symbols under this price only (000 §1: 5 USDT).", min=0),
    }

    def __init__(self) -> None:
        self._closes: deque[float] = deque(maxlen=max(int(self.p.oi_lookback), 60) + 1)
        self._highs: deque[float] = deque(maxlen=RESISTANCE_BARS)
        self._lows: deque[float] = deque(maxlen=RESISTANCE_BARS)
        self._ois: deque[float] = deque(maxlen=int(self.p.oi_lookback) + 1)
        self._btc: deque[float] = deque(maxlen=61)
        self._btc_open_ms: int | None = None
        self._previous_bid_max: float | None = None
        self._atr = WilderAtr(int(self.p.atr_period))
        self._vwap = DailyVwap()
        p = self.p
        self._limits = f.Thresholds(
            min_score=float(p.min_score),
            min_ask_dominance=float(p.min_ask_dominance),
            min_oi_divergence=float(p.min_oi_divergence),
            min_funding_rate=float(p.min_funding_rate),
            max_resistance_pct=float(p.max_resistance_pct),
            max_spread_pct=float(p.max_spread_pct),
        )
        self._previous_open_ms: int | None = None
        self._bar_ms: int | None = None

    # ----- per bar ---------------------------------------------------------------------

    def generate_signal(self) -> Signal | None:
        bar = self._bar()
        if self._previous_open_ms is not None:
            spacing = bar.open_ms - self._previous_open_ms
            self._bar_ms = spacing if self._bar_ms is None else min(self._bar_ms, spacing)
        self._previous_open_ms = bar.open_ms
        self._closes.append(bar.close)
        self._highs.append(bar.high)
        self._lows.append(bar.low)
        self._atr.update(bar.high, bar.low, bar.close)
        vwap = self._vwap.update(bar.open_ms, bar.high, bar.low, bar.close, bar.volume)
        self._follow_btc()
        market = self.market
        if market.open_interest is not None:
            self._ois.append(market.open_interest)
        bid_max = market.bid_level_max
        previous_bid_max, self._previous_bid_max = self._previous_bid_max, bid_max
        if self.in_position:
            self._emergency_exit(market)
            return None
        return self._entry(bar.close, vwap, market, previous_bid_max)

    def _entry(
        self, close: float, vwap: float, market: BarFeatures, previous_bid_max: float | None
    ) -> Signal | None:
        p = self.p
        atr = self._atr.value
        if close >= float(p.max_price) or atr is None:
            return None
        book = _book(market)
        if book is None or market.sell_sweeps is None:
            return None  # no book or no trades for this bar: nothing can be judged
        ask_dom, bid_weak, wall_pressure, spread = book
        price_move = f.pct_change(self._closes[-2], close) if len(self._closes) > 1 else 0.0
        exhaustion = (
            0.0
            if previous_bid_max is None or market.bid_level_max is None
            else f.buy_wall_exhaustion([previous_bid_max], [market.bid_level_max], price_move)
        )
        oi_change, price_change = self._oi_and_price_change()
        oi_div = f.oi_divergence(oi_change, price_change, p.oi_full_pct, p.price_full_pct)
        funding = market.funding_rate
        momentum_ret = self._return(int(p.momentum_bars))
        pump = self._btc_pump()
        swept = market.sell_sweeps > 0
        parts = f.components(
            ask_dom=ask_dom,
            bid_weak=bid_weak,
            wall_pressure=wall_pressure,
            wall_exhaustion=exhaustion,
            swept=swept,
            oi_div=oi_div,
            funding=0.0 if funding is None else f.funding_score(funding, p.funding_full_rate),
            momentum=f.short_momentum(momentum_ret, p.momentum_full_pct),
            pump=1.0 if pump is None else pump,
        )
        score = parts.ups()
        reading = f.Reading(
            score=score,
            ask_dominance=ask_dom,
            swept=swept,
            oi_change_pct=oi_change,
            price_change_pct=price_change,
            oi_divergence=oi_div,
            funding_rate=funding,
            btc_pumping=pump is None or self._btc_pumping(),
            resistance_pct=f.resistance_distance_pct(close, self._swing_highs()),
            spread_pct=spread,
        )
        gates = f.entry_gates(reading, self._limits)
        if not self.p.oi_rule:
            gates = {rule: holds for rule, holds in gates.items() if not rule.startswith("OI ")}
        if not all(gates.values()):
            return None
        stop_pct = f.stop_pct(atr / close * 100.0, p.stop_k, p.stop_min_pct, p.stop_max_pct)
        breakdown = {
            "ask_dominance": ask_dom,
            "bid_weakness": bid_weak,
            "sell_wall_pressure": wall_pressure,
            "buy_wall_exhaustion": exhaustion,
            "sweep": 1.0 if swept else 0.0,
            "oi_change_pct": oi_change,
            "price_change_pct": price_change,
            "funding_rate": 0.0 if funding is None else funding,
            "momentum_pct": momentum_ret,
            "vwap_distance_pct": f.pct_change(vwap, close),
            "spread_pct": spread,
            "btc_pump": 1.0 if pump is None else pump,
            "resistance_pct": reading.resistance_pct,
            "stop_pct": stop_pct,
            **{f"{name}_score": value for name, value in component_scores(parts).items()},
        }
        return Signal(
            "short",
            close,
            close * (1 + stop_pct / 100.0),
            close * (1 - float(p.tp_pct) / 100.0),
            confidence=round(score, 1),
            reasons=list(gates),
            max_hold_bars=self._hold_bars(),
            trail_atr=(float(p.trail_atr_mult), int(p.atr_period))
            if p.trail_atr_mult > 0
            else None,
            score=round(score, 1),
            tier="HIGH" if score >= 85 else "STANDARD",
            variant="short",
            breakdown=breakdown,
        )

    def _emergency_exit(self, market: BarFeatures) -> None:
        """000 §3: out at the next open when BTC flips to a pump or the ask pressure is gone."""
        collapsed = (
            market.depth_imbalance is not None
            and market.depth_imbalance < self.p.collapse_ask_dominance
        )
        if self._btc_pumping() or collapsed:
            self.exit_position()

    # ----- helpers ---------------------------------------------------------------------

    def _follow_btc(self) -> None:
        """Keep the closes of BTC bars as they close (each once)."""
        btc = self.datas[1]
        if not len(btc):
            return
        opened = round((btc.datetime[0] - 719163.0) * 86_400_000.0)
        if opened != self._btc_open_ms:
            self._btc_open_ms = opened
            self._btc.append(float(btc.close[0]))

    def _btc_pump(self) -> float | None:
        if len(self._btc) < 2:
            return None
        return f.btc_pump(*self._btc_returns(), self.p.btc_full_pct)

    def _btc_returns(self) -> tuple[float, float]:
        closes = self._btc
        last = closes[-1]
        five = closes[-6] if len(closes) > 5 else closes[0]
        return f.pct_change(five, last), f.pct_change(closes[0], last)

    def _btc_pumping(self) -> bool:
        if len(self._btc) < 2:
            return False
        return max(self._btc_returns()) >= float(self.p.btc_pump_pct)

    def _return(self, bars: int) -> float:
        closes = self._closes
        if len(closes) < 2:
            return 0.0
        before = closes[-bars - 1] if len(closes) > bars else closes[0]
        return f.pct_change(before, closes[-1])

    def _oi_and_price_change(self) -> tuple[float, float]:
        if len(self._ois) < 2:
            return 0.0, 0.0
        return f.pct_change(self._ois[0], self._ois[-1]), self._return(len(self._ois) - 1)

    def _swing_highs(self) -> list[float]:
        if len(self._highs) < 5:
            return []
        found = pivots(np.array(self._highs), np.array(self._lows), 2, 2).high
        return [float(v) for v in found if math.isfinite(v)]

    def _hold_bars(self) -> int:
        """The timeout in bars of the run's timeframe (the spacing of its bars)."""
        return max(1, int(self.p.max_hold_minutes) * 60_000 // (self._bar_ms or 60_000))


def _book(market: BarFeatures) -> tuple[float, float, float, float] | None:
    """F1, F2, F3 and F10 from the bar's book, or None without a book."""
    if (
        market.depth_imbalance is None
        or market.bid_depth is None
        or market.bid_depth_near is None
        or market.ask_depth is None
        or market.ask_level_max is None
        or market.spread_pct is None
    ):
        return None
    near = market.bid_depth_near
    deeper = market.bid_depth - near
    bid_weak = f.clamp((1.0 - deeper / near) * 100.0) if near > 0 else 0.0
    levels = 10
    mean_ask = market.ask_depth / levels
    wall_pressure = f.clamp((market.ask_level_max / mean_ask - 1.0) * 50.0) if mean_ask else 0.0
    return market.depth_imbalance, bid_weak, wall_pressure, market.spread_pct


def component_scores(parts: f.Components) -> dict[str, float]:
    """The components by name."""
    return {name: getattr(parts, name) for name in f.WEIGHTS}
