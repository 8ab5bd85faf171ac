"""Breaker specs a strategy declares: every bad field is one `StrategyError` line naming the
breaker and the field, raised when the spec is built (the plugin module loads) or when
the registry checks the class; a bad plugin never runs and nothing is stored."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest

from scalplab.errors import NotFoundError, StrategyError
from scalplab.orders.halt import HALTED
from scalplab.orders.risk import BREAKERS
from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.breakers import (
    PLATFORM_NAMES,
    BlockScope,
    Breaker,
    BreakerWatch,
    Cooldown,
    FeedMissing,
    MaxSignals,
    PauseUntil,
    RaiseThreshold,
    ScaleSize,
    check_breakers,
)
from scalplab.strategies.registry import Registry, discover


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: Cooldown("cooldown", -60),
            "breaker 'cooldown': seconds must be a whole number of seconds in 1..86400, not -60",
        ),
        (
            lambda: Cooldown("cooldown", 0),
            "breaker 'cooldown': seconds must be a whole number of seconds in 1..86400, not 0",
        ),
        (
            lambda: MaxSignals("daily", 0),
            "breaker 'daily': limit must be a whole number in 1..100000, not 0",
        ),
        (
            lambda: MaxSignals("daily", 8, "week"),
            "breaker 'daily': window must be one of utc_day, rolling_hour, not 'week'",
        ),
        (
            lambda: MaxSignals("daily", 8, scope="book"),
            "breaker 'daily': scope must be one of global, strategy, symbol, not 'book'",
        ),
        (
            lambda: Cooldown("cooldown", 60, effect=BlockScope(-900)),
            "breaker 'cooldown': effect seconds must be a whole number of seconds in 1..604800, "
            "not -900",
        ),
        (
            lambda: MaxSignals("daily", 8, effect=PauseUntil(0)),
            "breaker 'daily': effect seconds must be a whole number of seconds in 1..604800, not 0",
        ),
        (
            lambda: MaxSignals("streak", 5, effect=ScaleSize(0.0)),
            "breaker 'streak': effect factor must be within (0, 1], not 0.0",
        ),
        (
            lambda: MaxSignals("streak", 5, effect=ScaleSize(1.5)),
            "breaker 'streak': effect factor must be within (0, 1], not 1.5",
        ),
        (
            lambda: MaxSignals("hours", 5, effect=RaiseThreshold(70, -5)),
            "breaker 'hours': effect by must be within (0, 100], not -5",
        ),
        (
            lambda: MaxSignals("hours", 5, effect=RaiseThreshold(170, 5)),
            "breaker 'hours': effect threshold must be a score within 0..100, not 170",
        ),
        (
            lambda: MaxSignals("daily", 8, effect="block"),
            "breaker 'daily': effect must be one of BlockSignal, BlockScope, PauseUntilResume, "
            "PauseUntil, ScaleSize, RaiseThreshold, not 'block'",
        ),
        (
            lambda: MaxSignals("overtrading", 8),
            "breaker 'overtrading': name is taken by a platform breaker",
        ),
        (
            lambda: MaxSignals("Daily Limit", 8),
            "breaker name 'Daily Limit' must match ^[a-z][a-z0-9_]{0,31}$ (lower case, at most "
            "32 chars)",
        ),
        (
            lambda: FeedMissing("btc", "BTCUSDT:7m"),
            "breaker 'btc': feed 'BTCUSDT:7m': unknown timeframe '7m'",
        ),
        (
            lambda: FeedMissing("btc", "BTCUSDT:1m", max_missing_bars=-1),
            "breaker 'btc': max_missing_bars must be a whole number in 0..100000, not -1",
        ),
        (
            lambda: FeedMissing("btc", "BTCUSDT:1m", effect=PauseUntil()),
            "breaker 'btc': effect PauseUntil needs seconds (a missing feed has no reset time)",
        ),
    ],
)
def test_a_bad_field_is_one_line_naming_the_breaker_and_the_field(build: Any, message: str) -> None:
    with pytest.raises(StrategyError) as raised:
        build()
    assert str(raised.value) == message
    assert "\n" not in str(raised.value)


def test_good_specs_are_frozen_and_normalised() -> None:
    feed = FeedMissing("btc", " btcusdt:1m ")
    assert feed.feed == "BTCUSDT:1m"
    assert RaiseThreshold(70, 5).required == 75.0
    with pytest.raises(AttributeError):
        feed.max_missing_bars = 3  # type: ignore[misc]


def test_platform_names_are_the_gates_breakers_and_the_kill_switch() -> None:
    assert set(BREAKERS) | {HALTED} == PLATFORM_NAMES


@pytest.mark.parametrize(
    ("breakers", "feeds", "message"),
    [
        ([Cooldown("c", 60)], (), "breakers must be a tuple of breaker specs, not ["),
        (
            ("daily",),
            (),
            "breakers must hold breaker specs (MaxSignals, Cooldown, FeedMissing or a "
            "condition of scalplab.strategies.breaker_conditions), not 'daily'",
        ),
        ((Cooldown("c", 60), MaxSignals("c", 8)), (), "breaker 'c' is declared twice"),
        (
            (FeedMissing("btc", "BTCUSDT:1m"),),
            ("BTCUSDT:5m", "1h"),
            "breaker 'btc': feed 'BTCUSDT:1m' is not one of the strategy's feeds "
            "(declared: 1h, BTCUSDT:5m)",
        ),
    ],
)
def test_a_class_declaration_is_checked_as_a_whole(
    breakers: Any, feeds: tuple[str, ...], message: str
) -> None:
    with pytest.raises(StrategyError) as raised:
        check_breakers(breakers, feeds)
    assert str(raised.value).startswith(message)


def test_the_watch_knows_which_extra_feed_each_breaker_reads() -> None:
    watch = BreakerWatch(
        (FeedMissing("btc", "BTCUSDT:5m"), FeedMissing("again", "BTCUSDT:5m"), Cooldown("c", 60)),
        ("1h", "BTCUSDT:5m"),
    )
    assert watch.watched == {"BTCUSDT:5m": (2, 300_000)}  # datas[2], 5 min bars


class _Undeclared(SignalStrategy):
    """Watches a feed it never declared."""

    name = "undeclared_feed"
    feeds = ("ETHUSDT:1m",)
    breakers: ClassVar[tuple[Breaker, ...]] = (FeedMissing("btc", "BTCUSDT:1m"),)


def test_the_registry_refuses_a_class_with_bad_breakers_and_says_why() -> None:
    registry = Registry()
    registry.add_module(sys.modules[__name__], "tests/strategies/test_breakers.py")
    assert "undeclared_feed" not in registry.strategies
    [error] = registry.errors
    assert error == (
        "tests/strategies/test_breakers.py: strategy 'undeclared_feed': breaker 'btc': feed "
        "'BTCUSDT:1m' is not one of the strategy's feeds (declared: ETHUSDT:1m)"
    )
    with pytest.raises(NotFoundError) as raised:
        registry.get("undeclared_feed")
    assert str(raised.value) == (
        "unknown strategy 'undeclared_feed' (known: none); failed to load: " + error
    )


BAD_PLUGIN = """
from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.breakers import Cooldown


class NegativeWindow(SignalStrategy):
    name = "negative_window"
    breakers = (Cooldown("sgnl_cooldown", -60),)
"""


def test_a_user_plugin_with_a_negative_window_fails_to_load_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "negative_window.py").write_text(BAD_PLUGIN, encoding="utf-8")
    registry = discover(tmp_path)
    assert "negative_window" not in registry.strategies
    [error] = registry.errors
    assert error.endswith(
        "negative_window.py: StrategyError: breaker 'sgnl_cooldown': seconds must be a whole "
        "number of seconds in 1..86400, not -60"
    )
    with pytest.raises(NotFoundError, match=r"failed to load: .*breaker 'sgnl_cooldown'"):
        registry.get("negative_window")
