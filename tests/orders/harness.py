"""A test harness: one book of a sandbox (execution model + pipeline), driven by hand.

`Harness.on_bar` / `on_signal` are what a strategy's base class does per closed bar;
`signals` are the records the pipeline reported, `trades` the model's closed trades,
`events` the venue events the pipeline reconciled, `outcomes` what it reported.
Circuit breakers are off unless `risk` switches them on, so a test decides exactly
which rule it exercises; `add_book` puts another book in the same account; `queue` and
`confirmations` wire a caller's queue and confirmation stage in (paper trading's shape),
`halt` a kill switch.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from scalplab.data.symbols import SymbolRules
from scalplab.orders.commands import ClosePosition, SubmitOrder, SubmitSignal
from scalplab.orders.confirming import Confirmations
from scalplab.orders.costs import CostModel
from scalplab.orders.events import VenueEvent
from scalplab.orders.execution import ExecutionConfig, ExecutionModel
from scalplab.orders.executor import BookExecutor
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.halt import HaltSwitch
from scalplab.orders.models import Bar, BookKey, SignalRecord, Trade
from scalplab.orders.outcomes import Outcome, SignalOutcome
from scalplab.orders.pipeline import OrderPipeline
from scalplab.orders.queue import OrderQueue
from scalplab.orders.results import SignalLog
from scalplab.orders.risk import RiskSettings
from scalplab.orders.sandbox import Sandbox, open_sandbox
from scalplab.orders.types import Order, OrderRequest
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
T = TypeVar("T")


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
        queue: OrderQueue | None = None,
        confirmations: Confirmations | None = None,
        halt: HaltSwitch | None = None,
    ) -> None:
        self.log = SignalLog()
        self.outcomes: list[Outcome] = []
        self.events: list[VenueEvent] = []
        self.sandbox: Sandbox = open_sandbox(
            config, risk, queue, confirmations=confirmations, listener=self._listen, halt=halt
        )
        self.sandbox.venue.listen(self._venue_event)
        self.book = self.add_book(strategy, rules, funding, last_open_ms)
        self.executor = BookExecutor(self.sandbox.pipeline, self.book)

    def add_book(
        self,
        strategy: str,
        rules: SymbolRules = RULES,
        funding: FundingSchedule | None = None,
        last_open_ms: int | None = None,
    ) -> str:
        """Register a book of the same account; returns its id."""
        return self.sandbox.model.add_book(
            BookKey(rules.symbol, strategy),
            rules,
            funding or FundingSchedule([], 0.0),
            last_open_ms,
        )

    def _listen(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        self.log(outcome)

    def _venue_event(self, event: VenueEvent) -> None:
        self.events.append(event)
        self.sandbox.pipeline.on_venue_event(event)

    @property
    def model(self) -> ExecutionModel:
        """The execution model."""
        return self.sandbox.model

    @property
    def pipeline(self) -> OrderPipeline:
        """The order pipeline."""
        return self.sandbox.pipeline

    @property
    def queue(self) -> OrderQueue:
        """The order queue."""
        return self.sandbox.queue

    @property
    def signals(self) -> list[SignalRecord]:
        """Every signal record, in decision order."""
        return self.log.records

    @property
    def trades(self) -> list[Trade]:
        """Closed trades."""
        return self.sandbox.model.trades

    def of_type(self, kind: type[T]) -> list[T]:
        """The outcomes of one type, in order."""
        return [outcome for outcome in self.outcomes if isinstance(outcome, kind)]

    def on_bar(self, bar: Bar, book: str | None = None) -> None:
        """A closed bar (of the harness's book unless `book` says otherwise)."""
        self.sandbox.pipeline.on_bar(book or self.book, bar)

    def on_signal(self, bar: Bar, signal: Signal, book: str | None = None) -> SignalOutcome:
        """A signal on the close of `bar`."""
        return self.sandbox.pipeline.submit_signal(SubmitSignal(book or self.book, bar, signal))

    def order(self, request: OrderRequest, book: str | None = None) -> Order:
        """A person's order."""
        return self.sandbox.pipeline.submit_order(SubmitOrder(book or self.book, request))

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
