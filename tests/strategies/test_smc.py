"""The SMC plugin: hand-built structure scenarios, no look-ahead, real candles, metadata.

The synthetic scenarios use `swing_length=2`, `atr_period=3`, `ema_period=3`, so
the strategy sees bars from index 3 on (ATR(3) needs four bars). Every expected
level is derived from the rules of the module docstring; the ATR is recomputed
here (Wilder: true range smoothed with alpha 1/period, seeded with a mean).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import backtrader as bt
import pandas as pd
import pytest

from scalplab.backtests.integrity import check_lookahead
from scalplab.backtests.runner import run_backtest
from scalplab.data.feeds import CandleArrayFeed
from scalplab.data.symbols import SymbolRules
from scalplab.errors import InputError
from scalplab.orders.costs import CostModel
from scalplab.orders.execution import ExecutionConfig
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.models import SignalRecord
from scalplab.orders.runs import RunRequest
from scalplab.orders.types import round_to_tick
from scalplab.strategies.registry import discover
from scalplab.strategies.smc import SmcStrategy
from tests.conftest import make_settings, real_klines
from tests.orders.harness import NO_BREAKERS, Harness

T0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z
STEP = 900_000  # 15 minutes
SYNTHETIC = {"swing_length": 2, "atr_period": 3, "ema_period": 3, "zone_max_age": 10}
TICK = Decimal("0.01")
RULES = SymbolRules("BTCUSDT", TICK, Decimal("0.001"), Decimal("0.001"), Decimal("5"), 2, 3)
CONFIG = ExecutionConfig(
    initial_capital=10_000,
    risk_per_trade_pct=1,
    max_leverage=5,
    maint_margin_pct=0.4,
    costs=CostModel(0.05, 0.02, 0.01),
)

Row = tuple[float, float, float, float]  # open, high, low, close

# A swing high at bar 5 (105, confirmed on bar 7), a sell-off to the origin at
# bar 8 (low 100, a bearish candle: the order block 100-102), then an impulse
# whose bar 10 closes at 106.2 > 105: a bullish BOS (no earlier bias), leaving
# the FVG high(8)..low(10) = 102-102.9. Bar 13 dips to 102.5 (inside the FVG,
# above the OB) and closes at 103: the long signal.
BULLISH: list[Row] = [
    (100.0, 101.0, 99.0, 100.5),  # 0 warm-up
    (100.5, 101.5, 99.5, 101.0),  # 1
    (101.0, 102.0, 100.0, 101.5),  # 2
    (101.5, 102.5, 100.5, 102.0),  # 3 first bar the strategy sees
    (102.0, 103.0, 101.5, 102.5),  # 4
    (102.5, 105.0, 102.0, 104.0),  # 5 swing high 105
    (104.0, 104.5, 102.5, 103.0),  # 6 bearish
    (103.0, 103.5, 101.0, 101.5),  # 7 bearish; confirms the swing high
    (101.5, 102.0, 100.0, 100.5),  # 8 bearish, lowest low: origin + order block
    (100.5, 103.0, 100.2, 102.8),  # 9
    (102.8, 106.5, 102.9, 106.2),  # 10 closes above 105: BOS; FVG 102-102.9
    (106.2, 107.0, 105.5, 106.8),  # 11
    (106.8, 107.2, 104.0, 104.5),  # 12
    (104.5, 104.8, 102.5, 103.0),  # 13 back into the FVG: long on the close
    (103.0, 104.0, 102.8, 103.5),  # 14 entry at the open
    (103.5, 103.6, 101.8, 102.2),  # 15 reaches the OB (only `zone_mode=ob` still waits)
    (102.2, 103.0, 102.0, 102.6),  # 16
    (102.6, 103.2, 102.3, 103.0),  # 17
]
MIRROR = 210.0


def mirrored(rows: Sequence[Row]) -> list[Row]:
    """The same market upside down: every bullish structure becomes bearish."""
    return [(MIRROR - o, MIRROR - low, MIRROR - h, MIRROR - c) for o, h, low, c in rows]


def replaced(rows: Sequence[Row], index: int, row: Row) -> list[Row]:
    out = list(rows)
    out[index] = row
    return out


def frame(rows: Sequence[Row]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "open_time": [T0 + i * STEP for i in range(len(rows))],
            "open": [r[0] for r in rows],
            "high": [r[1] for r in rows],
            "low": [r[2] for r in rows],
            "close": [r[3] for r in rows],
            "volume": [1.0] * len(rows),
        }
    )


def run(
    candles: pd.DataFrame,
    params: Mapping[str, object] | None = None,
    *,
    runonce: bool = True,
    preload: bool = True,
    last_bar_known: bool = True,
    min_rr: float = 3.0,
) -> Harness:
    """What the runner does: the plugin in Cerebro on an array feed, driving one book of a
    sandbox (MIN_RR 3 unless given, circuit breakers off) through its executor."""
    last = int(candles.open_time.iloc[-1]) if last_bar_known else None
    book = Harness(
        CONFIG,
        NO_BREAKERS.updated({"min_rr": min_rr}),
        RULES,
        FundingSchedule([], 0.0001),
        last_open_ms=last,
        strategy="smc",
    )
    cerebro = bt.Cerebro(stdstats=False, runonce=runonce, preload=preload)
    cerebro.adddata(CandleArrayFeed(candles), name="BTCUSDT")
    cerebro.addstrategy(SmcStrategy, executor=book.executor, **(params or {}))
    cerebro.run()
    return book


def on_tick(price: float) -> float:
    """A level as the pipeline records and fills it: the nearest 0.01, halves away from 0."""
    return float(round_to_tick(price, TICK))


def run_rows(rows: Sequence[Row], min_rr: float = 3.0, **params: object) -> Harness:
    return run(frame(rows), {**SYNTHETIC, **params}, min_rr=min_rr)


def rounded_rr(record: SignalRecord) -> float:
    """Reward/risk of a record's levels (already on the tick)."""
    return abs(record.take_profit - record.entry) / abs(record.entry - record.stop_loss)


