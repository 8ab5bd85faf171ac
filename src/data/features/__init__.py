"""Per-bar market-data features for strategies (`market_data` on a plugin, `self.market`).

One pipeline (`pipeline.compute_columns`, pure numpy over arrays grouped by bar
bucket) serves backtests and replays (`loading.load_features`, from the stores) and
live paper trading (`live.LiveFeatures`, from the stream): the same trades give the
same numbers either way.
"""

from scalplab.data.features.loading import FeatureRequest, check_market_data, load_features
from scalplab.data.features.pipeline import FeatureTable, MarketInputs, MarketSource
from scalplab.data.features.records import NO_FEATURES, BarFeatures
from scalplab.data.features.spec import MARKET_DATA, FeatureParams, parse_market_data

__all__ = [
    "MARKET_DATA",
    "NO_FEATURES",
    "BarFeatures",
    "FeatureParams",
    "FeatureRequest",
    "FeatureTable",
    "MarketInputs",
    "MarketSource",
    "check_market_data",
    "load_features",
    "parse_market_data",
]
