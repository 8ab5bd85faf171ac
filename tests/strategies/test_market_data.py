"""A plugin declares its market data; the registry checks and lists it."""

from __future__ import annotations

import types
from typing import ClassVar

from scalplab.data.features import NO_FEATURES, FeatureParams
from scalplab.strategies.base import INTERNAL_PARAMS, SignalStrategy
from scalplab.strategies.registry import Registry, discover


class Declares(SignalStrategy):
    name = "declares"
    market_data = ("aggTrades", "openInterest")
    market_params = FeatureParams(sweep_k=5.0)
    params = (("sweep_window_s", 30),)


class Unknown(SignalStrategy):
    name = "unknown_data"
    market_data: ClassVar[tuple[str, ...]] = ("orderFlow",)


def registry_of(*classes: type[SignalStrategy]) -> Registry:
    module = types.ModuleType("market_plugins")
    for cls in classes:
        cls.__module__ = module.__name__
        setattr(module, cls.__name__, cls)
    registry = Registry()
    registry.add_module(module, "market_plugins.py")
    return registry


def test_declared_market_data_is_listed_with_the_plugin() -> None:
    registry = registry_of(Declares, Unknown)
    info = registry.get("declares")
    assert info.market_data == ("aggTrades", "openInterest")
    assert info.to_dict()["market_data"] == ["aggTrades", "openInterest"]
    thresholds = info.market_params(info.resolve({}))
    assert (thresholds.sweep_k, thresholds.sweep_window_s) == (5.0, 30)
    assert "market" in INTERNAL_PARAMS and "market" not in info.params
    assert registry.errors == [
        "market_plugins.py: strategy 'unknown_data': market_data 'orderFlow' is not one of: "
        "aggTrades, bookTicker, depth20, openInterest, funding, markPrice, longShortRatio, "
        "forceOrder"
    ]


def test_a_plugin_that_declares_nothing_reads_no_market() -> None:
    assert discover().get("sma_cross").market_data == ()
    assert SignalStrategy.market_data == ()
    assert NO_FEATURES.cvd is None and NO_FEATURES.bid is None
