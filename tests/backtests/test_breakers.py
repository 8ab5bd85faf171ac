"""SGNL-V2's breakers through a real backtest, and the same blocks replayed through paper.

SGNL declares three breakers (FEATURES A.5, DECISIONS 2): 8 signals per UTC day, a 60 s
cooldown per symbol, a pause while the BTC feed is missing. A small scalper declared
here shorts ETHUSDT on every closed 1m bar (levels far enough never to fill: stop +5 %,
target −18 %, reward/risk 3.6) and holds one bar (`max_hold_bars=1`), over real
candles 2025-06-17 00:00 → 2025-06-18 01:00 (1,500 bars), with the platform breakers
off (the research switch; a strategy's own breakers bind regardless) and the two
BTCUSDT bars of 00:03 and 00:04 on 2025-06-17 removed: a hole in the reference feed.

A signal at minute m is accepted, m + 1 is rejected (`position_open`: the position
entered at m + 1's open), and the max-hold exit at m + 2's open frees the slot, so:

`sgnl_trio` (cooldown 60 s: on 1m bars it never binds, the next free bar is 120 s on)
  day 1: accepted 00:00, 00:02; 00:04 blocked `btc_feed_missing` (BTC's last bar is
  00:02: 2 bars missing); accepted 00:05, 07, 09, 11, 13, 15 (8 entries); rejected
  00:01, 03, 06, 08, 10, 12, 14, 16; blocked `sgnl_daily` 00:17 → 23:59 (1,423).
  day 2 (00:00 is a new UTC day): accepted 00:00, 02, …, 14; rejected 00:01, …, 15;
  blocked `sgnl_daily` 00:16 → 00:58 (43); 00:59 is the last bar: dropped.
`sgnl_slow` (cooldown 180 s)
  day 1: accepted 00:00; 00:02 `sgnl_cooldown` (120 s); 00:03 and 00:04
  `btc_feed_missing` (1 and 2 bars missing); accepted 00:05, 08, 11, 14, 17, 20, 23;
  cooldown 00:07, 10, 13, 16, 19, 22; rejected 00:01, 06, 09, …, 24;
  `sgnl_daily` 00:25 → 23:59 (1,415).
  day 2: accepted 00:00, 03, …, 21; cooldown 00:02, 05, …, 20 (7); rejected 8;
  `sgnl_daily` 00:23 → 00:58 (36); dropped 00:59.
`sgnl_halting` (the missing feed pauses every entry until a person resumes)
  accepted 00:00, 00:02; rejected 00:01, 00:03; 00:04 `btc_feed_missing` turns the
  kill switch on; every later signal is blocked `halted` (1,435 + 59 = 1,494): in a
  backtest nobody resumes.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from scalplab.backtests.runner import run_backtest
from scalplab.config import Settings
from scalplab.data.candles import CandleStore
from scalplab.data.funding import FundingStore
from scalplab.orders.runs import RunRequest
from scalplab.simulation.cli import run_simulation
from tests.conftest import make_settings, real_funding, real_klines

START = datetime(2025, 6, 17, tzinfo=UTC)
END = datetime(2025, 6, 18, 1, tzinfo=UTC)
START_MS = int(START.timestamp() * 1000)
END_MS = int(END.timestamp() * 1000)
MIN = 60_000
HOLE = (START_MS + 3 * MIN, START_MS + 4 * MIN)  # BTCUSDT 00:03 and 00:04, removed

PLUGIN = '''
"""A scalper shorting every bar, with SGNL-V2's breakers (tests/backtests/test_breakers.py)."""

from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.breakers import Cooldown, FeedMissing, MaxSignals, PauseUntilResume
from scalplab.strategies.signal import Signal


def _short(strategy):
    close = float(strategy.data.close[0])
    return Signal("short", close, close * 1.05, close * 0.82, reasons=["every bar"])


class SgnlTrio(SignalStrategy):
    """SGNL-V2's three breakers."""

    name = "sgnl_trio"
    feeds = ("BTCUSDT:1m",)
    breakers = (
        MaxSignals("sgnl_daily", 8, "utc_day", "strategy"),
        Cooldown("sgnl_cooldown", 60, "symbol"),
        FeedMissing("btc_feed_missing", "BTCUSDT:1m"),
    )

    def generate_signal(self):
        return _short(self)


