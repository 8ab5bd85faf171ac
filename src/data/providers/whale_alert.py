"""Whale transfers (Whale Alert API v1): exchange inflows and outflows of large transfers.

`GET {WHALE_ALERT_URL}/v1/transactions?api_key=KEY&min_value=USD&start=EPOCH_S[&cursor=C]`
answers, as documented:

    {"result": "success", "cursor": "2bc7e46-2bc7e46-5c66c0a7", "count": 1,
     "transactions": [{"blockchain": "bitcoin", "symbol": "btc", "id": "1", "transaction_type":
       "transfer", "hash": "…", "from": {"address": "…", "owner": "binance",
       "owner_type": "exchange"}, "to": {"address": "…", "owner_type": "unknown"},
       "timestamp": 1550237797, "amount": 20, "amount_usd": 80000.5, "transaction_count": 1}]}

and `{"result": "error", "message": "…"}` on an error (`transactions` is absent when
`count` is 0). The free plan allows 10 requests a minute, transfers of at least $500,000 and
`start` at most an hour back; pages hold up to 100 transactions and continue from `cursor`.

Each fetch covers the last `window_s` seconds (default 30 minutes, the seed's window) and
classifies each transfer by its ends' `owner_type` (FEATURES.md B.4): wallet → exchange is
an inflow (bearish), exchange → wallet an outflow (bullish), exchange → exchange and
wallet → wallet neutral. Metrics (USD): `exchange_inflow_usd`, `exchange_outflow_usd`,
`exchange_netflow_usd` (= outflows − inflows, the seed's sign), `exchange_internal_usd`,
`largest_inflow_usd`, `largest_outflow_usd`; counts `transfers`, `inflows_1m`,
`outflows_1m` (transfers of $1M or more); and the same in- and outflows of stablecoins
(`stablecoin_inflow_usd`, `stablecoin_outflow_usd`: the seed's stablecoin flow;
`stablecoin_inflows_1m`, `stablecoin_outflows_1m`: those of $1M or more, so a score can
tell coins from stablecoins). The
reading is observed at the end of its window (the fetch), its window in `window_s`.

This is also the platform's only free exchange-flow source: aggregate exchange net flows
(CryptoQuant, Glassnode) are paid, so `exchange_flows` is left out (see `registry`).
"""

from __future__ import annotations

import json
from typing import Any

from scalplab.data.providers.base import BaseProvider
from scalplab.data.providers.http import ProviderError, ProviderHttp
from scalplab.data.providers.reading import ProviderReading

PATH = "/v1/transactions"
PAGE_LIMIT = 100
MAX_PAGES = 3
"""Pages followed per fetch (3 of the free plan's 10 requests a minute)."""
LARGE_USD = 1_000_000.0
"""A transfer this large counts in `inflows_1m` / `outflows_1m` (the seed's $1M+)."""
STABLECOINS = frozenset({"usdt", "usdc", "busd", "dai", "tusd", "fdusd", "usdp", "pyusd"})
KEY_PARAM = "api_key"


class WhaleAlertProvider(BaseProvider):
    """Large on-chain transfers to and from exchanges (layer 3, on-chain)."""

    name = "whale_alert"
    layer = "on_chain"
    ttl_s = 30.0
    per_minute = 10.0

    def __init__(
        self,
        http: ProviderHttp,
        *,
        min_usd: float = 500_000.0,
        window_s: int = 1800,
        **kwargs: Any,
    ) -> None:
        super().__init__(limiter=http.limiter, **kwargs)
        self.http = http
        self.min_usd = min_usd
        self.window_s = window_s

    @property
    def source(self) -> str:
        return self.http.source(PATH)

    def scrub(self, text: str) -> str:
        return self.http.scrub(text)

    def read(self, fetched_at: int) -> ProviderReading:
        params: dict[str, Any] = {
            "min_value": int(self.min_usd),
            "start": fetched_at // 1000 - self.window_s,
            "limit": PAGE_LIMIT,
        }
        transactions: list[dict[str, Any]] = []
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            answer = self.http.get(PATH, params, key_param=KEY_PARAM)
            page, cursor = parse_page(answer.text)
            for transaction in page:
                key = str(transaction.get("id") or transaction.get("hash") or len(seen))
                if key not in seen:
                    seen.add(key)
                    transactions.append(transaction)
            if cursor is None or len(page) < PAGE_LIMIT:
                break
            params = {**params, "cursor": cursor}
        return ProviderReading(
            provider=self.name,
            layer=self.layer,
            fetched_at=fetched_at,
            source=self.source,
            metrics={**flows(transactions), "window_s": float(self.window_s)},
            observed_at=fetched_at,
        )

    def close(self) -> None:
        self.http.close()


