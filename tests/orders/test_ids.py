"""Client order ids: deterministic, Binance-valid, distinct for distinct inputs."""

from __future__ import annotations

import re

import pytest

from scalplab.errors import InputError
from scalplab.orders.ids import (
    CLIENT_ORDER_ID_PATTERN,
    check_client_order_id,
    child_order_id,
    client_order_id,
    is_client_order_id,
    manual_order_id,
    new_order_id,
)

BINANCE = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")
SIGNAL_MS = 1_750_118_400_000  # 2025-06-17T00:00:00Z


def test_pattern_is_binances_rule() -> None:
    assert BINANCE.pattern == CLIENT_ORDER_ID_PATTERN


def test_strategy_id_layout_and_determinism() -> None:
    cid = client_order_id("BTCUSDT", "smc", SIGNAL_MS, "buy")
    assert cid == client_order_id("BTCUSDT", "smc", SIGNAL_MS, "buy")
    assert BINANCE.fullmatch(cid)
    assert len(cid) == 29
    prefix, time36, digest = cid.split("-")
    assert prefix == "sb"
    assert int(time36, 36) == SIGNAL_MS  # the signal bar's time, readable back
    assert len(time36) == 9
    assert re.fullmatch(r"[0-9a-f]{16}", digest)


def test_strategy_id_accepts_signal_sides_and_any_symbol_case() -> None:
    assert client_order_id("BTCUSDT", "smc", SIGNAL_MS, "long") == client_order_id(
        " btcusdt ", "smc", SIGNAL_MS, "buy"
    )
    assert client_order_id("BTCUSDT", "smc", SIGNAL_MS, "short").startswith("ss-")


def test_strategy_id_differs_for_each_input() -> None:
    base = client_order_id("BTCUSDT", "smc", SIGNAL_MS, "buy")
    others = {
        client_order_id("ETHUSDT", "smc", SIGNAL_MS, "buy"),
        client_order_id("BTCUSDT", "sma_cross", SIGNAL_MS, "buy"),
        client_order_id("BTCUSDT", "smc", SIGNAL_MS + 60_000, "buy"),
        client_order_id("BTCUSDT", "smc", SIGNAL_MS, "sell"),
    }
    assert base not in others
    assert len(others) == 4
    # length-prefixed hashing: ("AB", "C") and ("A", "BC") must not collide
    assert client_order_id("AB", "C", 0, "buy") != client_order_id("A", "BC", 0, "buy")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("BTCUSDT", "smc", SIGNAL_MS, "up"), "side must be buy, sell, long or short"),
        (("BTCUSDT", "smc", True, "buy"), "signal time must be integer"),
        (("BTCUSDT", "smc", 1.5, "buy"), "signal time must be integer"),
        (("BTCUSDT", "smc", -1, "buy"), "signal time -1 ms is out of range"),
        (("BTCUSDT", "smc", 36**9, "buy"), "out of range"),
        (("BTCUSDT", "  ", SIGNAL_MS, "buy"), "needs a symbol and a strategy"),
        (("", "smc", SIGNAL_MS, "buy"), "needs a symbol and a strategy"),
    ],
)
def test_strategy_id_rejects_bad_input(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(InputError, match=message):
        client_order_id(*args)  # type: ignore[arg-type]


def test_manual_id_is_deterministic_and_valid() -> None:
    first = manual_order_id("7d1f-double-click")
    assert first == manual_order_id("7d1f-double-click")
    assert first == manual_order_id("  7d1f-double-click ")  # surrounding blanks ignored
    assert first != manual_order_id("7d1f-double-click-2")
    assert BINANCE.fullmatch(first)
    assert first.startswith("m-")
    assert len(first) == 30
    # a key Binance itself would refuse (spaces, unicode, 255 chars) still maps to a valid id
    assert BINANCE.fullmatch(manual_order_id("ключ з пробілами " + "x" * 200))


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("x" * 256, "256 characters long; the limit is 255"),
        ("tab\there", "printable"),
        (None, "must not be empty"),
    ],
)
def test_manual_id_rejects_bad_keys(key: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        manual_order_id(key)  # type: ignore[arg-type]


def test_child_ids_extend_short_parents_and_hash_long_ones() -> None:
    parent = client_order_id("BTCUSDT", "smc", SIGNAL_MS, "buy")
    assert child_order_id(parent, "sl") == parent + "-sl"
    assert child_order_id(parent, "tp") == parent + "-tp"
    long_parent = "x" * 36
    sl, tp = child_order_id(long_parent, "sl"), child_order_id(long_parent, "tp")
    assert sl != tp
    assert sl.startswith("csl-")
    assert len(sl) == 36
    assert BINANCE.fullmatch(sl)
    assert BINANCE.fullmatch(tp)
    assert sl == child_order_id(long_parent, "sl")
    with pytest.raises(InputError, match="role must be 'sl' or 'tp'"):
        child_order_id(parent, "entry")


def test_new_order_ids_are_unique_and_valid() -> None:
    ids = {new_order_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(BINANCE.fullmatch(i) and i.startswith("ord-") for i in ids)


def test_check_client_order_id() -> None:
    assert check_client_order_id("my.order:1/a_b-C") == "my.order:1/a_b-C"
    assert is_client_order_id("a" * 36)
    assert not is_client_order_id("a" * 37)
    assert not is_client_order_id(123)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="'my order' must be 1-36 characters"):
        check_client_order_id("my order")
    with pytest.raises(InputError):
        check_client_order_id("")
