"""Confluence-15m: seed 002's data-driven 15m scalp engine, on the platform.

On each 15m close (§7.3) it scores the technical layer (§3: RSI, EMA 9/21/50/200, daily
VWAP, MACD, Bollinger, OBV, Stoch RSI, volume, swing-pivot support/resistance and the
patterns — breakout, liquidity grab, fair value gap, order block, RSI divergence, EMA
bounce, VWAP reclaim, momentum ignition; `confluence_layers`, `confluence_patterns`),
takes the direction from it (long over 55, short under 45), filters it through the 1h,
5m and 1m confirmation feeds (the multi-timeframe multiplier), scores the order flow
(§4: book imbalance and walls, taker flow, large orders, funding, open interest;
`confluence_flow`), layers 3 and 4 and the regime from the providers' readings as of the
bar's close (`confluence_external`; `external_layers`: whale_alert, fear_greed, macro) and
the backtest score, the win rate of its own closed positions of the same setup
(`confluence_setups`). The confluence score
(`confluence_score`, DECISIONS.md §4: the weighted mean of the layers' agreement, missing
layers left out and × (1 − 0.1 × missing)) must reach MEDIUM (65) or HIGH (80), with at
least three indicators agreeing and a volume spike (§1.4, both PROPOSED hard gates).

Exits and risk (`confluence_risk`, DECISIONS.md §5): stop 1.5 × ATR(14) floored at 0.3 %,
discarded over 3 %; 40 / 40 / 20 % at 1.5R / 2.5R / 4R; breakeven after TP1, the stop to
TP1 after TP2; 8 bars at most. The seed's nine breakers (§9) are declared breakers,
binding in backtests: revenge (900 s per symbol after a stop-loss), overtrading (10
entries an hour), daily drawdown (−5 %: every entry paused until a person resumes; to
the end of a backtest), win streak (5 wins: size × 0.5), correlation (> 0.85 with an
open same-side position, hourly returns over 30 days), low-quality UTC hours 04–07 and
20–23 (a signal under 65 + 5 is blocked and HIGH needs 85; the breaker is a class-level
declaration, so it does not follow a changed `medium_threshold`), max positions (5),
extreme volatility
(ATR > 3 × its 20-bar mean) and macro danger (every entry paused for an hour when BTC
moves > 5 % in an hour, or, when macro readings exist, the S&P 500 drops > 2 % or the DXY
rises > 1 % in an hour: §9's thresholds; §6's 1 % / 0.5 % DANGER is layer 4's).
Sizing: `RISK_PER_TRADE_PCT` (the seed's is 1.5 %: set it) × the score band (85+ × 1,
75–85 × 0.75, under 75 × 0.5) × the win-streak factor, then the 6 % portfolio heat cap.

Reward/risk: the ladder averages 2.4R, so at the platform's default `MIN_RR` of 3 every
signal is rejected `min_rr` (DECISIONS.md §1); the seed assumed a floor of 2.0 (its
`MIN_RR_RATIO`, measured at TP2): run it with `min_rr=2`.

Data: `market_data` aggTrades, depth20, openInterest and funding; a backtest without
them is refused unless degraded, and degraded (DECISIONS.md §6) the order-flow layer
keeps what the fallbacks give (taker volumes from the candles' taker-buy columns when
the candles have them, funding from the funding store, open interest from the metrics
archive) and scores on those alone; with none of them it is missing. Feeds: 1m, 5m and
1h of the run's symbol and BTCUSDT 15m (the lower timeframes work through the `feeds`
contract: each 1m or 5m bar is seen once it has closed by the 15m close). External data:
the recorded snapshots of its providers in backtests and replays, the server's polled
readings in live paper (never one fetched after the bar's close); without them layers 3–4
are missing with the reason, and until a setup has closed positions the backtest score
too: three of five layers missing (× 0.7), a score tops out near 70 and HIGH is out of
reach — honest, as DECISIONS.md §4 says. The
deviations from the seed are the PROPOSED readings named in each helper's docstrings.
"""

