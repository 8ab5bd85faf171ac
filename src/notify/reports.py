"""The daily report: one UTC day of closed paper trades, sent at 00:00 UTC.

A trade belongs to the UTC day of its exit time (the bar clock, which is the wall clock
on a live feed). `daily_report` reads the trades through the simulation service, newest
exit first, page by page until the day is passed; `DailyReporter` watches the wall
clock and, when the UTC date changes, submits the report of the day that just ended,
then the seed-002 report of each confluence strategy that signalled or closed a position
that day (`strategy_reports`, `confluence_reports.ConfluenceDailyReport`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from scalplab.errors import ScalpLabError
from scalplab.notify.confluence_card import STRATEGIES
from scalplab.notify.confluence_reports import ConfluenceDailyReport
from scalplab.notify.formatting import utc_day
from scalplab.notify.messages import DailyReport, Notification
from scalplab.orders.models import Trade
from scalplab.services.portfolio import PortfolioService, day_start_ms
from scalplab.services.simulation import SimulationService

log = logging.getLogger(__name__)

PAGE = 500
DAY_MS = 86_400_000
DEFAULT_TICK_S = 30.0
"""How often the reporter looks at the wall clock."""


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


def strategy_reports(
    portfolio: PortfolioService, day: str, strategies: Iterable[str] = STRATEGIES
) -> list[ConfluenceDailyReport]:
    """The seed-002 daily report of each of `strategies` that had a signal or closed a
    position on `day` (a quiet strategy sends nothing)."""
    reports = []
    for strategy in sorted(strategies):
        found = portfolio.strategy_day(strategy, day)
        if found.signals or found.positions:
            reports.append(ConfluenceDailyReport(found))
    return reports


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
        portfolio: PortfolioService | None = None,
    ) -> None:
        self.simulation = simulation
        self.submit = submit
        self.wall = wall
        self.tick_s = tick_s
        self.portfolio = portfolio

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
            if self.portfolio is not None:
                try:
                    extra = await asyncio.to_thread(strategy_reports, self.portfolio, ended)
                except ScalpLabError as exc:
                    log.warning("the strategy reports of %s failed: %s", ended, exc.message)
                else:
                    for item in extra:
                        self.submit(item)
            day = today
