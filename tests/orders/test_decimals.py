"""Order numbers: bounds, exact tick/step checks and rounding for decimals of any size."""

from __future__ import annotations

import decimal
import json
import random
from decimal import Decimal

import numpy as np
import pytest

from scalplab.data.symbols import SymbolRules, parse_exchange_info
from scalplab.errors import InputError
from scalplab.orders.decimals import (
    MAX_ORDER_NUMBER,
    OrderRejected,
    is_multiple,
    plain,
    round_to_tick,
    to_decimal,
)
from scalplab.orders.rules import validate_order
from scalplab.orders.types import OrderRequest
from tests.conftest import REAL

D = Decimal


@pytest.fixture(scope="module")
def btc() -> SymbolRules:
    payload = json.loads((REAL / "rest" / "fapi_v1_exchangeInfo_2021-07-22.json").read_text())
    return parse_exchange_info(payload)["BTCUSDT"]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1e25", "qty 10000000000000000000000000 is over the maximum 1000000000000"),
        (1e300, "qty 1E+300 is over the maximum 1000000000000"),
        (2**63, "qty 9223372036854775808 is over the maximum 1000000000000"),
        ("1e999999999", "qty 1E+999999999 is over the maximum"),
        ("-0", "qty must be positive, not -0"),
        (-0.0, "qty must be positive, not -0"),
        ("NaN", "qty must be a finite number, not 'NaN'"),
        ("Infinity", "qty must be a finite number, not 'Infinity'"),
        (float("-inf"), "qty must be a finite number, not -inf"),
        (D("sNaN"), "qty must be a finite number"),
        ("0." + "0" * 30 + "1", "qty 1E-31 has more than 18 decimal places"),
        ("1e-999999999", "qty 1E-999999999 has more than 18 decimal places"),
        ("9" * 100_000, "qty '99999"),
        (True, "qty must be a number, not True"),
        (None, "qty must be a number, not None"),
        ("0x10", "qty must be a number, not '0x10'"),
    ],
)
def test_to_decimal_refuses_what_no_order_can_carry(value: object, reason: str) -> None:
    with pytest.raises(OrderRejected, match="^" + reason.replace("+", r"\+").replace("(", r"\(")):
        to_decimal(value, "qty")


def test_to_decimal_keeps_what_it_accepts() -> None:
    assert to_decimal("0.0020", "qty") == D("0.0020")
    assert str(to_decimal(" 0.0020 ", "qty")) == "0.0020"  # as given (trimmed)
    assert to_decimal(np.float64(0.5), "qty") == D("0.5")  # a numpy float is a float
    assert to_decimal(MAX_ORDER_NUMBER, "qty") == MAX_ORDER_NUMBER
    assert to_decimal("1e-18", "qty") == D("1e-18")
    assert to_decimal("0.5000000000000000000000", "qty") == D("0.5")  # trailing zeros are fine


def test_plain_is_exact_for_any_size() -> None:
    assert str(plain(D("1E+1"))) == "10"
    assert str(plain(D("0.00100"))) == "0.001"
    assert str(plain(D("0E-5"))) == "0"
    big = D("1234567890123456789012345678901234567890E+5")  # more digits than the context
    assert str(plain(big)) == "123456789012345678901234567890123456789000000"
    assert plain(D("NaN")).is_nan()


def test_is_multiple_agrees_with_exact_arithmetic() -> None:
    exact = decimal.Context(prec=1000)
    pick = random.Random(7)
    for _ in range(5000):
        value = D(pick.randint(1, 10 ** pick.randint(1, 30))).scaleb(-pick.randint(0, 25))
        unit = D(pick.choice([1, 5, 25, 1])).scaleb(-pick.randint(0, 12))
        assert is_multiple(value, unit) == (exact.remainder(value, unit) == 0), (value, unit)
    # quotients far beyond the default 28 digits: the old `%` raised DivisionImpossible
    assert is_multiple(D("1e40"), D("0.001"))
    assert not is_multiple(D("1" + "0" * 40 + ".0001"), D("0.001"))
    assert is_multiple(D("7"), D("0"))


def test_round_to_tick_is_exact_and_refuses_non_finite() -> None:
    assert round_to_tick(107187.456, D("0.1")) == D("107187.5")
    assert round_to_tick(1e300, D("0.01")) == D("1e300")  # the old version overflowed here
    assert round_to_tick(2.5, D("0")) == D("2.5")
    for bad in (float("nan"), float("inf")):
        with pytest.raises(OrderRejected, match="a price must be a finite number"):
            round_to_tick(bad, D("0.1"))


def test_validation_only_ever_rejects_finite_decimals(btc: SymbolRules) -> None:
    """Any finite decimal in any field: accepted or an `OrderRejected`, nothing else."""
    tiny_tick = SymbolRules("BTCUSDT", D("1e-18"), D("1e-18"), D("1e-18"), D("5"), 18, 18)
    pick = random.Random(11)
    fields = ("qty", "price", "stop_price", "stop_loss", "take_profit")
    for rules in (btc, tiny_tick):
        for _ in range(1500):
            value = D(pick.randint(-(10**20), 10**20)).scaleb(pick.randint(-40, 40))
            name = pick.choice(fields)
            kind = pick.choice(["market", "limit", "stop_market", "stop_limit"])
            base: dict[str, object] = {"symbol": "BTCUSDT", "side": "buy", "type": kind}
            base.update({"qty": D("0.002"), "price": D("100000"), "stop_price": D("100000")})
            base[name] = value
            try:
                request = OrderRequest(**base)  # type: ignore[arg-type]
                validate_order(request, rules, 100_000.0)
            except InputError as exc:
                assert isinstance(exc, OrderRejected) or "symbol" in str(exc)
                assert len(str(exc)) < 300


def test_the_largest_order_numbers_validate_without_overflow() -> None:
    tiny_tick = SymbolRules("BTCUSDT", D("1e-18"), D("1e-18"), D("1e-18"), D("5"), 18, 18)
    request = OrderRequest(
        symbol="BTCUSDT",
        side="buy",
        type="limit",
        qty=MAX_ORDER_NUMBER - D("1e-18"),
        price=MAX_ORDER_NUMBER,
        stop_loss=D("1e-18"),
    )
    validate_order(request, tiny_tick, 1e12)  # every check exact: passes
