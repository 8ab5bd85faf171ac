"""The market-data vocabulary and the feature thresholds."""

from __future__ import annotations

import pytest

from scalplab.data.features import MARKET_DATA, FeatureParams, parse_market_data
from scalplab.data.features.records import FEATURE_FIELDS, FIELDS_OF
from scalplab.errors import InputError


def test_the_vocabulary_is_fixed_and_each_name_fills_its_own_fields() -> None:
    assert parse_market_data(("aggTrades", "depth20")) == ("aggTrades", "depth20")
    assert parse_market_data(()) == ()
    with pytest.raises(InputError, match="market_data 'trades' is not one of: aggTrades, "):
        parse_market_data(("trades",))
    with pytest.raises(InputError, match="declared twice"):
        parse_market_data(("funding", "funding"))
    with pytest.raises(InputError, match="not the string"):
        parse_market_data("aggTrades")
    assert set(FIELDS_OF) == set(MARKET_DATA)
    filled = [name for names in FIELDS_OF.values() for name in names]
    assert sorted(filled) == sorted(FEATURE_FIELDS)  # every field once, none left over


def test_thresholds_are_checked_and_a_param_of_the_same_name_overrides_them() -> None:
    defaults = FeatureParams()
    assert (defaults.sweep_k, defaults.sweep_window_s, defaults.sweep_step_s) == (10.0, 60, 10)
    tuned = defaults.resolved({"sweep_k": 4, "depth_levels": 5, "fast": 10})
    assert (tuned.sweep_k, tuned.depth_levels, tuned.sweep_window_s) == (4.0, 5, 60)
    assert defaults.resolved({"fast": 10}) is defaults
    for bad in ({"sweep_step_s": 7}, {"depth_levels": 21}, {"sweep_k": 0}, {"sweep_levels": 1}):
        with pytest.raises(InputError):
            defaults.resolved(bad)
    with pytest.raises(InputError, match="must be a number"):
        defaults.resolved({"sweep_k": "big"})