def wilder_atr(rows: Sequence[Row], period: int) -> list[float]:
    """ATR by hand; NaN until `period` true ranges exist (bar index `period`)."""
    ranges = [
        max(h, rows[i - 1][3]) - min(low, rows[i - 1][3]) for i, (_, h, low, _) in enumerate(rows)
    ]
    atr = [float("nan")] * len(rows)
    atr[period] = sum(ranges[1 : period + 1]) / period
    for i in range(period + 1, len(rows)):
        atr[i] = atr[i - 1] * (1 - 1 / period) + ranges[i] / period
    return atr


def only_signal(model: Harness) -> SignalRecord:
    assert len(model.signals) == 1, model.signals
    return model.signals[0]


# ----- hand-built scenarios --------------------------------------------------------


def test_bullish_bos_then_return_into_the_fvg_gives_one_long() -> None:
    model = run_rows(BULLISH, min_rr=2.99)
    signal = only_signal(model)
    atr = wilder_atr(BULLISH, 3)
    assert signal.time_ms == T0 + 13 * STEP
    assert signal.side == "long" and signal.status == "accepted"
    assert signal.entry == 103.0
    stop = 100.0 - 0.5 * atr[13]  # origin low − 0.5 ATR
    # The record holds the levels the pipeline rounded to the 0.01 tick when it decided
    # the signal (the strategy's take-profit is 3R from its raw stop, then rounded too).
    assert signal.stop_loss == on_tick(stop)
    assert signal.take_profit == on_tick(103.0 + 3 * (103.0 - stop))
    displacement = (106.2 - 100.0) / atr[10]
    # 40 base + 20 OB/FVG overlap + displacement (capped at 3 ATR) + 5 BOS; close 103 < EMA.
    assert signal.confidence == round(40 + 20 + 20 * min(displacement / 3, 1) + 5, 1)
    assert signal.reasons == (
        "bullish BOS at 105",
        "price in bullish FVG 102-102.9",
        "OB and FVG overlap",
        f"displacement {displacement:.1f} ATR",
    )
    [trade] = model.trades
    assert trade.side == "long" and trade.entry_ms == T0 + 14 * STEP


def test_the_rounded_levels_can_fall_under_min_rr_3() -> None:
    # ATR(3) at bar 13 = 2.53647..: the raw stop 100 − 1.26824 = 98.73176 and the 3R
    # target 103 + 3 × 4.26824 = 115.80471 round to 98.73 and 115.80 on the 0.01 tick:
    # RR (115.80 − 103) / (103 − 98.73) = 12.80 / 4.27 = 2.99766 < 3, so MIN_RR 3 rejects
    # the signal the strategy meant at exactly 3R (the test above trades it at MIN_RR 2.99).
    signal = only_signal(run_rows(BULLISH))
    assert (signal.stop_loss, signal.take_profit) == (98.73, 115.8)
    assert (signal.status, signal.reason) == ("rejected", "min_rr")
    assert rounded_rr(signal) == pytest.approx(12.8 / 4.27)


def test_bearish_mirror_gives_one_short_with_mirrored_levels() -> None:
    rows = mirrored(BULLISH)
    signal = only_signal(run_rows(rows))
    atr = wilder_atr(rows, 3)
    assert signal.time_ms == T0 + 13 * STEP
    assert signal.side == "short"
    assert signal.entry == pytest.approx(107.0)
    stop = 110.0 + 0.5 * atr[13]  # origin high + 0.5 ATR
    assert signal.stop_loss == on_tick(stop)
    assert signal.take_profit == on_tick(107.0 - 3 * (stop - 107.0))
    assert signal.reasons[:3] == (
        "bearish BOS at 105",
        "price in bearish FVG 107.1-108",
        "OB and FVG overlap",
    )
    assert signal.confidence == only_signal(run_rows(BULLISH)).confidence


