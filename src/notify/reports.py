"""The daily report: one UTC day of closed paper trades, sent at 00:00 UTC.

A trade belongs to the UTC day of its exit time (the bar clock, which is the wall clock
on a live feed). `daily_report` reads the trades through the simulation service, newest
exit first, page by page until the day is passed; `DailyReporter` watches the wall
clock and, when the UTC date changes, submits the report of the day that just ended.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from scalplab.errors import InputError, ScalpLabError
from scalplab.notify.formatting import utc_day
from scalplab.notify.messages import DailyReport, Notification
from scalplab.orders.models import Trade
from scalplab.services.simulation import SimulationService

log = logging.getLogger(__name__)

PAGE = 500
DAY_MS = 86_400_000
DEFAULT_TICK_S = 30.0
"""How often the reporter looks at the wall clock."""


def day_start_ms(day: str) -> int:
    """00:00 UTC of `YYYY-MM-DD` in epoch ms (`InputError` for another shape)."""
    try:
        moment = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise InputError(f"{day!r} is not a date: use YYYY-MM-DD") from None
    return int(moment.timestamp() * 1000)


def trades_of_day(simulation: SimulationService, day: str) -> list[Trade]:
    """Every trade whose exit falls in the UTC day `day`."""
    start = day_start_ms(day)
    end = start + DAY_MS
    found: list[Trade] = []
    offset = 0
    while True:
        page = simulation.trades(limit=PAGE, offset=offset)
        found.extend(v.trade for v in page if start <= v.trade.exit_ms < end)
        if len(page) < PAGE or page[-1].trade.exit_ms < start:
            return found
        offset += PAGE


def daily_report(simulation: SimulationService, day: str, so_far: bool = False) -> DailyReport:
    """The report of `day`: trades, wins, losses, gross, fees, net, best, worst, equity now."""
    trades = trades_of_day(simulation, day)
    pnls = [t.pnl for t in trades]
    fees = sum(t.fees for t in trades)
    net = sum(pnls)
    return DailyReport(
        date=day,
        trades=len(trades),
        wins=sum(1 for p in pnls if p > 0),
        losses=sum(1 for p in pnls if p <= 0),
        gross=net + fees + sum(t.funding for t in trades),
        fees=fees,
        net=net,
        equity=simulation.portfolio().equity,
        best=max(pnls) if pnls else None,
        worst=min(pnls) if pnls else None,
        so_far=so_far,
    )


def previous_day(day: str) -> str:
    """The UTC date before `day`."""
    moment = datetime.strptime(day, "%Y-%m-%d") - timedelta(days=1)
    return moment.strftime("%Y-%m-%d")


class DailyReporter:
    """Submits the report of each UTC day once the day has ended."""

    def __init__(
        self,
        simulation: SimulationService,
        submit: Callable[[Notification], object],
        wall: Callable[[], float] = time.time,
        tick_s: float = DEFAULT_TICK_S,
    ) -> None:
        self.simulation = simulation
        self.submit = submit
        self.wall = wall
        self.tick_s = tick_s

    async def run(self) -> None:
        """Until cancelled: at each change of the UTC date, report the day that ended."""
        day = utc_day(self.wall())
        while True:
            await asyncio.sleep(self.tick_s)
            today = utc_day(self.wall())
            if today == day:
                continue
            ended = previous_day(today)
            try:
                report = await asyncio.to_thread(daily_report, self.simulation, ended)
            except ScalpLabError as exc:
                log.warning("the daily report of %s failed: %s", ended, exc.message)
            else:
                self.submit(report)
            day = today
