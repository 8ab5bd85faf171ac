"""The account's ledger: every fill and funding payment booked into cash and positions.

`Ledger` opens and closes positions of the execution model's books — fees by
liquidity, slippage against a reference price, the liquidation price of isolated
margin, one trade record per closing fill with the entry's fee and funding shared
out pro rata — and settles funding at the settlement instants. It reports each
booking as a typed venue event.
"""

from __future__ import annotations

from collections.abc import Callable

from scalplab.orders.book import BookState
from scalplab.orders.costs import CostModel
from scalplab.orders.events import (
    FundingSettled,
    OrderFilled,
    PositionClosed,
    PositionOpened,
    VenueEvent,
)
from scalplab.orders.exits import ExitRules
from scalplab.orders.models import Bar, ExitReason, Liquidity, Position, Trade
from scalplab.orders.sizing import liquidation_price
from scalplab.strategies.signal import Side

QTY_EPSILON = 1e-12


class Ledger:
    """Cash and fees of one account; books fills into its books' positions and trades."""

    def __init__(
        self,
        initial_capital: float,
        max_leverage: float,
        maint_margin_pct: float,
        costs: CostModel,
        emit: Callable[[VenueEvent], None],
        reporting: Callable[[], bool],
    ) -> None:
        self.cash = initial_capital
        self.fees_paid = 0.0
        self.max_leverage = max_leverage
        self.maint_margin_pct = maint_margin_pct
        self.costs = costs
        self.emit = emit
        self.reporting = reporting

    def settle_funding(self, state: BookState, bar: Bar) -> None:
        position = state.position
        assert position is not None and state.prev_open_ms is not None
        for instant in state.funding.instants_between(state.prev_open_ms, bar.open_ms):
            if not state.funding.recorded(instant):
                state.funding_default_instants += 1
            rate = state.funding.rate_at(instant)
            amount = position.qty * bar.open * rate * position.direction
            self.cash -= amount
            position.funding += amount
            state.funding_paid += amount
            self.emit(FundingSettled(state.key.id, bar.open_ms, instant, rate, amount))

    def open(
        self,
        state: BookState,
        bar: Bar,
        side: Side,
        qty: float,
        price: float,
        reference: float,
        liquidity: Liquidity,
        order_ids: tuple[str | None, str | None, str | None],
        levels: tuple[float | None, float | None],
        fee: float | None = None,
        exits: ExitRules | None = None,
    ) -> None:
        """Open the book's position (`fee`: what the venue charged, else the cost model's;
        `exits`: its take-profit ladder, stop rules and max-hold)."""
        if fee is None:
            fee = self.costs.fee(price * qty, liquidity)
        self.cash -= fee
        self.fees_paid += fee
        slippage = abs(price - reference) * qty
        state.slippage += slippage
        leverage = self.max_leverage
        entry_id, stop_id, take_profit_id = order_ids
        state.position = Position(
            side=side,
            qty=qty,
            entry_price=price,
            entry_ms=bar.open_ms,
            entry_index=state.index,
            stop_loss=levels[0],
            take_profit=levels[1],
            liquidation_price=liquidation_price(
                price, side == "long", leverage, self.maint_margin_pct
            ),
            margin=price * qty / leverage,
            fees=fee,
            funding=0.0,
            slippage=slippage,
            entry_order_id=entry_id,
            stop_order_id=stop_id,
            take_profit_order_id=take_profit_id,
            exits=exits,
        )
        if self.reporting():
            book = state.key.id
            if entry_id is not None:
                self.emit(OrderFilled(book, entry_id, bar.open_ms, price, qty, liquidity))
            self.emit(PositionOpened(book, bar.open_ms, state.position))

    def close(
        self,
        state: BookState,
        bar: Bar,
        price: float,
        reference: float,
        liquidity: Liquidity,
        reason: ExitReason,
        order_id: str | None,
        qty: float | None = None,
        fee: float | None = None,
        leg: int | None = None,
    ) -> None:
        """Close `qty` (all when None) of the book's position: one trade record (`fee`: what
        the venue charged, else the cost model's; `leg`: the ladder leg that filled)."""
        position = state.position
        assert position is not None
        closing = position.qty if qty is None else min(qty, position.qty)
        share = closing / position.qty
        entry_fees = position.fees * share
        funding = position.funding * share
        entry_slippage = position.slippage * share
        if fee is None:
            fee = self.costs.fee(price * closing, liquidity)
        gross = (price - position.entry_price) * closing * position.direction
        self.cash += gross - fee
        self.fees_paid += fee
        slippage = abs(price - reference) * closing
        state.slippage += slippage
        entry_order_id = position.entry_order_id
        trade = Trade(
            symbol=state.key.symbol,
            strategy=state.key.strategy,
            side=position.side,
            entry_ms=position.entry_ms,
            exit_ms=bar.open_ms,
            entry_price=position.entry_price,
            exit_price=price,
            qty=closing,
            exit_reason=reason,
            fees=entry_fees + fee,
            funding=funding,
            slippage=entry_slippage + slippage,
            pnl=gross - entry_fees - fee - funding,
            bars_held=state.index - position.entry_index + 1,
            leg=leg,
        )
        state.trades.append(trade)
        remaining = position.qty - closing
        flat = remaining <= QTY_EPSILON * max(1.0, position.qty)
        if flat:
            state.position = None
        else:
            position.qty = remaining
            position.fees -= entry_fees
            position.funding -= funding
            position.slippage -= entry_slippage
            position.margin *= 1.0 - share
        if self.reporting():
            book = state.key.id
            if order_id is not None:
                self.emit(OrderFilled(book, order_id, bar.open_ms, price, closing, liquidity))
            self.emit(PositionClosed(book, trade, order_id, entry_order_id, flat))