from __future__ import annotations

from typing import Any, ClassVar

from scalplab.data.bars import Bar
from scalplab.data.features import BarFeatures, FeatureParams
from scalplab.data.providers.asof import RunReadings
from scalplab.strategies import confluence_flow as flow
from scalplab.strategies import confluence_layers as ta
from scalplab.strategies import confluence_patterns as pat
from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.breakers import (
    Correlated,
    DailyLoss,
    ExternalMove,
    ExtremeVolatility,
    FeedMove,
    MaxSignals,
    OpenPositions,
    PauseUntil,
    RaiseThreshold,
    ScaleSize,
    StopLossCooldown,
    UtcHours,
    WinStreak,
)
from scalplab.strategies.confluence_external import EXTERNAL_LAYERS, ExternalView, external_view
from scalplab.strategies.confluence_params import PARAM_INFO, PARAMS
from scalplab.strategies.confluence_risk import heat_breaker, sizing_breakers, trade_levels
from scalplab.strategies.confluence_score import ExternalLayers, agreement, confluence, tier
from scalplab.strategies.confluence_setups import SetupHistory, backtest_layer
from scalplab.strategies.confluence_state import (
    Closes,
    FeedTrend,
    Momentum,
    Tape,
    TapeSettings,
)
from scalplab.strategies.signal import Signal

BTC_FEED = "BTCUSDT:15m"
LOW_HOURS = (4, 5, 6, 7, 20, 21, 22, 23)
"""§9 Breaker 6: `range(4, 8) + range(20, 24)` UTC."""
HOUR_PAUSE = PauseUntil(3600)


