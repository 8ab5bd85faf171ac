"""External data providers for the confluence layers 3 and 4 (on-chain, sentiment, macro)
and Binance's own derivatives statistics: one interface (`Provider.fetch() ->
ProviderReading`), freshness decay, health, recorded snapshots and an as-of reader for
backtests. See `reading`, `base`, `registry` and `store`.
"""

from scalplab.data.providers.base import BaseProvider, Provider, ProviderHealth, Unconfigured
from scalplab.data.providers.reading import ProviderReading, freshness
from scalplab.data.providers.registry import PROVIDER_NAMES, build_providers
from scalplab.data.providers.store import ProviderHistory, ProviderRecorder, provider_history

__all__ = [
    "PROVIDER_NAMES",
    "BaseProvider",
    "Provider",
    "ProviderHealth",
    "ProviderHistory",
    "ProviderReading",
    "ProviderRecorder",
    "Unconfigured",
    "build_providers",
    "freshness",
    "provider_history",
]
