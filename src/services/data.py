"""The Data tab's service: coverage, integrity checks, range deletion and downloads.

Thin over the data layer (`store_coverage`, `store_check`, `candle_prune`, and
`downloads` for the background jobs), so the CLI and the API do each thing one way.
"""

from __future__ import annotations

from collections.abc import Callable

from scalplab.config import Settings
from scalplab.data.adapters.binance.config import BinanceConfig
from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.candle_prune import DeleteReport, delete_candles
from scalplab.data.candles import CandleStore
from scalplab.data.funding import FundingStore
from scalplab.data.market_store import MarketStore
from scalplab.data.store_check import StoreCheck, check_stored
from scalplab.data.store_coverage import SymbolCoverage, coverage_report
from scalplab.services.downloads import DownloadJobs


class DataService:
    """What is stored, its integrity, and the downloads that add to it."""

    def __init__(self, settings: Settings, candles: CandleStore) -> None:
        self.candles = candles
        self.funding = FundingStore(settings.data_dir, candles.exchange)
        self.market = MarketStore(settings.data_dir)
        rest_url = BinanceConfig.from_settings(settings).rest_url

        def client(sleep: Callable[[float], None]) -> BinanceRestClient:
            return BinanceRestClient(rest_url, sleep=sleep)

        self.downloads = DownloadJobs(candles, client)

    def coverage(self) -> list[SymbolCoverage]:
        """Every symbol with stored data, and what is stored for it."""
        return coverage_report(self.candles, self.funding, self.market)

    def check(self, symbol: str, tf: str) -> StoreCheck:
        """The integrity report of `symbol`'s `tf` candles and its market-data days."""
        return check_stored(self.candles, self.market, symbol, tf)

    def delete(self, symbol: str, tf: str, start_ms: int, end_ms: int) -> DeleteReport:
        """Delete the stored bars opening in `[start_ms, end_ms)` (one atomic write)."""
        return delete_candles(self.candles, symbol, tf, start_ms, end_ms)

    def close(self) -> None:
        """Cancel the running downloads and wait for them."""
        self.downloads.close()
