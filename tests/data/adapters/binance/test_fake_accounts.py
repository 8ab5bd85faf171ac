"""The fake venue's accounting and symbol rules: entries, averages, flips, realized P&L,
commissions, isolated margin, funding, and the filters read from the REAL
`exchangeInfo`."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scalplab.data.adapters.binance.fake_accounts import Account
from scalplab.data.adapters.binance.fake_rules import (
    RuleBook,
    SymbolRules,
    VenueError,
    derived_rules,
    money,
    plain,
    rules_from_exchange_info,
)
from tests.data.adapters.binance.venue_client import EXCHANGE_INFO

D = Decimal


def account(balance: str = "1000") -> Account:
    return Account(D(balance), D("0.0002"), D("0.0005"), leverage=10)


def test_adding_averages_the_entry_and_reducing_realizes_pnl() -> None:
    book = account()
    book.apply_fill("BTCUSDT", "BUY", "BOTH", D("0.01"), D(30000), False, 1)
    book.apply_fill("BTCUSDT", "BUY", "BOTH", D("0.03"), D(31000), True, 2)
    held = book.position("BTCUSDT", "BOTH")
    assert held.amount == D("0.04") and held.entry_price == D("30750")
    out = book.apply_fill("BTCUSDT", "SELL", "BOTH", D("0.01"), D(32000), False, 3)
    assert out.realized_pnl == D("12.5") and out.commission == D("0.16")
    assert held.amount == D("0.03") and held.entry_price == D("30750")  # unchanged
    fees = D("0.15") + D("0.186") + D("0.16")
    assert book.wallet == D(1000) + D("12.5") - fees
    assert held.realized == D("12.5") and held.update_ms == 3


def test_a_fill_beyond_the_position_flips_it_at_the_fill_price() -> None:
    book = account()
    book.apply_fill("ETHUSDT", "SELL", "BOTH", D(2), D(2000), False, 1)
    out = book.apply_fill("ETHUSDT", "BUY", "BOTH", D(3), D(1900), False, 2)
    held = book.position("ETHUSDT", "BOTH")
    assert out.realized_pnl == D(200)  # the short of 2 gained 100 each
    assert held.amount == D(1) and held.entry_price == D(1900)
    assert book.closable("ETHUSDT", "SELL", "BOTH") == D(1)
    assert book.closable("ETHUSDT", "BUY", "BOTH") == 0


def test_isolated_margin_is_held_and_released_in_proportion() -> None:
    book = account()
    book.margin_types["BTCUSDT"] = "ISOLATED"
    book.apply_fill("BTCUSDT", "BUY", "BOTH", D("0.2"), D(30000), False, 1)
    held = book.position("BTCUSDT", "BOTH")
    assert held.isolated_wallet == D(600)  # 6,000 notional at 10x
    assert book.cross_wallet() == book.wallet - 600
    book.marks["BTCUSDT"] = D(29000)
    assert book.available(D(0)) == book.cross_wallet()  # isolated loss stays isolated
    book.apply_fill("BTCUSDT", "SELL", "BOTH", D("0.1"), D(29000), False, 2)
    assert held.isolated_wallet == D(300)
    book.apply_fill("BTCUSDT", "SELL", "BOTH", D("0.1"), D(29000), False, 3)
    assert held.isolated_wallet == 0 and held.entry_price == 0


def test_funding_is_paid_by_longs_when_the_rate_is_positive() -> None:
    book = account()
    book.apply_fill("BTCUSDT", "BUY", "BOTH", D("0.1"), D(30000), False, 1)
    book.marks["BTCUSDT"] = D(31000)
    before = book.wallet
    paid, isolated = book.settle_funding("BTCUSDT", D("0.0001"), 2)
    assert paid == D("-0.31") and isolated == []
    assert book.wallet == before - D("0.31")
    assert book.settle_funding("ETHUSDT", D("0.0001"), 3) == (0, [])


def test_cross_available_balance_counts_unrealized_pnl_margin_and_orders() -> None:
    book = account()
    book.apply_fill("BTCUSDT", "BUY", "BOTH", D("0.1"), D(30000), False, 1)
    book.marks["BTCUSDT"] = D(30500)
    unrealized, margin = D(50), D("0.1") * 30500 / 10
    assert book.available(D(7)) == book.wallet + unrealized - margin - 7
    [row] = book.position_risk([("BTCUSDT", "BOTH")], {}, {})
    assert row["unRealizedProfit"] == "50.00000000" and row["notional"] == "3050.00000000"
    assert row["breakEvenPrice"] == "30015"  # the entry plus one taker fee


def test_rules_come_from_the_real_exchange_info() -> None:
    rules = rules_from_exchange_info(EXCHANGE_INFO)
    btc, doge = rules["BTCUSDT"], rules["DOGEUSDT"]
    assert (btc.tick_size, btc.step_size, btc.min_notional) == (D("0.01"), D("0.001"), D(5))
    assert (doge.tick_size, doge.step_size, doge.price_precision) == (D("0.00001"), D(1), 6)
    assert (btc.max_orders, btc.max_algo_orders) == (200, 10)
    assert len(rules) == len(EXCHANGE_INFO["symbols"])
    btc.check_quantity(D("0.005"), market=True)
    btc.check_price(D("30000.01"))
    for call, code in [
        (lambda: btc.check_quantity(D("0.0005"), market=True), -1111),
        (lambda: btc.check_quantity(D(0), market=True), -4003),
        (lambda: btc.check_quantity(D(2000), market=False), -4005),
        (lambda: btc.check_price(D("30000.001")), -1111),
        (lambda: btc.check_notional(D("4.99")), -4164),
        (lambda: SymbolRules.simple("X", tick_size="0.5").check_price(D("1.2")), -4014),
    ]:
        with pytest.raises(VenueError) as refused:
            call()
        assert refused.value.code == code


def test_rules_for_unlisted_symbols_are_derived_from_the_price() -> None:
    book = RuleBook({}, derive=True)
    with pytest.raises(VenueError):
        book.get("CTK3USDT", None)
    derived = book.get("CTK3USDT", D("1.52"))
    assert derived == derived_rules("CTK3USDT", D("1.52")) == book.get("CTK3USDT", None)
    assert derived.tick_size == D("0.0001") and derived.step_size == D("0.01")
    assert derived_rules("BTCUSDT", D(65000)).tick_size == D(1)
    with pytest.raises(VenueError):
        RuleBook({}, derive=False).get("CTK3USDT", D("1.52"))


def test_numbers_are_written_as_binance_writes_them() -> None:
    assert plain(D("30000.00")) == "30000" and plain(D("1E+2")) == "100"
    assert plain(D(0)) == "0" and plain(D("0.0100")) == "0.01"
    assert money(D("0.15")) == "0.15000000" and money(D("-0.003254")) == "-0.00325400"
