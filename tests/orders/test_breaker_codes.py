"""Strategy-declared breakers' block reasons as codes (`scalplab.orders.breakers`): every
condition the seed strategies declare and every effect gives a code whose English
messages (`web/src/i18n/en.ts`) name only params the block sends, beside an unchanged
English reason; a trip in force adds its hold's part. D0 is 2025-06-17T00:00:00Z."""

from __future__ import annotations

from dataclasses import replace

from scalplab.orders.risk import RiskDecision, RiskGate
from scalplab.orders.risk_records import OpenBook
from scalplab.strategies.breakers import (
    BlockScope,
    BreakerInputs,
    Cooldown,
    Correlated,
    DailyLoss,
    ExternalChange,
    ExternalMove,
    ExtremeVolatility,
    FeedChange,
    FeedMissing,
    FeedMove,
    MaxSignals,
    OpenPositions,
    PauseUntil,
    PauseUntilResume,
    PortfolioHeat,
    RaiseThreshold,
    ScaleSize,
    ScoreBand,
    StopLossCooldown,
    UtcHours,
    WinStreak,
)
from tests.coded_texts import english
from tests.orders.test_breakers import D0, FEED, HOUR, MIN, SEC, T, ctx, gate

ETH = OpenBook("ETHUSDT", "other", "short", 150.0)


def coded(decision: RiskDecision) -> tuple[str, dict[str, float | str]]:
    """The block's code and params, checked against the English dictionary."""
    assert not decision.allowed and decision.code is not None
    english("reasonCode", decision.code, decision.params)
    return decision.code, dict(decision.params)


def test_the_signal_count_and_cooldown_conditions_and_each_effect_are_codes() -> None:
    g = gate((T - 10 * SEC, "BTCUSDT", "sgnl"))
    code, params = coded(g.check(ctx(MaxSignals("daily", 1), now=T)))
    assert code == "sb_max_signals_day+signal_blocked_until"
    assert params == {
        "count": 1,
        "of": "strategy:sgnl",
        "day": "2025-06-17T00:00:00Z",
        "limit": 1,
        "until": "2025-06-18T00:00:00Z",
    }
    hourly = MaxSignals("hourly", 1, "rolling_hour", "global", BlockScope(7200))
    assert coded(g.check(ctx(hourly, now=T)))[0] == "sb_max_signals_hour+scope_blocked_h"
    decision = g.check(ctx(now=T + SEC))  # the trip in force blocks every entry
    assert decision.reason.startswith("every entry is blocked by hourly until ")
    code, params = coded(decision)
    assert code == "held_blocked+sb_max_signals_hour"
    assert params["blocked"] == "global" and params["left"] == "119m59s"

    g = gate((T - 10 * SEC, "BTCUSDT", "sgnl"))
    cooldown = Cooldown("cool", 60, "symbol", BlockScope(90))
    code, params = coded(g.check(ctx(cooldown, now=T)))
    assert code == "sb_cooldown+scope_blocked_s"
    assert params["age"] == 10 and params["seconds"] == 60 and params["for"] == 90
    pause = MaxSignals("pause", 1, effect=PauseUntil(600))
    assert coded(gate((T, "BTCUSDT", "sgnl")).check(ctx(pause, now=T)))[0].endswith("+paused_until")
    g = gate((T, "BTCUSDT", "sgnl"))
    halt = MaxSignals("halt", 1, effect=PauseUntilResume())
    assert coded(g.check(ctx(halt, now=T)))[0] == "sb_max_signals_day+paused_until_resumed"
    code, params = coded(g.check(ctx(now=T + MIN)))
    assert code == "held_paused+sb_max_signals_day"
    assert params["breaker"] == "halt" and params["since"] == "2025-06-17T10:00:00Z"
    raised = MaxSignals("busy", 1, "rolling_hour", "global", RaiseThreshold(70, 5))
    code, params = coded(gate((T, "BTCUSDT", "sgnl")).check(ctx(raised, now=T, score=71.5)))
    assert code == "sb_max_signals_hour+raised_threshold"
    assert (params["score"], params["threshold"], params["by"]) == (71.5, 70, 5)


def test_a_missing_feed_is_a_code() -> None:
    missing = FeedMissing("feed", FEED, 0)
    code, params = coded(gate().check(ctx(missing, lag=None)))
    assert (code, params) == ("sb_feed_no_bar+signal_blocked", {"feed": FEED})
    code, params = coded(gate().check(ctx(missing, lag=2)))
    assert code == "sb_feed_missing+signal_blocked"
    assert params == {"feed": FEED, "missing": 2, "max": 0}


