"""Health alerts on transitions of the real health report and the real kill switch."""

from __future__ import annotations

import dataclasses

from scalplab.notify.messages import HealthAlert
from scalplab.notify.watch import HealthWatcher, Sample
from scalplab.services.context import Services


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def texts(alerts: list[HealthAlert]) -> list[str]:
    return [a.render().text.splitlines()[0] for a in alerts]


def test_alerts_follow_the_feed_the_gate_and_the_kill_switch(services: Services) -> None:
    clock = Clock()
    watcher = HealthWatcher(
        services.health, services.trading, print, storm_reconnects=3, storm_window_s=60, clock=clock
    )
    first = watcher.sample()
    [started] = watcher.observe(first)
    assert started.kind == "started"
    assert started.render().text.splitlines() == [
        "🤖 SCALPLAB NOTIFIER STARTED",
        f"Mode: simulation — {first.report.reason}",
        "Trading: active (new entries allowed)",
    ]
    live = dataclasses.replace(first.report, feed="live", feed_state="connected", reconnects=0)

    def look(**changes: object) -> list[HealthAlert]:
        clock.now += 5
        return watcher.observe(Sample(dataclasses.replace(live, **changes), first.halt))

    assert look() == []
    down = look(feed_state="reconnecting", reconnects=1)
    assert texts(down) == ["🚨 LIVE STREAM DOWN"]
    assert look(feed_state="stale", reconnects=1) == []  # still down: no second alert
    assert texts(look(feed_state="connected", reconnects=2)) == ["✅ LIVE STREAM RECOVERED"]
    assert texts(look(feed_state="stale", reconnects=2)) == ["🚨 LIVE STREAM STALE"]
    storm = look(feed_state="connected", reconnects=4)
    assert texts(storm) == ["✅ LIVE STREAM RECOVERED", "🚨 RECONNECT STORM"]
    assert storm[1].detail == "4 reconnects of the Binance stream within 1 min"
    assert look(feed_state="connected", reconnects=5) == []  # counted afresh after an alert

    opened = {"mode": "live", "live_trading": True, "reason": "TRADING_MODE is live …"}
    gate = look(**opened, reconnects=5)
    assert texts(gate) == ["🔐 LIVE GATE CHANGED"]
    assert gate[0].detail == "Mode: simulation → live"

    now = dataclasses.replace(live, **opened, reconnects=5)
    services.trading.halt("maintenance", "api")
    halted = watcher.observe(Sample(now, services.trading.state()))
    assert texts(halted) == ["⏸ TRADING HALTED"]
    assert "by api (maintenance)" in halted[0].render().text
    services.trading.resume("telegram")
    resumed = watcher.observe(Sample(now, services.trading.state()))
    assert texts(resumed) == ["▶️ TRADING RESUMED"]
    assert resumed[0].detail == "New entries allowed again (by telegram)."
