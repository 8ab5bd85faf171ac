"""The fake venue's futures account: a USDT wallet, per-symbol leverage and margin type,
positions with an average entry price, realized P&L and commissions — and how Binance
reports them (`/fapi/v3/positionRisk`, `/fapi/v3/balance`, `/fapi/v1/symbolConfig`,
`ACCOUNT_UPDATE`).

Accounting, as Binance does it for USDT-M: a fill that reduces a position realizes
`(price − entry) × closed qty` (sign of the position); a fill that adds to it moves the
entry to the quantity-weighted average; a fill larger than the position closes it and
opens the rest the other way at the fill price. Commission is `price × qty × fee rate`
(maker or taker), in USDT, taken from the wallet with the realized P&L added. Isolated
positions hold `notional / leverage` of the wallet as their isolated wallet, released in
proportion as they shrink. The available balance is the cross wallet (wallet − isolated
wallets) plus cross unrealized P&L, minus cross initial margin and the initial margin of
open orders. Not simulated: liquidation (its price is reported as 0) and maintenance
tiers (one maintenance rate). The break-even price is the entry moved by one taker fee.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from scalplab.data.adapters.binance.fake_records import Json, StreamEvent
from scalplab.data.adapters.binance.fake_rules import ZERO, exact, money, plain

MAINT_RATE = Decimal("0.004")
MAX_NOTIONAL = "1000000"


@dataclass
class Position:
    """One position (one-way mode: side BOTH; hedge mode: LONG or SHORT); `amount` is
    signed, as Binance's `positionAmt` (a SHORT position is negative)."""

    symbol: str
    side: str
    amount: Decimal = ZERO
    entry_price: Decimal = ZERO
    realized: Decimal = ZERO
    """Accumulated realized P&L (`cr`)."""
    isolated_wallet: Decimal = ZERO
    update_ms: int = 0


@dataclass(frozen=True, slots=True)
class FillOutcome:
    """What one fill did to the account."""

    realized_pnl: Decimal
    commission: Decimal
    position: Position


def direction(order_side: str) -> int:
    """+1 for BUY, −1 for SELL."""
    return 1 if order_side == "BUY" else -1