class Confluence15mStrategy(SignalStrategy):
    """The 15m confluence engine's entries (see the module docstring)."""

    name = "confluence_15m"
    version = "1.0.0"
    description = (
        "15m confluence scalper (seed 002): technical, order-flow and external layers "
        "scored together; ATR stop, 1.5R/2.5R/4R ladder, nine circuit breakers."
    )
    feeds: ClassVar[tuple[str, ...]] = ("1m", "5m", "1h", BTC_FEED)
    market_data: ClassVar[tuple[str, ...]] = ("aggTrades", "depth20", "openInterest", "funding")
    market_params: ClassVar[FeatureParams] = FeatureParams(depth_levels=10, wall_multiple=5.0)
    external_layers: ClassVar[dict[str, tuple[str, ...]]] = EXTERNAL_LAYERS
    breakers = (
        StopLossCooldown("conf_revenge", 900, scope="symbol"),
        MaxSignals("conf_overtrading", 10, window="rolling_hour", scope="strategy"),
        DailyLoss("conf_daily_drawdown", 5.0),
        WinStreak("conf_win_streak", 5, scope="strategy", effect=ScaleSize(0.5)),
        Correlated("conf_correlation", 0.85, bars=720, min_bars=24),
        UtcHours("conf_low_hours", LOW_HOURS, effect=RaiseThreshold(65.0, 5.0)),
        OpenPositions("conf_max_positions", 5),
        ExtremeVolatility("conf_volatility", 3.0),
        FeedMove("conf_macro_danger", BTC_FEED, minutes=60, pct=5.0, effect=PauseUntil(3600)),
        ExternalMove("conf_macro_spx", "macro", "spx.close", 60, 2.0, "down", effect=HOUR_PAUSE),
        ExternalMove("conf_macro_dxy", "macro", "dxy.close", 60, 1.0, "up", effect=HOUR_PAUSE),
        *sizing_breakers("conf"),
        heat_breaker("conf_heat"),
    )
    params = PARAMS
    param_info = PARAM_INFO

    def __init__(self) -> None:
        p = self.p
        self._tape = Tape(
            TapeSettings(
                rsi_period=int(p.rsi_period),
                bb_period=int(p.bb_period),
                bb_k=float(p.bb_k),
                atr_period=int(p.atr_period),
                volume_period=int(p.volume_period),
                window=int(p.sr_lookback),
                divergence_bars=int(p.divergence_bars),
                squeeze_bars=int(p.bb_period),
            )
        )
        self._m1 = Momentum(int(p.momentum_1m_bars))
        self._m5, self._h1 = FeedTrend(), FeedTrend()
        self._btc = Closes(17)
        self._setups = SetupHistory()
        self._seen = [0, 0, 0, 0, 0]
        self._prev_close: float | None = None
        self._before: float | None = None
        self._prev_open_ms: int | None = None
        self._source: RunReadings | None = p.external

    # ----- following the extra feeds -------------------------------------------------------

    def prenext(self) -> None:
        # an extra feed is still warming up: the 15m bar still feeds the indicators
        self._follow()
        if len(self.data):
            self._take(self._bar())
        super().prenext()

    def next(self) -> None:
        self._follow()
        super().next()

    def _follow(self) -> None:
        """Feed every extra bar that closed since the last step, each once, in order."""
        takers = (self._m1.update, self._m5.update, self._h1.update, self._btc.update)
        for index, take in enumerate(takers, start=1):
            data = self.datas[index]
            count = len(data)
            new = count - self._seen[index]
            if new <= 0:
                continue
            for back in range(min(new, count) - 1, -1, -1):
                take(float(data.close[-back]))
            self._seen[index] = count

    def external_view(self, open_ms: int) -> ExternalView:
        """Layers 3 and 4 and the regime as of the close of the bar opened at `open_ms`."""
        p = self.p
        return external_view(
            self._source,
            open_ms,
            self._btc.change_pct(4),
            self._btc.change_pct(16),
            float(p.external_max_age_min) * 60.0,
            float(p.regime_btc_4h_pct),
        )

    # ----- per bar --------------------------------------------------------------------------

    def _take(self, bar: Bar) -> float | None:
        """Feed a 15m bar to the indicators, once; the previous bar's close."""
        if bar.open_ms == self._prev_open_ms:
            return self._before
        self._prev_open_ms = bar.open_ms
        self._tape.update(bar.open_ms, bar.open, bar.high, bar.low, bar.close, bar.volume)
        self._before, self._prev_close = self._prev_close, bar.close
        return self._before

    def generate_signal(self) -> Signal | None:
        bar = self._bar()
        prev_close = self._take(bar)
        tape = self._tape
        if self.in_position or not tape.ready or tape.bars < int(self.p.warmup_bars):
            return None
        atr = tape.atr.value
        assert atr is not None
        if atr / bar.close * 100.0 < float(self.p.min_atr_pct):
            return None
        scores, values, found = self._technical(bar.open, bar.high, bar.low, bar.close)
        ta_sides = ta.weighted(scores, ta.TA_WEIGHTS)
        bull = ta_sides.bull
        direction = (
            1 if bull > float(self.p.direction_long) else -1 if bull < self.p.direction_short else 0
        )
        if direction == 0:
            return None
        if self.p.volume_gate and values["volume_ratio"] < float(self.p.volume_spike):
            return None
        if ta.agreeing(scores, direction, float(self.p.agree_margin)) < int(self.p.min_agreeing):
            return None
        trend_1h, trend_5m = ta.ema_trend(*self._h1.values), ta.ema_trend(*self._m5.values)
        mtf = ta.mtf_multiplier(direction, trend_1h, trend_5m, self._m1.direction)
        flow_scores, flow_values = self._order_flow(self.market, bar.close, prev_close)
        flow_sides = ta.weighted(flow_scores, flow.FLOW_WEIGHTS) if flow_scores else None
        best = pat.strongest(found, direction)
        kind = best.kind if best is not None else "confluence"
        view = self.external_view(bar.open_ms)
        external, missing = self._with_backtest(view, kind, direction)
        agreements: dict[str, float | None] = {
            "technical": min(100.0, ta_sides.side(direction) * mtf),
            "orderflow": None if flow_sides is None else flow_sides.side(direction),
        }
        for layer in ("onchain", "sentiment", "backtest"):
            reading = getattr(external, layer)
            agreements[layer] = None if reading is None else agreement(reading.effective, direction)
        weights = {layer: float(getattr(self.p, f"weight_{layer}")) for layer in agreements}
        result = confluence(
            agreements, weights, direction, external.regime, float(self.p.missing_penalty)
        )
        low_hour = (bar.open_ms // 3_600_000) % 24 in LOW_HOURS
        raise_by = float(self.p.low_hours_raise) if low_hour else 0.0
        grade = tier(
            result.score, float(self.p.high_threshold), float(self.p.medium_threshold), raise_by
        )
        if grade is None:
            return None
        levels = trade_levels(
            direction,
            bar.close,
            atr,
            float(self.p.atr_sl_mult),
            float(self.p.sl_floor_pct),
            float(self.p.sl_max_pct),
            *self._ladder(),
        )
        if levels is None:
            return None
        breakdown = {
            **values,
            **flow_values,
            **view.values,
            **{f"{name}_score": sides.bull for name, sides in scores.items()},
            **{f"{name}_score": sides.bull for name, sides in flow_scores.items()},
            "ta_score": bull,
            "orderflow_score": flow_sides.bull if flow_sides is not None else 0.0,
            "mtf_multiplier": mtf,
            "trend_1h": float(trend_1h),
            "trend_5m": float(trend_5m),
            "momentum_1m": float(self._m1.direction),
            "confluence_raw": result.raw,
            "missing_penalty": result.penalty,
            "regime_modifier": result.modifier,
            "missing_layers": float(len(result.missing)),
            "stop_pct": levels.stop_pct,
            **{f"{layer}_agreement": value for layer, value in result.agreements.items()},
            **{f"{layer}_missing": 1.0 for layer in result.missing},
            **{f"pattern_{p.kind}": p.direction * p.confidence for p in found},
        }
        for layer in ("onchain", "sentiment", "backtest"):
            reading = getattr(external, layer)
            if reading is not None:
                breakdown[f"{layer}_score"] = reading.score
                breakdown[f"{layer}_freshness"] = reading.freshness
        if flow_sides is None:
            del breakdown["orderflow_score"]
        btc_change = self._btc.change_pct(4)
        if btc_change is not None:
            breakdown["btc_1h_change_pct"] = btc_change
        if flow_sides is None:
            missing["orderflow"] = "no order-flow input for this bar"
        reasons = self._reasons(scores, flow_scores, direction, external)
        if external.regime is not None:
            reasons.append(f"regime {external.regime}")
        if result.missing:
            why = (f"{layer} ({missing.get(layer, 'no data')})" for layer in result.missing)
            reasons.append(f"missing layers: {'; '.join(why)}")
        reasons += [*view.notes, f"tier {grade}"]
        if low_hour:
            reasons.append(f"low-quality UTC hour: HIGH needs +{raise_by:g}")
        self._setups.emitted(bar.open_ms, kind, direction)
        return Signal(
            "long" if direction > 0 else "short",
            bar.close,
            levels.stop,
            take_profits=levels.legs,
            confidence=float(result.score),
            reasons=reasons,
            breakeven_after_leg=1,
            stop_to_leg_after_leg=(2, 1),
            trail_atr=(float(self.p.trail_atr_mult), int(self.p.atr_period))
            if self.p.trail_atr_mult > 0
            else None,
            max_hold_bars=int(self.p.max_hold_candles),
            score=float(result.score),
            tier=grade,
            variant=kind,
            breakdown=breakdown,
        )

    def _with_backtest(
        self, view: ExternalView, kind: str, direction: int
    ) -> tuple[ExternalLayers, dict[str, str]]:
        """The external layers with the backtest score of this setup (`confluence_setups`:
        the win rate of the plugin's own closed positions of it), and every missing layer's
        reason."""
        setups = self._setups
        setups.fold(self.closed_trades())
        wins, total = setups.record(kind, direction)
        layer, why = backtest_layer(wins, total, kind, direction, int(self.p.bt_min_trades))
        missing = dict(view.missing)
        if layer is None:
            missing["backtest"] = why
        layers = view.layers
        if layers.backtest is None:
            layers = ExternalLayers(layers.onchain, layers.sentiment, layer, layers.regime)
        return layers, missing

    def _ladder(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """The legs' R multiples and fractions (TP3 takes what TP1 and TP2 leave)."""
        p = self.p
        first, second = float(p.tp1_frac), float(p.tp2_frac)
        third = 1.0 - first - second
        if third <= 1e-9:
            return (float(p.tp1_r), float(p.tp2_r)), (first, 1.0 - first)
        return (float(p.tp1_r), float(p.tp2_r), float(p.tp3_r)), (first, second, third)

    # ----- the layers -----------------------------------------------------------------------

    def _technical(
        self, o: float, h: float, lo: float, c: float
    ) -> tuple[dict[str, ta.Sides], dict[str, float], list[pat.Pattern]]:
        """Layer 1's sub-scores, their raw values and the patterns found on this bar."""
        p, tape = self.p, self._tape
        fast, mid, slow, trend_ema = (ema.value for ema in tape.emas)
        macd, prev_macd = tape.macd.value, tape.prev_macd
        bands, stoch, prev_stoch = tape.bands.value, tape.stoch.value, tape.prev_stoch
        vwap, prev_vwap = tape.vwap_value, tape.prev_vwap
        mean_volume, atr = tape.volume_mean.value, tape.atr.value
        assert fast is not None and mid is not None and slow is not None and macd is not None
        assert prev_macd is not None and bands is not None and stoch is not None
        assert prev_stoch is not None and vwap is not None and prev_vwap is not None
        assert mean_volume is not None and atr is not None and tape.rsi.value is not None
        assert tape.prev_fast is not None and tape.prev_mid is not None
        trend, rsi = tape.trend, tape.rsi.value
        window = tape.window()
        volume_ratio = tape.volumes[-1] / mean_volume if mean_volume > 0 else 0.0
        span = int(p.pivot_bars)
        here = pat.levels(window.high, window.low, c, span)
        prior = pat.levels(window.high[:-1], window.low[:-1], window.close[-2], span)
        price_change = tape.obv_closes[-1] - tape.obv_closes[0]
        obv_change = tape.obvs[-1] - tape.obvs[0]
        candle = 1 if c > o else -1 if c < o else 0
        spike = float(p.volume_spike)
        trend_1h, trend_5m = ta.ema_trend(*self._h1.values), ta.ema_trend(*self._m5.values)
        agree = (int(trend_1h > 0) + int(trend_5m > 0), int(trend_1h < 0) + int(trend_5m < 0))
        found = [
            found
            for found in (
                pat.breakout(window, prior, volume_ratio, spike, *agree),
                pat.liquidity_grab(window, prior, volume_ratio, spike),
                pat.fair_value_gap(window, int(p.fvg_lookback)),
                pat.order_block(window, atr, int(p.fvg_lookback)),
                pat.rsi_divergence(window, span, int(p.divergence_recent)),
                pat.ema_bounce(window, mid, trend_1h),
                pat.vwap_reclaim(window, vwap, prev_vwap, volume_ratio),
                pat.momentum_ignition(window, 3),
            )
            if found is not None
        ]
        long_best, short_best = pat.strongest(found, 1), pat.strongest(found, -1)
        scores = {
            "rsi": ta.rsi_score(rsi, trend),
            "ema_structure": ta.ema_score(
                fast, mid, slow, trend_ema, tape.prev_fast, tape.prev_mid
            ),
            "vwap": ta.vwap_score(c, h, lo, vwap, float(p.vwap_touch_pct), float(p.vwap_full_pct)),
            "macd": ta.macd_score(*macd, *prev_macd),
            "bollinger": ta.bollinger_score(
                c, bands[0], bands[2], trend, tape.squeeze, float(p.bb_touch)
            ),
            "obv": ta.obv_score(price_change, obv_change),
            "stoch_rsi": ta.stoch_rsi_score(*stoch, *prev_stoch, 20.0, 80.0),
            "volume": ta.volume_score(volume_ratio, candle, spike, float(p.volume_dead)),
            "support_resistance": ta.support_resistance_score(
                c, here.support, here.resistance, trend, float(p.sr_near_pct)
            ),
            "pattern": ta.pattern_score(
                0.0 if long_best is None else long_best.confidence,
                0.0 if short_best is None else short_best.confidence,
            ),
        }
        values = {
            "rsi": rsi,
            "ema_9": fast,
            "ema_21": mid,
            "ema_50": slow,
            "vwap_distance_pct": (c - vwap) / vwap * 100.0,
            "macd_hist": macd[2],
            "stoch_k": stoch[0],
            "volume_ratio": volume_ratio,
            "atr": atr,
            "atr_pct": atr / c * 100.0,
            "obv_change": obv_change,
        }
        if trend_ema is not None:
            values["ema_200"] = trend_ema
        if here.support is not None:
            values["support_distance_pct"] = (c - here.support) / c * 100.0
        if here.resistance is not None:
            values["resistance_distance_pct"] = (here.resistance - c) / c * 100.0
        return scores, values, found

    def _order_flow(
        self, market: BarFeatures, close: float, prev_close: float | None
    ) -> tuple[dict[str, ta.Sides], dict[str, float]]:
        """Layer 2's sub-scores present for this bar, and their raw values."""
        p = self.p
        price_change = 0.0 if prev_close is None else (close / prev_close - 1.0) * 100.0
        oi_change = flow.oi_change_pct(market)
        candidates = {
            "book_imbalance": flow.book_imbalance_score(market),
            "trade_flow": flow.trade_flow_score(market),
            "large_orders": flow.large_orders_score(market, float(p.large_trade_mult)),
            "funding_rate": flow.funding_score(
                market.funding_rate, float(p.funding_extreme), float(p.funding_neutral)
            ),
            "open_interest": flow.open_interest_score(
                oi_change, price_change, float(p.oi_full_pct)
            ),
        }
        scores = {name: sides for name, sides in candidates.items() if sides is not None}
        raw: dict[str, float | None] = {
            "bid_share": flow.bid_share(market),
            "taker_buy_ratio": flow.taker_buy_ratio(market),
            "funding_rate": market.funding_rate,
            "oi_change_pct": oi_change,
        }
        values = {name: value for name, value in raw.items() if value is not None}
        present = sum(flow.FLOW_WEIGHTS[name] for name in scores)
        values["orderflow_coverage"] = present / sum(flow.FLOW_WEIGHTS.values())
        return scores, values

    @staticmethod
    def _reasons(
        scores: dict[str, ta.Sides],
        flow_scores: dict[str, ta.Sides],
        direction: int,
        external: ExternalLayers,
    ) -> list[str]:
        """The top three TA and top two order-flow sub-scores for the direction and each
        external layer's first reason (the regime, missing layers and tier follow)."""

        def top(found: dict[str, ta.Sides], count: int, layer: str) -> list[str]:
            ranked = sorted(found.items(), key=lambda item: -item[1].side(direction))[:count]
            return [f"{layer} {name} {sides.side(direction):.0f}" for name, sides in ranked]

        reasons = [*top(scores, 3, "TA"), *top(flow_scores, 2, "order flow")]
        for layer in ("onchain", "sentiment", "backtest"):
            reading: Any = getattr(external, layer)
            if reading is not None and reading.reasons:
                reasons.append(f"{layer}: {reading.reasons[0]}")
        return reasons
