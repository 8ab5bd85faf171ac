"""Pairs: one per (symbol, strategy), addressed by id, validated, in their own sessions."""

from __future__ import annotations

import pytest

from scalplab.errors import ConflictError, InputError, NotFoundError
from scalplab.services.context import Services
from scalplab.services.pairs import PairRecord


def test_a_symbol_may_be_followed_by_several_strategies_once_each(services: Services) -> None:
    pairs = services.pairs
    sma = pairs.create("btcusdt", "sma_cross", "15m", {"fast": 5})
    smc = pairs.create("BTCUSDT", "smc", "15m", {})
    assert isinstance(sma, PairRecord) and (sma.symbol, smc.symbol) == ("BTCUSDT", "BTCUSDT")
    assert sma.id != smc.id and sma.params == {"fast": 5}
    with pytest.raises(ConflictError) as taken:
        pairs.create("BTCUSDT", "sma_cross", "1h", {})
    assert taken.value.message == "pair BTCUSDT with strategy sma_cross is already in the list"
    assert pairs.list() == [sma, smc]
    assert pairs.get(smc.id) == smc


def test_a_change_of_strategy_may_not_duplicate_a_pair(services: Services) -> None:
    pairs = services.pairs
    sma = pairs.create("BTCUSDT", "sma_cross", "15m", {})
    smc = pairs.create("BTCUSDT", "smc", "15m", {})
    with pytest.raises(ConflictError, match="pair BTCUSDT with strategy sma_cross is already"):
        pairs.update(smc.id, strategy="sma_cross")
    with pytest.raises(ConflictError, match="pair BTCUSDT with strategy smc is already"):
        pairs.replace(sma.id, "smc", "1h", {}, True)
    assert pairs.list() == [sma, smc]  # nothing changed
    patched = pairs.update(sma.id, timeframe="1h", enabled=False)
    assert (patched.strategy, patched.timeframe, patched.enabled) == ("sma_cross", "1h", False)
    replaced = pairs.replace(sma.id, "sma_cross", "5m", {"slow": 40}, True)
    assert (replaced.timeframe, replaced.params, replaced.enabled) == ("5m", {"slow": 40}, True)


def test_unknown_ids_and_bad_references(services: Services) -> None:
    pairs = services.pairs
    for call in (
        lambda: pairs.get(99),
        lambda: pairs.update(99, enabled=False),
        lambda: pairs.replace(99, "sma_cross", "1h", {}, True),
        lambda: pairs.delete(99),
    ):
        with pytest.raises(NotFoundError, match="no pair with id 99"):
            call()
    with pytest.raises(InputError, match="unknown strategy 'nope'"):
        pairs.create("BTCUSDT", "nope", "15m", {})
    with pytest.raises(InputError, match="unknown symbol ZZZUSDT"):
        pairs.create("ZZZUSDT", "sma_cross", "15m", {})
    created = pairs.create("ETHUSDT", "sma_cross", "15m", {})
    with pytest.raises(InputError, match=r"param rr=99\.0 is above its maximum 50"):
        pairs.update(created.id, params={"rr": 99})
    pairs.delete(created.id)
    assert pairs.list() == []
