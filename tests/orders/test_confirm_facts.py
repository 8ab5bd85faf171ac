"""The figures of a pending confirmation (`scalplab.orders.confirm_facts`), worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scalplab.errors import DataError
from scalplab.orders.confirm_facts import ConfirmationFacts, TargetLeg, confirmation_facts
from scalplab.orders.exits import ExitRules, TakeProfitLeg
from scalplab.orders.models import SignalRecord
from scalplab.orders.types import Order


def entry_order(side: str = "buy", **fields: object) -> Order:
    return Order(
        id="o-1",
        client_order_id="c-1",
        symbol="BTCUSDT",
        side=side,  # type: ignore[arg-type]
        type="market",
        qty=Decimal("0.5"),
        status="pending_confirmation",
        created_ms=0,
        updated_ms=0,
        **fields,  # type: ignore[arg-type]
    )


def test_a_ladder_is_measured_at_its_quantity_weighted_average() -> None:
    legs = (
        TakeProfitLeg(1, Decimal("103"), Decimal("0.2"), (1,)),
        TakeProfitLeg(2, Decimal("106"), Decimal("0.3"), (2,)),
    )
    order = entry_order(
        stop_loss=Decimal("98"), take_profit=Decimal("106"), exits=ExitRules(take_profits=legs)
    )
    record = SignalRecord(
        "BTCUSDT", "s", 60_000, "long", 100.0, 98.0, 106.0, 55.0, ("why",), "pending"
    )
    facts = confirmation_facts(order, 100.0, 2_000.0, 4.0, 60_000, record)
    # qty 0.5 at 100: notional 50, margin 50 / 4 = 12.5; risk 0.5 × 2 = 1 = 0.05 % of 2,000;
    # average target (103 × 0.2 + 106 × 0.3) / 0.5 = 104.8 → reward/risk 4.8 / 2 = 2.4
    assert facts.take_profits == (TargetLeg(103.0, 0.2), TargetLeg(106.0, 0.3))
    assert (facts.notional, facts.initial_margin) == (50.0, 12.5)
    assert facts.risk_usdt == pytest.approx(1.0) and facts.risk_pct == pytest.approx(0.05)
    assert facts.reward_risk == pytest.approx(2.4)
    assert (facts.side, facts.reasons, facts.confidence) == ("long", ("why",), 55.0)
    assert ConfirmationFacts.from_dict(facts.to_dict()) == facts
    assert facts.to_dict()["bar_time"] == "1970-01-01T00:01:00Z"


def test_a_manual_short_without_a_stop_has_no_risk_figures() -> None:
    facts = confirmation_facts(entry_order("sell"), 200.0, 1_000.0, 5.0, 0, None)
    assert (facts.side, facts.stop_loss, facts.take_profits) == ("short", None, ())
    assert (facts.risk_usdt, facts.risk_pct, facts.reward_risk) == (None, None, None)
    assert (facts.notional, facts.initial_margin, facts.score) == (100.0, 20.0, None)


def test_a_malformed_stored_row_is_a_data_error() -> None:
    with pytest.raises(DataError, match="malformed confirmation figures"):
        ConfirmationFacts.from_dict({"side": "long"})
