"""User-data messages → typed events: REAL recorded `ALGO_UPDATE` (wrapped in the
`{"stream", "data"}` envelope, as recorded) and `TRADE_LITE`; `ORDER_TRADE_UPDATE`,
`ACCOUNT_UPDATE` and `listenKeyExpired` have no recording here and come in Binance's
documented shapes (`documented_trading`)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from scalplab.data.adapters.binance.schemas import MessageError
from scalplab.data.adapters.binance.user_events import (
    AccountUpdate,
    AlgoUpdate,
    BalanceChange,
    ListenKeyExpired,
    OrderUpdate,
    PositionChange,
    TradeLite,
)
from scalplab.data.adapters.binance.user_parse import parse_user_event
from scalplab.errors import DataError
from tests.conftest import REAL
from tests.data.adapters.binance import documented_trading as documented

USER_DATA = REAL / "user_data"


def recorded(name: str) -> str:
    return (USER_DATA / f"nautilus_ws_futures_{name}.json").read_text()


def test_a_recorded_algo_order_lifecycle_is_typed() -> None:
    triggering, triggered, finished = (
        parse_user_event(recorded(f"algo_update_{s}")) for s in ("triggering", "triggered",
                                                                 "finished")
    )  # fmt: skip
    assert finished == AlgoUpdate(
        event_ms=1765431097037, transact_ms=1765431097031,
        client_algo_id="O-20251211-053131-TEST-000-1", algo_id=1000000033225453,
        symbol="DOGEUSDT", side="BUY", order_type="STOP_MARKET", algo_status="FINISHED",
        trigger_price=Decimal("0.13855"), quantity=Decimal(38), close_position=False,
        reduce_only=False, actual_order_id="88937381063", avg_price=Decimal("0.13856"),
        filled_qty=Decimal(38), reason="",
    )  # fmt: skip
    assert isinstance(triggering, AlgoUpdate) and isinstance(triggered, AlgoUpdate)
    assert (triggering.algo_status, triggering.actual_order_id) == ("TRIGGERING", "")
    assert (triggered.algo_status, triggered.actual_order_id) == ("TRIGGERED", "88937381063")
    bare = json.dumps(json.loads(recorded("algo_update_finished"))["data"])
    assert parse_user_event(bare.encode()) == finished  # the bare event reads the same


def test_a_recorded_trade_lite_is_typed() -> None:
    assert parse_user_event(recorded("trade_lite")) == TradeLite(
        event_ms=1727683915920, transact_ms=1727683915920, symbol="ETHUSDT",
        client_order_id="O-20240930-081155-001-000-29", order_id=8389765739703625592,
        side="BUY", qty=Decimal("0.037"), price=Decimal("2631.90"),
        last_filled_qty=Decimal("0.037"), last_filled_price=Decimal("2631.90"), maker=False,
        trade_id=4467432841,
    )  # fmt: skip


def test_documented_order_updates_are_typed() -> None:
    new = parse_user_event(documented.ORDER_TRADE_UPDATE_NEW)
    assert isinstance(new, OrderUpdate)
    assert (new.client_order_id, new.execution_type, new.order_status, new.order_type) == (
        "TEST", "NEW", "NEW", "TRAILING_STOP_MARKET")  # fmt: skip
    assert (new.trade_id, new.last_filled_qty, new.commission) == (0, Decimal(0), Decimal(0))
    fill = parse_user_event(documented.ORDER_TRADE_UPDATE_FILL)
    assert fill == OrderUpdate(
        event_ms=1645930322375, transact_ms=1645930322371, symbol="ETHUSDT",
        client_order_id="e-42-entry", order_id=831238666, side="SELL", order_type="MARKET",
        execution_type="TRADE", order_status="FILLED", orig_qty=Decimal("0.005"),
        last_filled_qty=Decimal("0.005"), last_filled_price=Decimal("2778.35"),
        cum_filled_qty=Decimal("0.005"), avg_price=Decimal("2778.35"),
        commission=Decimal("0.00555670"), commission_asset="USDT", maker=False,
        reduce_only=False, realized_pnl=Decimal(0), trade_id=82357626,
    )  # fmt: skip
    trade = json.loads((USER_DATA / "nautilus_http_futures_account_trades.json").read_text())[0]
    assert (fill.trade_id, fill.order_id, str(fill.commission)) == (
        trade["id"], trade["orderId"], trade["commission"])  # the recorded fill  # fmt: skip


def test_a_documented_account_update_is_typed() -> None:
    update = parse_user_event(documented.ACCOUNT_UPDATE)
    assert isinstance(update, AccountUpdate) and update.reason == "ORDER"
    assert update.balances[0] == BalanceChange(
        "USDT", Decimal("122624.12345678"), Decimal("100.12345678"), Decimal("50.12345678")
    )
    assert update.positions[1] == PositionChange(
        symbol="BTCUSDT", position_amt=Decimal(20), entry_price=Decimal("6563.66500"),
        unrealized_pnl=Decimal("2850.21200"), margin_type="isolated",
        isolated_wallet=Decimal("13200.70726908"), position_side="LONG",
    )  # fmt: skip


def test_listen_key_expired_with_its_string_event_time() -> None:
    assert parse_user_event(documented.listen_key_expired("abcdKEY")) == ListenKeyExpired(
        event_ms=1736996475556, listen_key="abcdKEY")  # fmt: skip


def test_event_types_not_used_here_are_none() -> None:
    for kind in ("MARGIN_CALL", "ACCOUNT_CONFIG_UPDATE", "STRATEGY_UPDATE", "GRID_UPDATE"):
        assert parse_user_event(json.dumps({"e": kind, "E": 1})) is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not json", "user-data message is not JSON"),
        ("[1, 2]", "user-data message is not an object"),
        ('{"E": 1}', "user-data message without an event type"),
        ('{"e": "TRADE_LITE", "E": 1}', "malformed TRADE_LITE: missing s"),
        ('{"e": "ORDER_TRADE_UPDATE", "E": 1, "o": []}', "malformed ORDER_TRADE_UPDATE.o"),
        ('{"e": "ALGO_UPDATE", "E": 1, "o": {"caid": "a", "aid": "x"}}', "aid is not an integer"),
        ('{"e": "TRADE_LITE", "E": 1, "s": "X", "c": "c", "i": 1, "S": "UP"}',
         "S is not BUY or SELL"),
        ('{"e": "TRADE_LITE", "E": 1, "s": "X", "c": "c", "i": 1, "S": "BUY", "q": "NaN"}',
         "q is not a finite number"),
    ],
)  # fmt: skip
def test_malformed_messages_are_one_line_data_errors(raw: str, message: str) -> None:
    with pytest.raises(MessageError, match=message) as error:
        parse_user_event(raw + " " * 10 + "x" * 500 if raw == "not json" else raw)
    assert isinstance(error.value, DataError) and "\n" not in str(error.value)
    assert len(str(error.value)) < 200
