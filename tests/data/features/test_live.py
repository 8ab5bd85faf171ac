"""Live paper trading's features equal the backtest's for the same REAL events.

The 2023-04-04/05 BTCUSDT capture (`recorded`) is written into a market store with the
recorder's row mapping and `MarketStore.write`; `load_features` computes the run's
features from the store, once, vectorised. The same events, in the order they arrived,
go through `LiveFeatures` one at a time, a bar closing once the stream is 5 s past its
close: every field of every bar is equal, float for float.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from scalplab.data.features import NO_FEATURES, FeatureParams, FeatureRequest, load_features
from scalplab.data.features.live import LiveFeatures
from scalplab.data.features.records import BarFeatures
from scalplab.data.market_events import AggregateTrade, MarketEvent, MarkPrice
from tests.data.features.recorded import SYMBOL, events, minute_candles, write_store

DECLARED = ("aggTrades", "bookTicker", "depth20", "funding", "markPrice")
GRACE_MS = 5_000


def stamp(event: MarketEvent) -> int:
    return event.event_time if isinstance(event, MarkPrice) else int(event.transact_time)


def live_bars(
    opens: list[int], tf_ms: int, params: FeatureParams
) -> tuple[dict[int, BarFeatures], LiveFeatures]:
    live = LiveFeatures(SYMBOL, "1m" if tf_ms == 60_000 else "5m", DECLARED, params)
    pending = list(opens)
    seen: dict[int, BarFeatures] = {}
    for event in events():
        while pending and stamp(event) >= pending[0] + tf_ms + GRACE_MS:
            bar = pending.pop(0)
            live.close_bar(bar)
            seen[bar] = live.current()
        live.on_event(event)
    for bar in pending:
        live.close_bar(bar)
        seen[bar] = live.current()
    return seen, live


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("recorded_market")
    write_store(data_dir)
    return data_dir


@pytest.mark.parametrize(("timeframe", "params"), [
    ("1m", FeatureParams()),
    ("1m", FeatureParams(sweep_k=3.0, sweep_window_s=20, sweep_step_s=1, depth_levels=20)),
    ("5m", FeatureParams(wall_multiple=2.0, wall_range_pct=0.05)),
])  # fmt: skip
def test_batch_and_incremental_give_identical_features(
    store_dir: Path, timeframe: str, params: FeatureParams
) -> None:
    tf_ms = 60_000 if timeframe == "1m" else 300_000
    minutes = minute_candles()["open_time"].to_numpy()
    opens = np.unique(minutes - minutes % tf_ms)
    request = FeatureRequest("probe", SYMBOL, timeframe, DECLARED, int(opens[0]),
                             int(opens[-1]) + tf_ms, params)  # fmt: skip
    table = load_features(store_dir, request, opens)
    seen, live = live_bars(opens.tolist(), tf_ms, params)
    assert live.late == 0
    for bar in opens.tolist():
        assert asdict(seen[bar]) == asdict(table.at(bar)), bar
    assert all(seen[bar].taker_buy_count for bar in opens.tolist())
    assert seen[int(opens[-1])].cvd == pytest.approx(
        sum(asdict(seen[b])["delta"] for b in opens.tolist()), abs=1e-9
    )
    assert table.degraded == ()


def test_bars_before_the_stream_began_have_no_features() -> None:
    live = LiveFeatures(SYMBOL, "1m", DECLARED)
    first = events()[0]
    live.close_bar(stamp(first) - 120_000)  # warm-up history
    assert live.current() == NO_FEATURES
    live.on_event(first)
    live.close_bar(stamp(first) - 120_000)
    assert live.current() == NO_FEATURES


def test_a_trade_arriving_after_its_bar_closed_is_counted_and_dropped() -> None:
    trades = [e for e in events() if isinstance(e, AggregateTrade)]
    live = LiveFeatures(SYMBOL, "1m", ("aggTrades",))
    first = trades[0]
    bar = first.transact_time - first.transact_time % 60_000
    live.on_event(first)
    live.close_bar(bar)
    assert live.current().taker_sell_count == 1 and live.current().cvd == -first.quantity
    live.on_event(first)  # the same bar again, now closed
    assert live.late == 1
    live.close_bar(bar + 60_000)
    assert live.current().taker_sell_count == 0 and live.current().cvd == -first.quantity
