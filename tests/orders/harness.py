"""A test harness: one book of a sandbox (execution model + pipeline), driven by hand.

`Harness.on_bar` / `on_signal` are what a strategy's base class does per closed bar;
`signals` are the records the pipeline reported, `trades` the model's closed trades.
Circuit breakers are off unless `risk` switches them on, so a test decides exactly
which rule it exercises.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from scalplab.data.symbols import SymbolRules
from scalplab.orders.commands import ClosePosition, SubmitSignal
from scalplab.orders.costs import CostModel
from scalplab.orders.execution import ExecutionConfig, ExecutionModel
from scalplab.orders.executor import BookExecutor
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.models import Bar, BookKey, SignalRecord, Trade
from scalplab.orders.outcomes import Outcome, SignalOutcome
from scalplab.orders.results import SignalLog
from scalplab.orders.risk import RiskSettings
from scalplab.orders.sandbox import Sandbox, open_sandbox
from scalplab.strategies.signal import Signal

RULES = SymbolRules(
    "TESTUSDT", Decimal("0.01"), Decimal("0.001"), Decimal("0.001"), Decimal("5"), 2, 3
)
CONFIG = ExecutionConfig(
    initial_capital=10_000.0,
    risk_per_trade_pct=1.0,
    max_leverage=5.0,
    maint_margin_pct=0.4,
    costs=CostModel(taker_fee_pct=0.05, maker_fee_pct=0.02, slippage_pct=0.1),
)
NO_BREAKERS = RiskSettings(min_rr=3.0).without_breakers()


class Harness:
    """One book (`SYMBOL/test`) of a fresh sandbox."""

    def __init__(
        self,
        config: ExecutionConfig = CONFIG,
        risk: RiskSettings = NO_BREAKERS,
        rules: SymbolRules = RULES,
        funding: FundingSchedule | None = None,
        last_open_ms: int | None = None,
        strategy: str = "test",
    ) -> None:
        self.log = SignalLog()
        self.outcomes: list[Outcome] = []
        self.sandbox: Sandbox = open_sandbox(config, risk, listener=self._listen)
        self.book = self.sandbox.model.add_book(
            BookKey(rules.symbol, strategy),
            rules,
            funding or FundingSchedule([], 0.0),
            last_open_ms,
        )
        self.executor = BookExecutor(self.sandbox.pipeline, self.book)

    def _listen(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        self.log(outcome)

    @property
    def model(self) -> ExecutionModel:
        """The execution model."""
        return self.sandbox.model

    @property
    def signals(self) -> list[SignalRecord]:
        """Every signal record, in decision order."""
        return self.log.records

    @property
    def trades(self) -> list[Trade]:
        """Closed trades."""
        return self.sandbox.model.trades

    def on_bar(self, bar: Bar) -> None:
        """A closed bar."""
        self.sandbox.pipeline.on_bar(self.book, bar)

    def on_signal(self, bar: Bar, signal: Signal) -> SignalOutcome:
        """A signal on the close of `bar`."""
        return self.sandbox.pipeline.submit_signal(SubmitSignal(self.book, bar, signal))

    def step(self, bar: Bar, signal: Signal | None = None) -> SignalOutcome | None:
        """A bar, then maybe a signal on its close."""
        self.on_bar(bar)
        return None if signal is None else self.on_signal(bar, signal)

    def exit(self, reason: Any = "max_hold") -> bool:
        """Close the position at the next bar's open."""
        return self.sandbox.pipeline.close_position(ClosePosition(self.book, reason))

    def finish(self) -> None:
        """The end of the data."""
        self.executor.finish()