class SgnlSlow(SignalStrategy):
    """The same with a 180 s cooldown, which binds on 1m bars."""

    name = "sgnl_slow"
    feeds = ("BTCUSDT:1m",)
    breakers = (
        MaxSignals("sgnl_daily", 8, "utc_day", "strategy"),
        Cooldown("sgnl_cooldown", 180, "symbol"),
        FeedMissing("btc_feed_missing", "BTCUSDT:1m"),
    )

    def generate_signal(self):
        return _short(self)


class SgnlHalting(SignalStrategy):
    """A missing BTC feed pauses every entry until a person resumes."""

    name = "sgnl_halting"
    feeds = ("BTCUSDT:1m",)
    breakers = (FeedMissing("btc_feed_missing", "BTCUSDT:1m", effect=PauseUntilResume()),)

    def generate_signal(self):
        return _short(self)
'''


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Real ETHUSDT and BTCUSDT 1m candles (BTC with its hole), funding, the plugin."""
    data_dir = tmp_path_factory.mktemp("sgnl") / "data"
    store = CandleStore(data_dir)
    for symbol in ("ETHUSDT", "BTCUSDT"):
        candles = real_klines(symbol)
        rows = candles[(candles.open_time >= START_MS) & (candles.open_time < END_MS)]
        if symbol == "BTCUSDT":
            rows = rows[~rows.open_time.isin(HOLE)]
        store.merge(symbol, "1m", rows.reset_index(drop=True))
        FundingStore(data_dir).merge(symbol, real_funding(symbol))
    (data_dir / "strategies").mkdir()
    (data_dir / "strategies" / "sgnl_plugins.py").write_text(PLUGIN, encoding="utf-8")
    return make_settings(data_dir)


def request(strategy: str) -> RunRequest:
    return RunRequest("ETHUSDT", strategy, "1m", START, END, {"max_hold_bars": 1}, breakers=False)


def minutes(result: dict[str, Any], status: str, day: int = 0) -> list[int]:
    """Minutes after 00:00 of day `day` of the signals with `status`."""
    base = START_MS + day * 86_400_000
    times = [
        datetime.fromisoformat(s["time"].replace("Z", "+00:00")).timestamp() * 1000
        for s in result["signals"]
        if s["status"] == status
    ]
    return [int(t - base) // MIN for t in times if base <= t < base + 86_400_000]


@pytest.fixture(scope="module")
def trio(settings: Settings) -> dict[str, Any]:
    return run_backtest(request("sgnl_trio"), settings)


def test_sgnl_trio_eight_a_day_and_a_pause_while_btc_is_missing(trio: dict[str, Any]) -> None:
    assert trio["feeds"] == ["BTCUSDT:1m"] and trio["metrics"]["bars"] == 1500
    assert trio["blocked"] == {"btc_feed_missing": 1, "sgnl_daily": 1423 + 43}
    assert trio["rejected"] == {"position_open": 16}
    m = trio["metrics"]
    assert (m["signals_generated"], m["signals_accepted"], m["signals_blocked"]) == (1500, 16, 1467)
    assert m["signals_dropped"] == 1 and m["trades"] == 16
    assert minutes(trio, "accepted") == [0, 2, 5, 7, 9, 11, 13, 15]
    assert minutes(trio, "accepted", day=1) == [0, 2, 4, 6, 8, 10, 12, 14]
    assert minutes(trio, "rejected") == [1, 3, 6, 8, 10, 12, 14, 16]
    assert {t["exit_reason"] for t in trio["trades"]} == {"max_hold"}
    by_minute = {s["time"]: s for s in trio["signals"]}
    feed = by_minute["2025-06-17T00:04:00Z"]
    assert (feed["status"], feed["breaker"], feed["reason"]) == (
        "blocked",
        "btc_feed_missing",
        "feed BTCUSDT:1m is missing its last 2 closed bar(s) (at most 0 allowed); signal blocked",
    )
    assert (feed["scope"], feed["effect"], feed["until"]) == ("strategy", "block_signal", None)
    daily = by_minute["2025-06-17T00:17:00Z"]
    assert (daily["breaker"], daily["reason"]) == (
        "sgnl_daily",
        "8 entries of strategy sgnl_trio in the UTC day of 2025-06-17T00:00:00Z reach the "
        "limit of 8 per UTC day; signal blocked until 2025-06-18T00:00:00Z",
    )
    assert (daily["scope"], daily["effect"], daily["until"]) == (
        "strategy",
        "block_signal",
        "2025-06-18T00:00:00Z",
    )
    accepted = by_minute["2025-06-17T00:00:00Z"]
    assert (accepted["scope"], accepted["effect"], accepted["until"]) == (None, None, None)
    assert by_minute["2025-06-17T23:59:00Z"]["breaker"] == "sgnl_daily"
    assert by_minute["2025-06-18T00:00:00Z"]["status"] == "accepted"  # reset at 00:00 UTC
    assert by_minute["2025-06-18T00:59:00Z"]["status"] == "dropped"


def test_a_cooldown_longer_than_a_bar_binds(settings: Settings) -> None:
    slow = run_backtest(request("sgnl_slow"), settings)
    assert slow["blocked"] == {
        "btc_feed_missing": 2,
        "sgnl_cooldown": 7 + 7,
        "sgnl_daily": 1415 + 36,
    }
    assert slow["rejected"] == {"position_open": 16}
    assert minutes(slow, "accepted") == [0, 5, 8, 11, 14, 17, 20, 23]
    assert minutes(slow, "accepted", day=1) == [0, 3, 6, 9, 12, 15, 18, 21]
    cooled = [s for s in slow["signals"] if s["breaker"] == "sgnl_cooldown"]
    assert [s["time"][11:16] for s in cooled[:2]] == ["00:02", "00:07"]
    assert cooled[0]["reason"] == (
        "the last entry of symbol ETHUSDT at 2025-06-17T00:00:00Z is 120 s old, within the "
        "cooldown of 180 s; signal blocked until 2025-06-17T00:03:00Z"
    )
    assert (cooled[0]["scope"], cooled[0]["effect"], cooled[0]["until"]) == (
        "symbol",
        "block_signal",
        "2025-06-17T00:03:00Z",
    )


def test_a_pause_until_resume_holds_to_the_end_of_a_backtest(settings: Settings) -> None:
    halting = run_backtest(request("sgnl_halting"), settings)
    assert halting["blocked"] == {"btc_feed_missing": 1, "halted": 1494}
    assert halting["rejected"] == {"position_open": 2}
    assert minutes(halting, "accepted") == [0, 2]
    tripped = next(s for s in halting["signals"] if s["breaker"] == "btc_feed_missing")
    first_halted = next(s for s in halting["signals"] if s["breaker"] == "halted")
    for blocked in (tripped, first_halted):  # a pause acts on every entry, with no end
        assert (blocked["scope"], blocked["effect"], blocked["until"]) == ("global", "pause", None)
    assert first_halted["time"] == "2025-06-17T00:05:00Z"
    assert first_halted["reason"].startswith(
        "trading is halted since 2025-06-17T00:04:00Z by breaker (breaker btc_feed_missing: "
        "feed BTCUSDT:1m is missing its last 2 closed bar(s)"
    )


@pytest.mark.parametrize("strategy", ["sgnl_trio", "sgnl_halting"])
def test_a_replay_through_paper_gives_the_backtests_blocks(
    settings: Settings, strategy: str, trio: dict[str, Any]
) -> None:
    backtest = trio if strategy == "sgnl_trio" else run_backtest(request(strategy), settings)
    simulated = run_simulation(request(strategy), settings, speed=None)
    for key in ("blocked", "rejected", "metrics", "trades", "signals", "equity"):
        assert simulated[key] == backtest[key], key
    assert Counter(s["breaker"] for s in simulated["signals"] if s["breaker"]) == Counter(
        backtest["blocked"]
    )