def test_order_block_mode_waits_for_the_order_block() -> None:
    signal = only_signal(run_rows(BULLISH, zone_mode="ob"))
    atr = wilder_atr(BULLISH, 3)
    assert signal.time_ms == T0 + 15 * STEP  # bar 13 stayed above the OB top (102)
    assert signal.entry == 102.2
    assert signal.stop_loss == on_tick(100.0 - 0.5 * atr[15])
    assert signal.reasons[1:3] == (
        "price in bullish OB 100-102",
        "price in bullish FVG 102-102.9",
    )


def test_a_close_through_the_zone_invalidates_it_for_good() -> None:
    # Bar 13 closes at 101.9: below the FVG (102) but inside the OB+FVG span (100-102.9).
    rows = replaced(BULLISH, 13, (104.5, 104.8, 101.8, 101.9))
    assert run_rows(rows, zone_mode="fvg").signals == []  # consumed; bar 15 does not revive it
    assert only_signal(run_rows(rows, zone_mode="any")).time_ms == T0 + 13 * STEP


@pytest.mark.parametrize(
    "params",
    [
        {"zone_max_age": 2},  # bar 13 is three bars after the break
        {"direction": "short"},
        {"trend_filter": True},  # close 103 is below the EMA(3)
        {"min_atr_pct": 50.0},
        {"min_displacement": 10.0},  # the impulse is about 2-3 ATR
    ],
)
def test_filters_suppress_the_long(params: dict[str, object]) -> None:
    assert run_rows(BULLISH, **params).signals == []


def test_direction_long_suppresses_the_short() -> None:
    assert run_rows(mirrored(BULLISH), direction="long").signals == []
    assert only_signal(run_rows(mirrored(BULLISH), direction="short")).side == "short"


def test_no_signal_when_the_stop_would_not_be_beyond_the_entry() -> None:
    # Bar 13 closes exactly on the origin (100): zero risk without an ATR buffer.
    rows = replaced(BULLISH, 13, (104.5, 104.8, 100.0, 100.0))
    assert run_rows(rows, sl_atr_mult=0.0).signals == []
    assert only_signal(run_rows(rows)).entry == 100.0
    # A short whose take-profit would be at or below zero is not produced either.
    assert run_rows(mirrored(BULLISH), rr=50.0).signals == []


def test_separate_zones_and_an_entry_between_them() -> None:
    # The impulse breaks on bar 11; the gap it left (bars 9-11) is 102.5-103.5, apart from
    # the OB (bar 8, 100-102). Bar 13 gaps down between the two and closes at 102.2.
    rows = [
        *BULLISH[:9],
        (100.5, 102.5, 100.2, 102.4),  # 9
        (102.4, 104.9, 102.3, 104.8),  # 10 no break yet (104.8 < 105)
        (104.8, 106.8, 103.5, 106.5),  # 11 BOS; FVG high(9)..low(11) = 102.5-103.5
        (106.5, 107.0, 105.8, 106.8),  # 12
        (102.3, 102.45, 102.1, 102.2),  # 13 between the zones
        (102.2, 103.0, 102.0, 102.6),  # 14
        (102.6, 103.2, 102.3, 103.0),  # 15
    ]
    signal = only_signal(run_rows(rows))
    displacement = (106.5 - 100.0) / wilder_atr(rows, 3)[11]
    assert signal.time_ms == T0 + 13 * STEP and signal.entry == 102.2
    assert signal.reasons[1] == "price in bullish zone 100-103.5"
    assert "OB and FVG overlap" not in signal.reasons
    assert signal.confidence == round(40 + 10 + 20 * min(displacement / 3, 1) + 5, 1)


# ----- no look-ahead -----------------------------------------------------------------


def _levels(records: Sequence[SignalRecord]) -> list[tuple[object, ...]]:
    return [
        (r.time_ms, r.side, r.entry, r.stop_loss, r.take_profit, r.confidence, r.reasons)
        for r in records
    ]


@pytest.fixture(scope="module")
def btc_1m_slice() -> pd.DataFrame:
    return real_klines("BTCUSDT").iloc[:6000].reset_index(drop=True)


def test_truncated_history_gives_the_same_signals(btc_1m_slice: pd.DataFrame) -> None:
    full = run(btc_1m_slice, last_bar_known=False)
    assert len(full.signals) > 20
    for n in (1500, 4000):
        part = run(btc_1m_slice.iloc[:n], last_bar_known=False)
        cut = int(btc_1m_slice.open_time.iloc[n - 1])
        expected = [r for r in full.signals if r.time_ms <= cut]
        assert _levels(part.signals) == _levels(expected)
        assert [r.status for r in part.signals] == [r.status for r in expected]