def parse_page(text: str) -> tuple[list[dict[str, Any]], str | None]:
    """(the transactions, the cursor) of one documented answer; `ProviderError` for an
    error answer, `ValueError` for anything else that is not the documented shape."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError("not JSON") from None
    if not isinstance(body, dict):
        raise ValueError("not a JSON object")
    if body.get("result") == "error":
        raise ProviderError(f"Whale Alert reports: {str(body.get('message', ''))[:120]}")
    if body.get("result") != "success":
        raise ValueError("no result field")
    count = int(body.get("count", 0))
    transactions = body.get("transactions", [] if count == 0 else None)
    if not isinstance(transactions, list):
        raise ValueError("no transactions list")
    for transaction in transactions:
        _check_transaction(transaction)
    cursor = body.get("cursor")
    return transactions, cursor if isinstance(cursor, str) and cursor else None


def _check_transaction(transaction: Any) -> None:
    if not isinstance(transaction, dict):
        raise ValueError("a transaction is not an object")
    for end in ("from", "to"):
        if not isinstance(transaction.get(end), dict):
            raise ValueError(f"a transaction has no {end!r} object")
    amount = float(transaction["amount_usd"])
    if not amount >= 0:
        raise ValueError("a transaction has a negative or missing amount_usd")
    int(transaction["timestamp"])


def _is_exchange(end: dict[str, Any]) -> bool:
    return end.get("owner_type") == "exchange"


def flows(transactions: list[dict[str, Any]]) -> dict[str, float]:
    """The exchange in- and outflow metrics of checked transactions (see the module)."""
    totals = dict.fromkeys(
        ("exchange_inflow_usd", "exchange_outflow_usd", "exchange_internal_usd",
         "largest_inflow_usd", "largest_outflow_usd", "inflows_1m", "outflows_1m",
         "stablecoin_inflow_usd", "stablecoin_outflow_usd", "stablecoin_inflows_1m",
         "stablecoin_outflows_1m"),
        0.0,
    )  # fmt: skip
    for transaction in transactions:
        usd = float(transaction["amount_usd"])
        into, out_of = _is_exchange(transaction["to"]), _is_exchange(transaction["from"])
        stable = str(transaction.get("symbol", "")).lower() in STABLECOINS
        if into and out_of:
            totals["exchange_internal_usd"] += usd
        elif into:
            totals["exchange_inflow_usd"] += usd
            totals["largest_inflow_usd"] = max(totals["largest_inflow_usd"], usd)
            totals["inflows_1m"] += usd >= LARGE_USD
            totals["stablecoin_inflow_usd"] += usd if stable else 0.0
            totals["stablecoin_inflows_1m"] += stable and usd >= LARGE_USD
        elif out_of:
            totals["exchange_outflow_usd"] += usd
            totals["largest_outflow_usd"] = max(totals["largest_outflow_usd"], usd)
            totals["outflows_1m"] += usd >= LARGE_USD
            totals["stablecoin_outflow_usd"] += usd if stable else 0.0
            totals["stablecoin_outflows_1m"] += stable and usd >= LARGE_USD
    totals["exchange_netflow_usd"] = totals["exchange_outflow_usd"] - totals["exchange_inflow_usd"]
    totals["transfers"] = float(len(transactions))
    return totals
