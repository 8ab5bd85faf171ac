"""The daily report: real paper trades of a UTC day, and the midnight schedule."""

from __future__ import annotations

import asyncio

import pytest

from scalplab.errors import InputError
from scalplab.notify.messages import DailyReport, Notification
from scalplab.notify.reports import DailyReporter, daily_report, day_start_ms
from scalplab.orders.models import Bar
from scalplab.services.context import Services
from tests.notify.conftest import long_signal, step, trade_pair


def trade_a_day(services: Services, bars: list[Bar]) -> None:
    """A signal on every bar of 2025-06-17 and 2025-06-18 (bars 0..191)."""
    ex = trade_pair(services)
    for bar in bars[:192]:
        step(ex, bar, long_signal(bar))


def test_the_report_sums_the_days_real_trades(services: Services, bars: list[Bar]) -> None:
    trade_a_day(services, bars)
    start = day_start_ms("2025-06-17")
    trades = [
        v.trade
        for v in services.simulation.trades(1000, 0)
        if start <= v.trade.exit_ms < start + 86_400_000
    ]
    assert trades, "the sample day must hold trades"
    report = daily_report(services.simulation, "2025-06-17")
    wins = sum(1 for t in trades if t.pnl > 0)
    assert (report.trades, report.wins, report.losses) == (len(trades), wins, len(trades) - wins)
    assert report.net == pytest.approx(sum(t.pnl for t in trades))
    assert report.fees == pytest.approx(sum(t.fees for t in trades))
    assert report.gross == pytest.approx(sum(t.pnl + t.fees + t.funding for t in trades))
    assert report.equity == services.simulation.portfolio().equity
    lines = report.render().text.splitlines()
    assert lines[0] == "📊 DAILY REPORT — 2025-06-17"
    assert lines[1] == f"Trades: {len(trades)} | Wins: {wins} | Losses: {len(trades) - wins}"
    assert lines[3].startswith("NET: ") and lines[3].endswith(f"Win Rate: {report.win_rate:.0f}%")
    empty = daily_report(services.simulation, "2025-01-01")
    assert (empty.trades, empty.best, empty.win_rate) == (0, None, 0.0)
    with pytest.raises(InputError, match="not a date"):
        daily_report(services.simulation, "17/06/2025")


def test_the_reporter_sends_the_ended_day_once_the_utc_date_changes(services: Services) -> None:
    now = [day_start_ms("2025-06-18") / 1000 - 0.5]  # 23:59:59.5 on 2025-06-17
    sent: list[Notification] = []
    reporter = DailyReporter(services.simulation, sent.append, wall=lambda: now[0], tick_s=0.01)

    async def run() -> None:
        task = asyncio.create_task(reporter.run())
        await asyncio.sleep(0.05)
        assert sent == []  # still 2025-06-17
        now[0] += 1.0  # past midnight
        for _ in range(100):
            await asyncio.sleep(0.01)
            if sent:
                break
        await asyncio.sleep(0.05)
        task.cancel()

    asyncio.run(run())
    [report] = sent
    assert isinstance(report, DailyReport) and report.date == "2025-06-17"
    assert report.key == "daily:2025-06-17" and not report.so_far
