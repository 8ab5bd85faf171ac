"""Numbers as a trader reads them in a Telegram message."""

from __future__ import annotations

import pytest

from scalplab.notify.formatting import clip, duration, money, move_pct, pct, price, quantity


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
