"""`BookExecutor`: the order pipeline as one book's strategy sees it.

It is the `Executor` of `scalplab.strategies.base`: each call of the strategy's base
class becomes a pipeline command for its book (a bar, a signal, a max-hold exit, the
end of the data).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from scalplab.orders.commands import ClosePosition, SubmitSignal
from scalplab.orders.models import Bar, Position, Trade
from scalplab.orders.outcomes import SignalOutcome
from scalplab.orders.pipeline import OrderPipeline
from scalplab.strategies.breakers import BreakerInputs
from scalplab.strategies.signal import Signal

END_OF_DATA = "the data ended before it was confirmed"


class BookExecutor:
    """Routes one book's strategy calls to the pipeline."""

    def __init__(self, pipeline: OrderPipeline, book: str) -> None:
        self.pipeline = pipeline
        self.book = book

    def on_bar(self, bar: Bar) -> None:
        """A bar closed: the venue fills on it."""
        self.pipeline.on_bar(self.book, bar)

    def on_signal(
        self, bar: Bar, signal: Signal, breakers: BreakerInputs | None = None
    ) -> SignalOutcome:
        """A signal on the close of `bar` (with the strategy's breakers, if it has any)."""
        return self.pipeline.submit_signal(SubmitSignal(self.book, bar, signal, breakers))

    def bars_held(self) -> int:
        """Bars the open position has been held."""
        return self.pipeline.venue.bars_held(self.book)

    def request_exit(self, reason: Literal["max_hold", "signal"]) -> bool:
        """Close the position at the next bar's open."""
        return self.pipeline.close_position(ClosePosition(self.book, reason))

    def position(self) -> Position | None:
        """The book's open position."""
        return self.pipeline.venue.position(self.book)

    def closed_trades(self) -> Sequence[Trade]:
        """The book's closed trades so far, in exit order."""
        return self.pipeline.venue.closed_trades(self.book)

    def finish(self) -> None:
        """The data ended: withdraw what waits, close what is open."""
        self.pipeline.finish(self.book, END_OF_DATA)
