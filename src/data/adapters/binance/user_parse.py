"""Messages of Binance USDT-M's user-data stream turned into typed events.

`parse_user_event` reads one message — the bare event, or the `{"stream", "data"}`
envelope the `/private` route may wrap it in — and returns an `OrderUpdate`,
`AlgoUpdate`, `AccountUpdate`, `TradeLite` or `ListenKeyExpired` (`user_events`). An
event type the platform does not use (`MARGIN_CALL`, `ACCOUNT_CONFIG_UPDATE`,
`STRATEGY_UPDATE`, …) is None; a message that is not what Binance documents is a
one-line `MessageError` (a `DataError`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

from scalplab.data.adapters.binance.json_fields import Fields
from scalplab.data.adapters.binance.schemas import MessageError
from scalplab.data.adapters.binance.user_events import (
    AccountUpdate,
    AlgoUpdate,
    BalanceChange,
    ListenKeyExpired,
    OrderUpdate,
    PositionChange,
    TradeLite,
    UserEvent,
)
from scalplab.errors import snippet

ZERO = Decimal(0)


def parse_user_event(raw: str | bytes) -> UserEvent | None:
    """One user-data message → its event; None for an event type not used here."""
    try:
        payload = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        raise MessageError(f"user-data message is not JSON: {snippet(raw)}") from None
    if isinstance(payload, dict) and "data" in payload and "stream" in payload:
        payload = payload["data"]
    if not isinstance(payload, dict):
        raise MessageError(f"user-data message is not an object: {snippet(raw)}")
    kind = payload.get("e")
    if not isinstance(kind, str):
        raise MessageError(f"user-data message without an event type: {snippet(raw)}")
    parser = PARSERS.get(kind)
    return None if parser is None else parser(Fields(payload, kind))


def _order_update(f: Fields) -> OrderUpdate:
    o = f.nested("o")
    return OrderUpdate(
        event_ms=f.integer("E"),
        transact_ms=f.integer("T", o.integer("T", 0)),
        symbol=o.text("s"),
        client_order_id=o.text("c"),
        order_id=o.integer("i"),
        side=o.side("S"),
        order_type=o.text("o"),
        execution_type=o.text("x"),
        order_status=o.text("X"),
        orig_qty=o.decimal("q"),
        last_filled_qty=o.decimal("l", ZERO),
        last_filled_price=o.decimal("L", ZERO),
        cum_filled_qty=o.decimal("z", ZERO),
        avg_price=o.decimal("ap", ZERO),
        commission=o.decimal("n", ZERO),
        commission_asset=o.text("N", ""),
        maker=o.flag("m", False),
        reduce_only=o.flag("R", False),
        realized_pnl=o.decimal("rp", ZERO),
        trade_id=o.integer("t", 0),
    )


def _algo_update(f: Fields) -> AlgoUpdate:
    o = f.nested("o")
    return AlgoUpdate(
        event_ms=f.integer("E"),
        transact_ms=f.integer("T", 0),
        client_algo_id=o.text("caid"),
        algo_id=o.integer("aid"),
        symbol=o.text("s"),
        side=o.side("S"),
        order_type=o.text("o"),
        algo_status=o.text("X"),
        trigger_price=o.decimal("tp", ZERO),
        quantity=o.decimal("q", ZERO),
        close_position=o.flag("cp", False),
        reduce_only=o.flag("R", False),
        actual_order_id=o.text("ai", ""),
        avg_price=o.decimal("ap", ZERO),
        filled_qty=o.decimal("aq", ZERO),
        reason=o.text("rm", ""),
    )


def _account_update(f: Fields) -> AccountUpdate:
    a = f.nested("a")
    return AccountUpdate(
        event_ms=f.integer("E"),
        transact_ms=f.integer("T", 0),
        reason=a.text("m"),
        balances=tuple(
            BalanceChange(
                asset=b.text("a"),
                wallet_balance=b.decimal("wb"),
                cross_wallet_balance=b.decimal("cw", ZERO),
                balance_change=b.decimal("bc", ZERO),
            )
            for b in a.rows("B")
        ),
        positions=tuple(
            PositionChange(
                symbol=p.text("s"),
                position_amt=p.decimal("pa"),
                entry_price=p.decimal("ep", ZERO),
                unrealized_pnl=p.decimal("up", ZERO),
                margin_type=p.text("mt", ""),
                isolated_wallet=p.decimal("iw", ZERO),
                position_side=p.text("ps", "BOTH"),
            )
            for p in a.rows("P")
        ),
    )


def _trade_lite(f: Fields) -> TradeLite:
    return TradeLite(
        event_ms=f.integer("E"),
        transact_ms=f.integer("T", 0),
        symbol=f.text("s"),
        client_order_id=f.text("c"),
        order_id=f.integer("i"),
        side=f.side("S"),
        qty=f.decimal("q"),
        price=f.decimal("p"),
        last_filled_qty=f.decimal("l", ZERO),
        last_filled_price=f.decimal("L", ZERO),
        maker=f.flag("m", False),
        trade_id=f.integer("t", 0),
    )


def _listen_key_expired(f: Fields) -> ListenKeyExpired:
    return ListenKeyExpired(event_ms=f.integer("E"), listen_key=f.text("listenKey", ""))


PARSERS: dict[str, Callable[[Fields], UserEvent]] = {
    "ORDER_TRADE_UPDATE": _order_update,
    "ALGO_UPDATE": _algo_update,
    "ACCOUNT_UPDATE": _account_update,
    "TRADE_LITE": _trade_lite,
    "listenKeyExpired": _listen_key_expired,
}
"""Event type (`e`) → its parser."""
