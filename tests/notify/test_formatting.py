"""Numbers as a trader reads them in a Telegram message."""

from __future__ import annotations

import pytest

from scalplab.notify.formatting import (
    breakdown_lines,
    clip,
    duration,
    money,
    move_pct,
    number,
    pct,
    price,
    quantity,
)


def test_prices_money_percentages_quantities_durations() -> None:
    assert price(43250.0) == "$43,250.00"
    assert price(107229.3) == "$107,229.30"
    assert price(1.23456) == "$1.2346"
    assert price(0.12345678) == "$0.12345678"
    assert price(0.5) == "$0.5"
    assert price(None) == "—"
    assert money(10.7) == "+$10.70" and money(-9.3) == "-$9.30"
    assert money(10133.0, signed=False) == "$10,133.00"
    assert pct(1.7) == "+1.70%" and pct(-0.3) == "-0.30%"
    assert quantity(0.0930) == "0.093" and quantity(12.0) == "12"
    assert [duration(s) for s in (45, 135, 3900, 187_200)] == ["45s", "2m 15s", "1h 05m", "2d 04h"]
    assert move_pct(100.0, 98.3, "short") == pytest.approx(1.7)  # a short's target: a gain
    assert len(clip("x" * 5000)) == 4096 and clip("x" * 5000).endswith("…")


def test_a_breakdown_lists_its_top_features_with_their_sub_scores() -> None:
    breakdown = {
        "vwap_distance": 0.0031,
        "ask_dominance": 0.64,
        "ask_dominance_score": 85.0,
        "oi_divergence": 0.82,
        "oi_divergence_score": 90.0,
        "sweep": 1.0,
        "sweep_score": 40.0,
        "orphan_score": 12.0,  # a sub-score with no raw value: a feature of its own
        "open_interest": 123_456.7,
    }
    # Features with a sub-score first, best first; then the others in the strategy's order.
    assert breakdown_lines(breakdown, limit=5) == [
        "  • oi_divergence: 0.82 (score 90)",
        "  • ask_dominance: 0.64 (score 85)",
        "  • sweep: 1 (score 40)",
        "  • vwap_distance: 0.0031",
        "  • orphan_score: 12",
        "  … +1 more",
    ]
    assert breakdown_lines({"a" * 40: -1.23456}) == [f"  • {'a' * 31}…: -1.235"]
    assert breakdown_lines({"open_interest": 123_456.7}) == ["  • open_interest: 123,457"]
    assert breakdown_lines({}) == []
    many = breakdown_lines({f"f{i}": float(i) for i in range(500)})
    assert len(many) == 6 and many[-1] == "  … +495 more"  # bounded, however many features
    assert number(float("nan")) == "—"
