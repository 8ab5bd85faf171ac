"""Funding, open interest and long/short ratios from Binance itself (PC-13), as a provider.

Binance's REST client (`BinanceRestClient`, at `REST_URL`: the same base URL, weight budget
and parsers as every other Binance call) is asked, per symbol of `DERIVATIVES_SYMBOLS`:
`/fapi/v1/premiumIndex` (mark and index price, last funding rate, next funding time),
`/fapi/v1/openInterest` (contracts now) and `/futures/data/globalLongShortAccountRatio`
(period 5m, the latest). Metrics, per symbol `S`: `S.funding_rate` (a fraction, as Binance
gives it), `S.mark_price`, `S.index_price`, `S.next_funding_time` (epoch ms),
`S.open_interest`, `S.long_short_ratio`, `S.long_account`, `S.short_account` and
`S.long_short_time` (the start of the ratio's 5-minute period, epoch ms).

The reading is observed at the older of the premium index's and the open interest's times
(the ratio is a 5-minute statistic, its own time is in `S.long_short_time`). A client error
(`TemporaryError` after a 429 or 5xx, a malformed answer, an unknown symbol) is the reason
the layer is left out; the client makes one attempt (the poller asks again next round).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.providers.base import BaseProvider
from scalplab.data.providers.http import ProviderError
from scalplab.data.providers.reading import ProviderReading
from scalplab.errors import InputError, ScalpLabError

RATIO_PERIOD = "5m"
REQUESTS_PER_SYMBOL = 3


class BinanceDerivativesProvider(BaseProvider):
    """Binance USDT-M funding, open interest and global long/short ratio (layer 2 inputs)."""

    name = "binance_derivatives"
    layer = "order_flow"
    ttl_s = 15.0
    per_minute = 60.0

    def __init__(
        self,
        rest_url: str,
        symbols: Sequence[str],
        *,
        timeout_s: float = 10.0,
        client: BinanceRestClient | None = None,
        **kwargs: Any,
    ) -> None:
        if not symbols:
            raise InputError("the Binance derivatives provider needs at least one symbol")
        super().__init__(**kwargs)
        self.symbols = [symbol.upper() for symbol in symbols]
        self.client = client or BinanceRestClient(rest_url, max_attempts=1, timeout_s=timeout_s)

    @property
    def source(self) -> str:
        return f"{self.client.base_url}/fapi/v1/premiumIndex"

    def _token(self) -> None:
        wait = self.limiter.take()
        if wait > 0:
            raise ProviderError(f"rate limit: next request allowed in {wait:.0f} s", failure=False)

    def read(self, fetched_at: int) -> ProviderReading:
        metrics: dict[str, float] = {}
        times: list[int] = []
        for symbol in self.symbols:
            try:
                self._token()
                premium = self.client.premium_index(symbol)
                self._token()
                interest = self.client.open_interest(symbol)
                self._token()
                ratios = self.client.long_short_ratio(
                    symbol, "global_accounts", RATIO_PERIOD, limit=1
                )
            except ProviderError:
                raise
            except ScalpLabError as exc:
                raise ProviderError(exc.message) from None
            if premium.last_funding_rate is None:
                raise ProviderError(f"{symbol} has no funding rate (not a perpetual)")
            metrics[f"{symbol}.funding_rate"] = premium.last_funding_rate
            metrics[f"{symbol}.mark_price"] = premium.mark_price
            metrics[f"{symbol}.index_price"] = premium.index_price
            metrics[f"{symbol}.next_funding_time"] = float(premium.next_funding_time)
            metrics[f"{symbol}.open_interest"] = interest.open_interest
            times += [premium.time, interest.time]
            if ratios:
                latest = max(ratios, key=lambda ratio: ratio.time)
                metrics[f"{symbol}.long_short_ratio"] = latest.long_short_ratio
                metrics[f"{symbol}.long_account"] = latest.long_share
                metrics[f"{symbol}.short_account"] = latest.short_share
                metrics[f"{symbol}.long_short_time"] = float(latest.time)
        return ProviderReading(
            provider=self.name,
            layer=self.layer,
            fetched_at=fetched_at,
            source=self.source,
            metrics=metrics,
            labels={"symbols": ",".join(self.symbols)},
            observed_at=min(times),
        )

    def close(self) -> None:
        self.client.close()