@pytest.fixture(scope="module")
def default_mode_run(btc_1m_slice: pd.DataFrame) -> Harness:
    return run(btc_1m_slice)


@pytest.mark.parametrize(("runonce", "preload"), [(True, False), (False, True), (False, False)])
def test_engine_modes_give_the_same_signals(
    btc_1m_slice: pd.DataFrame, default_mode_run: Harness, runonce: bool, preload: bool
) -> None:
    default = default_mode_run
    other = run(btc_1m_slice, runonce=runonce, preload=preload)
    assert _levels(other.signals) == _levels(default.signals)
    assert other.trades == default.trades


# ----- real candles ------------------------------------------------------------------

BREAK = re.compile(r"^(bullish|bearish) (BOS|CHoCH) at \d")


@pytest.mark.parametrize(
    ("params", "at_least"), [({}, 5), ({"swing_length": 3, "rr": 4.0, "ema_period": 200}, 20)]
)
def test_real_btc_15m_signals_have_valid_levels(params: dict[str, float], at_least: int) -> None:
    candles = real_klines("BTCUSDT", "15m")  # 3,635 bars, 2025-03-06 → 2025-04-13
    model = run(candles, params)
    rr = params.get("rr", 3.0)
    assert len(model.signals) >= at_least
    accepted = [r for r in model.signals if r.status == "accepted"]
    assert len(model.trades) == len(accepted) >= at_least // 2
    for record in model.signals:
        if record.side == "long":
            assert record.stop_loss < record.entry < record.take_profit
        else:
            assert record.take_profit < record.entry < record.stop_loss
        # The levels are on the 0.01 tick: rounding each by at most half a tick moves the
        # strategy's RR by at most 0.005 × (1 + rr) / (risk − 0.005).
        risk = abs(record.entry - record.stop_loss)
        assert abs(rounded_rr(record) - rr) <= 0.005 * (1 + rr) / (risk - 0.005) + 1e-9
        assert 40 <= record.confidence <= 100
        assert BREAK.match(record.reasons[0]) and record.reasons[1].startswith("price in ")
        # Nothing is produced while a position is open: never rejected as position_open;
        # a rejection is MIN_RR 3 refusing levels the tick pulled under it.
        if record.status != "accepted":
            assert (record.status, record.reason) == ("rejected", "min_rr")
            assert rounded_rr(record) < 3.0
    for trade in model.trades:
        assert trade.exit_reason in {"tp", "sl", "end"}
    sides = {r.side for r in model.signals}
    assert sides == {"long", "short"}
    opened = [(t.entry_ms, t.exit_ms) for t in model.trades]
    for record in model.signals:
        assert not any(entry <= record.time_ms < exit_ for entry, exit_ in opened)


def test_runs_through_the_platform_runner_without_look_ahead(real_week_dir: Path) -> None:
    settings = make_settings(real_week_dir)
    start, end = datetime(2025, 6, 17, tzinfo=UTC), datetime(2025, 6, 24, tzinfo=UTC)
    request = RunRequest("BTCUSDT", "smc", "5m", start, end, {"swing_length": 4})
    result = run_backtest(request, settings)
    metrics, rejected = result["metrics"], result["rejected"]
    assert isinstance(metrics, dict) and metrics["trades"] > 0
    assert isinstance(rejected, dict) and rejected.get("position_open", 0) == 0
    assert check_lookahead(request, settings).clean


# ----- metadata ----------------------------------------------------------------------


def test_registry_lists_smc_with_full_param_metadata() -> None:
    info = discover(None).get("smc")
    assert info.cls is SmcStrategy
    assert info.version == "1.0.0" and info.description
    own = [name for name in info.params if name != "max_hold_bars"]
    assert set(own) == set(SmcStrategy.param_info)
    assert info.params["rr"].default == 3.0
    for spec in info.params.values():
        assert spec.description, spec.name
        if spec.type in ("int", "float"):
            assert spec.min is not None and spec.max is not None, spec.name
            assert isinstance(spec.default, int | float), spec.name
            assert spec.min <= spec.default <= spec.max, spec.name
        elif spec.type == "str":
            assert spec.choices is not None and spec.default in spec.choices, spec.name
    assert info.params["direction"].choices == ("both", "long", "short")
    assert info.params["zone_mode"].choices == ("any", "ob", "fvg")
    assert info.params["trend_filter"].type == "bool"
    assert info.resolve({"swing_length": "3", "trend_filter": "true"})["trend_filter"] is True
    with pytest.raises(InputError, match="swing_length=0 is below its minimum"):
        info.resolve({"swing_length": 0})
    with pytest.raises(InputError, match="not one of"):
        info.resolve({"direction": "sideways"})
