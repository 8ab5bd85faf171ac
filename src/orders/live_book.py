"""Exchange fills booked into the execution model's books: the live venue's ledger side.

On Binance the exchange matches orders; ScalpLab keeps the same records the paper
engine keeps — positions, cash, fees, funding, one trade per closing fill — by booking
each fill the exchange reports into the execution model's `BookState`s through its
`Ledger`, with the commission Binance charged instead of the cost model's fee. Bars only
advance the books' clocks (bars held, the last price), they never fill anything. Every
booking is reported as the same typed venue events the simulated venue emits. A
position keeps its exit rules (`exits`) and a ladder leg's fill its leg number, and the
books keep every bar's true range, so the stop rules and the max-hold of the execution
model (`managed_exits.close_of_bar`) see what they see in paper trading.
"""

from __future__ import annotations

from dataclasses import dataclass

from scalplab.orders.events import FundingSettled, OrderFilled
from scalplab.orders.execution import ExecutionModel
from scalplab.orders.exits import ExitRules
from scalplab.orders.funding import settlement_instant
from scalplab.orders.models import Bar, ExitReason, Liquidity
from scalplab.orders.sizing import liquidation_price
from scalplab.strategies.signal import Side

QTY_TOLERANCE = 1e-9
"""Relative tolerance under which a remaining quantity counts as nothing."""


@dataclass(frozen=True, slots=True)
class ExchangeFill:
    """One fill the exchange reported (user-data stream or `/fapi/v1/userTrades`)."""

    symbol: str
    trade_id: int
    exchange_order_id: int
    client_order_id: str
    """'' when the source does not carry it (REST trades)."""
    buying: bool
    price: float
    qty: float
    fee: float
    maker: bool
    time_ms: int

    @property
    def liquidity(self) -> Liquidity:
        """Maker or taker."""
        return "maker" if self.maker else "taker"


def _at(fill: ExchangeFill) -> Bar:
    """The instant of a fill as the ledger dates bookings (a bar labelled by its time)."""
    return Bar(fill.time_ms, fill.price, fill.price, fill.price, fill.price)


class LiveBooks:
    """Books the exchange's fills and funding into the model (the caller holds the lock)."""

    def __init__(self, model: ExecutionModel) -> None:
        self.model = model

    def observe_bar(self, book: str, bar: Bar) -> None:
        """A bar closed: the book's clock, last price and true ranges move on; nothing
        fills."""
        state = self.model.book(book)
        self.model.touched.add(book)
        state.index += 1
        if state.position is not None:
            state.bars_in_market += 1
        state.ranges.add(bar)
        state.prev_open_ms = bar.open_ms
        state.last_bar = bar
        self.model.bars_seen += 1

    def entry_fill(
        self,
        book: str,
        fill: ExchangeFill,
        order_ids: tuple[str, str | None, str | None],
        levels: tuple[float | None, float | None],
        exits: ExitRules | None = None,
    ) -> None:
        """Book a fill of the book's entry: it opens the position (with its exit rules)
        or adds to it."""
        state = self.model.book(book)
        self.model.touched.add(book)
        position = state.position
        if position is None:
            side: Side = "long" if fill.buying else "short"
            self.model.ledger.open(
                state,
                _at(fill),
                side,
                fill.qty,
                fill.price,
                fill.price,
                fill.liquidity,
                order_ids=(None, order_ids[1], order_ids[2]),
                levels=levels,
                fee=fill.fee,
                exits=exits,
            )
            assert state.position is not None
            state.position.entry_order_id = order_ids[0]
            state.position.entry_index = state.index + 1  # the bar forming now is bar 1
            return
        qty = position.qty + fill.qty
        position.entry_price = (position.entry_price * position.qty + fill.price * fill.qty) / qty
        position.qty = qty
        position.fees += fill.fee
        leverage = self.model.config.max_leverage
        position.margin = position.entry_price * qty / leverage
        position.liquidation_price = liquidation_price(
            position.entry_price,
            position.side == "long",
            leverage,
            self.model.config.maint_margin_pct,
        )
        self.model.ledger.cash -= fill.fee
        self.model.ledger.fees_paid += fill.fee

    def entry_filled(self, book: str, order_id: str, time_ms: int, liquidity: Liquidity) -> None:
        """The entry order has filled in full: report it at its average price."""
        position = self.model.book(book).position
        if position is None or self.model.on_event is None:
            return
        self.model.on_event(
            OrderFilled(book, order_id, time_ms, position.entry_price, position.qty, liquidity)
        )

    def exit_fill(
        self,
        book: str,
        fill: ExchangeFill,
        reason: ExitReason,
        order_id: str | None,
        leg: int | None = None,
    ) -> bool:
        """Book a fill that closes quantity of the book's position (one trade record, with
        the ladder leg it filled, if any); True when the position is flat afterwards. A
        fill with no position is ignored."""
        state = self.model.book(book)
        position = state.position
        if position is None:
            return True
        self.model.touched.add(book)
        qty = min(fill.qty, position.qty)
        self.model.ledger.close(
            state,
            _at(fill),
            fill.price,
            fill.price,
            fill.liquidity,
            reason,
            order_id,
            qty,
            fee=fill.fee,
            leg=leg,
        )
        return state.position is None

    def funding(self, book: str, amount: float, time_ms: int) -> None:
        """Funding the exchange settled on the book's position (`amount` > 0: paid)."""
        state = self.model.book(book)
        position = state.position
        self.model.touched.add(book)
        self.model.ledger.cash -= amount
        state.funding_paid += amount
        rate = 0.0
        if position is not None:
            position.funding += amount
            price = state.last_bar.close if state.last_bar is not None else position.entry_price
            notional = position.qty * price * position.direction
            rate = amount / notional if notional else 0.0
        if self.model.on_event is not None:
            instant = settlement_instant(time_ms)
            self.model.on_event(FundingSettled(book, time_ms, instant, rate, amount))

    def remaining(self, book: str) -> float:
        """The open quantity of the book (0 when flat)."""
        position = self.model.book(book).position
        return 0.0 if position is None else position.qty