def test_the_account_conditions_are_codes() -> None:
    g = gate()
    g.record_close(T - MIN, "BTCUSDT", "sgnl", -5.0, "sl", flat=True)
    assert coded(g.check(ctx(StopLossCooldown("revenge", 900), now=T)))[0].startswith(
        "sb_stop_cooldown+"
    )
    g = gate()
    for i in range(3):
        g.record_close(T - (3 - i) * MIN, "BTCUSDT", "sgnl", 5.0, "tp", flat=True)
    assert coded(g.check(ctx(WinStreak("streak", 3), now=T)))[1]["streak"] == 3
    g = RiskGate(gate().settings)
    g.on_bar(D0, lambda: 10_000.0)
    code, params = coded(g.check(ctx(DailyLoss("dd", 5.0), now=T, equity=9_400.0)))
    assert code == "sb_daily_loss+paused_until_resumed" and params["loss_pct"] == 6.0
    books = (ETH, OpenBook("SOLUSDT", "x", "long", 150.0))
    opened = ctx(OpenPositions("max", 2), open_books=books)
    assert coded(gate().check(opened))[1] == {"count": 2, "of": "global", "limit": 2}
    hot = ctx(PortfolioHeat("heat", 3.0, 1.0), open_books=books, entry_risk=100.0)
    assert coded(gate().check(hot))[1]["left"] == 0.0
    wild = ctx(ExtremeVolatility("vol", 3.0), atr=40.0, atr_avg=10.0)
    assert coded(gate().check(wild))[1]["ratio"] == 4.0
    hours = coded(gate().check(ctx(UtcHours("night", (10,), effect=RaiseThreshold(65, 5)),
                                   score=60.0)))  # fmt: skip
    assert hours == (
        "sb_utc_hour+raised_threshold",
        {"hour": "10", "score": 60.0, "threshold": 65, "by": 5},
    )
    assert coded(gate().check(ctx(ScoreBand("band", 50, 60), score=55.0)))[0].startswith(
        "sb_score_band+"
    )


def test_a_correlated_book_and_the_moves_of_a_feed_or_a_provider_are_codes() -> None:
    g = gate()
    for hour in range(12):  # ETH's hourly returns follow BTC's
        close = 100.0 + (hour % 3) * 2 + hour
        g.record_bar("BTCUSDT", T - (12 - hour) * HOUR, close)
        g.record_bar("ETHUSDT", T - (12 - hour) * HOUR, close * 2)
    correlated = ctx(Correlated("corr", 0.8, bars=24, min_bars=5), open_books=(ETH,))
    code, params = coded(g.check(correlated))
    assert code == "sb_correlated+signal_blocked"
    assert (params["other"], params["side"], params["strategy"]) == ("ETHUSDT", "short", "other")
    move = FeedMove("macro", "BTCUSDT:15m", 60, 5.0, effect=PauseUntil(3600))
    inputs = BreakerInputs((move,), feed_moves=(FeedChange("BTCUSDT:15m", 4, -6.25),))
    decision = gate().check(replace(ctx(), declared=inputs))
    assert coded(decision) == (
        "sb_feed_move+paused_until",
        {
            "feed": "BTCUSDT:15m",
            "change": -6.25,
            "minutes": 60,
            "limit": 5.0,
            "until": "2025-06-17T11:00:00Z",
        },
    )
    for direction, change in (("down", -2.5), ("up", 2.5), ("either", -2.5)):
        spx = ExternalMove("spx", "macro", "spx.close", 60, 2.0, direction)  # type: ignore[arg-type]
        inputs = BreakerInputs(
            (spx,), external_moves=(ExternalChange("macro", "spx.close", 60, change),)
        )
        decision = gate().check(replace(ctx(), declared=inputs))
        assert coded(decision)[0] == f"sb_external_move_{direction}+signal_blocked"
        assert decision.reason.startswith(f"macro spx.close moved {change:+.2f} % over")


def test_a_scaled_entry_says_its_note_as_a_code() -> None:
    g = gate()
    for i in range(3):
        g.record_close(T - (3 - i) * MIN, "BTCUSDT", "sgnl", 5.0, "tp", flat=True)
    scale = g.check(ctx(WinStreak("streak", 3, effect=ScaleSize(0.5)), now=T)).scale
    assert scale is not None and scale.code == "scaled_by+sb_win_streak+size_times"
    assert scale.params["breaker"] == "streak" and scale.params["factor"] == 0.5
    said = english("reasonCode", scale.code, scale.params)  # the scope said as its key
    assert said == scale.reason.replace("strategy sgnl", "strategy:sgnl")
    books = (OpenBook("ETHUSDT", "x", "long", 151.0), OpenBook("SOLUSDT", "x", "long", 152.0))
    hot = ctx(PortfolioHeat("heat", 5.0, 1.0), open_books=books, entry_risk=317.0)
    shrunk = gate().check(hot).scale
    assert shrunk is not None and shrunk.code == "scaled_by+sb_heat_shrunk+size_times"
    assert shrunk.params["factor"] == 0.6215 and shrunk.params["left"] == 1.97
    said = english("reasonCode", shrunk.code, shrunk.params)
    assert said == shrunk.reason.replace("of all books", "of global")
    both = ctx(WinStreak("streak", 3, effect=ScaleSize(0.5)), PortfolioHeat("heat", 5.0, 1.0),
               open_books=books, entry_risk=700.0)  # fmt: skip
    several = g.check(both).scale
    assert several is not None and several.code is None and "; heat: " in several.reason


def test_a_hold_in_force_says_its_time_left_in_seconds_too() -> None:
    g = gate((T - 10 * SEC, "BTCUSDT", "sgnl"))
    hourly = MaxSignals("hourly", 1, "rolling_hour", "global", BlockScope(7200))
    g.check(ctx(hourly, now=T))
    code, params = coded(g.check(ctx(now=T + 61 * SEC)))
    assert code.startswith("held_blocked+")
    assert params["left"] == "118m59s" and params["left_s"] == 118 * 60 + 59