class Account:
    """One USDT-M futures account (not thread-safe: the venue holds its lock)."""

    def __init__(
        self,
        balance: Decimal,
        maker_fee: Decimal,
        taker_fee: Decimal,
        leverage: int = 20,
        asset: str = "USDT",
    ) -> None:
        self.asset = asset
        self.wallet = balance
        self.maker_fee = maker_fee
        self.taker_fee = taker_fee
        self.default_leverage = leverage
        self.hedge_mode = False
        self.leverages: dict[str, int] = {}
        self.margin_types: dict[str, str] = {}
        self.positions: dict[tuple[str, str], Position] = {}
        self.marks: dict[str, Decimal] = {}
        self.update_ms = 0

    # ----- settings -------------------------------------------------------------------

    def leverage(self, symbol: str) -> int:
        return self.leverages.get(symbol, self.default_leverage)

    def margin_type(self, symbol: str) -> str:
        """CROSSED (Binance's default) or ISOLATED."""
        return self.margin_types.get(symbol, "CROSSED")

    def isolated(self, symbol: str) -> bool:
        return self.margin_type(symbol) == "ISOLATED"

    def has_position(self, symbol: str | None = None) -> bool:
        return any(p.amount != 0 and symbol in (None, p.symbol) for p in self.positions.values())

    # ----- positions ------------------------------------------------------------------

    def position(self, symbol: str, side: str) -> Position:
        """The position of `symbol` on `side` (created flat when there is none)."""
        key = (symbol, side)
        if key not in self.positions:
            self.positions[key] = Position(symbol, side)
        return self.positions[key]

    def closable(self, symbol: str, order_side: str, position_side: str) -> Decimal:
        """How much of the position an order on `order_side` would reduce (0: it would
        open or add)."""
        held = self.positions.get((symbol, position_side))
        if held is None or held.amount == 0 or direction(order_side) * held.amount > 0:
            return ZERO
        return abs(held.amount)

    def apply_fill(
        self,
        symbol: str,
        order_side: str,
        position_side: str,
        qty: Decimal,
        price: Decimal,
        maker: bool,
        time_ms: int,
    ) -> FillOutcome:
        """Book one fill: position, entry, realized P&L, commission, wallet."""
        held = self.position(symbol, position_side)
        step = direction(order_side)
        commission = price * qty * (self.maker_fee if maker else self.taker_fee)
        closing = min(qty, abs(held.amount)) if held.amount * step < 0 else ZERO
        realized = ZERO
        if closing:
            sign = 1 if held.amount > 0 else -1
            realized = (price - held.entry_price) * closing * sign
            held.isolated_wallet -= held.isolated_wallet * closing / abs(held.amount)
            held.amount += step * closing
            if held.amount == 0:
                held.entry_price, held.isolated_wallet = ZERO, ZERO
        opening = qty - closing
        if opening:
            size = abs(held.amount)
            held.entry_price = exact((size * held.entry_price + opening * price) / (size + opening))
            held.amount += step * opening
            if self.isolated(symbol):
                held.isolated_wallet += opening * price / self.leverage(symbol)
        held.realized += realized
        held.update_ms = self.update_ms = time_ms
        self.wallet += realized - commission
        return FillOutcome(realized, commission, held)

    def settle_funding(
        self, symbol: str, rate: Decimal, time_ms: int
    ) -> tuple[Decimal, list[Position]]:
        """Pay or receive funding at `rate` on `symbol`'s positions at the mark price: the
        total paid into the wallet (negative: paid out) and the isolated positions touched."""
        total, isolated = ZERO, []
        mark = self.marks.get(symbol)
        for held in self.positions.values():
            if held.symbol != symbol or held.amount == 0:
                continue
            fee = -held.amount * (mark if mark is not None else held.entry_price) * rate
            total += fee
            if self.isolated(symbol):
                held.isolated_wallet += fee
                isolated.append(held)
            held.update_ms = time_ms
        self.wallet += total
        self.update_ms = time_ms
        return total, isolated

    # ----- margin ---------------------------------------------------------------------

    def mark(self, held: Position) -> Decimal:
        return self.marks.get(held.symbol, held.entry_price)

    def unrealized(self, held: Position) -> Decimal:
        return held.amount * (self.mark(held) - held.entry_price)

    def initial_margin(self, held: Position) -> Decimal:
        return abs(held.amount) * self.mark(held) / self.leverage(held.symbol)

    def cross_wallet(self) -> Decimal:
        return self.wallet - sum((p.isolated_wallet for p in self.positions.values()), ZERO)

    def cross_unrealized(self) -> Decimal:
        crossed = (p for p in self.positions.values() if not self.isolated(p.symbol))
        return sum((self.unrealized(p) for p in crossed), ZERO)

    def available(self, order_margin: Decimal) -> Decimal:
        """What new orders may still use (`order_margin`: held by the open orders)."""
        crossed = [p for p in self.positions.values() if not self.isolated(p.symbol)]
        held = sum((self.initial_margin(p) for p in crossed), ZERO)
        return self.cross_wallet() + self.cross_unrealized() - held - order_margin

    # ----- Binance's answers ----------------------------------------------------------

    def break_even(self, held: Position) -> Decimal:
        if held.amount == 0:
            return ZERO
        sign = 1 if held.amount > 0 else -1
        return exact(held.entry_price * (1 + sign * self.taker_fee))

    def position_risk(
        self,
        rows: Iterable[tuple[str, str]],
        order_margin: Mapping[tuple[str, str], Decimal],
        order_notional: Mapping[tuple[str, str, str], Decimal],
    ) -> list[Json]:
        """`/fapi/v3/positionRisk` rows for the (symbol, side) keys given (those with a
        position or open orders)."""
        answer = []
        for symbol, side in rows:
            held = self.positions.get((symbol, side)) or Position(symbol, side)
            mark = self.marks.get(symbol, held.entry_price)
            isolated = self.isolated(symbol)
            notional = held.amount * mark
            position_im = self.initial_margin(held)
            orders_im = order_margin.get((symbol, side), ZERO)
            unrealized = self.unrealized(held)
            answer.append({
                "symbol": symbol,
                "positionSide": side,
                "positionAmt": plain(held.amount),
                "entryPrice": plain(held.entry_price),
                "breakEvenPrice": plain(self.break_even(held)),
                "markPrice": plain(mark),
                "unRealizedProfit": money(unrealized),
                "liquidationPrice": "0",
                "isolatedMargin": money(held.isolated_wallet + unrealized if isolated else ZERO),
                "notional": money(notional),
                "marginAsset": self.asset,
                "isolatedWallet": money(held.isolated_wallet),
                "initialMargin": money(position_im + orders_im),
                "maintMargin": money(abs(notional) * MAINT_RATE),
                "positionInitialMargin": money(position_im),
                "openOrderInitialMargin": money(orders_im),
                "adl": 0,
                "bidNotional": money(order_notional.get((symbol, side, "BUY"), ZERO)),
                "askNotional": money(order_notional.get((symbol, side, "SELL"), ZERO)),
                "updateTime": held.update_ms,
            })  # fmt: skip
        return answer

    def balances(self, order_margin: Decimal, now_ms: int) -> list[Json]:
        """`/fapi/v3/balance`: the USDT wallet."""
        available = self.available(order_margin)
        cross = self.cross_wallet()
        return [{
            "accountAlias": "FkAc",
            "asset": self.asset,
            "balance": money(self.wallet),
            "crossWalletBalance": money(cross),
            "crossUnPnl": money(self.cross_unrealized()),
            "availableBalance": money(available),
            "maxWithdrawAmount": money(max(ZERO, min(available, cross))),
            "marginAvailable": True,
            "updateTime": self.update_ms or now_ms,
        }]  # fmt: skip

    def symbol_config(self, symbols: Iterable[str]) -> list[Json]:
        """`/fapi/v1/symbolConfig` rows."""
        return [{"symbol": s, "marginType": self.margin_type(s), "isAutoAddMargin": "false",
                 "leverage": self.leverage(s), "maxNotionalValue": MAX_NOTIONAL}
                for s in symbols]  # fmt: skip

    def account_update(
        self,
        reason: str,
        positions: Iterable[Position],
        change: Decimal,
        event_ms: int,
        transact_ms: int,
    ) -> StreamEvent:
        """`ACCOUNT_UPDATE` (`reason`: ORDER, FUNDING_FEE, …) with the wallet and the given
        positions; `change` is the balance change other than P&L and commission."""
        rows = [{
            "s": p.symbol,
            "pa": plain(p.amount),
            "ep": plain(p.entry_price),
            "bep": plain(self.break_even(p)),
            "cr": money(p.realized),
            "up": money(self.unrealized(p)),
            "mt": "isolated" if self.isolated(p.symbol) else "cross",
            "iw": money(p.isolated_wallet),
            "ps": p.side,
        } for p in positions]  # fmt: skip
        balance = {"a": self.asset, "wb": money(self.wallet), "cw": money(self.cross_wallet()),
                   "bc": money(change)}  # fmt: skip
        event = {"e": "ACCOUNT_UPDATE", "E": event_ms, "T": transact_ms,
                 "a": {"m": reason, "B": [balance], "P": rows}}  # fmt: skip
        text = json.dumps(event, separators=(",", ":"))
        return StreamEvent("ACCOUNT_UPDATE", text, fill=reason == "ORDER")
