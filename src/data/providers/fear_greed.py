"""Fear & Greed index (alternative.me): `GET {FEAR_GREED_URL}/fng/?limit=1`, no key.

The documented answer:

    {"name": "Fear and Greed Index",
     "data": [{"value": "40", "value_classification": "Fear",
               "timestamp": "1551157200", "time_until_update": "68499"}],
     "metadata": {"error": null}}

`value` is 0-100 (a string), `timestamp` the epoch seconds of the day it describes, and
`time_until_update` the seconds until the next value (present on the latest one only). The
reading: metric `value`, label `classification`, observed at `timestamp`, current until
`fetched_at + time_until_update` (a daily index is "the" index until the next is out, so
its freshness is full until then). alternative.me asks clients to stay under 60 requests a
minute; the seed's cache keeps a value 30 minutes.
"""

from __future__ import annotations

import json
from typing import Any

from scalplab.data.providers.base import BaseProvider
from scalplab.data.providers.http import ProviderError, ProviderHttp
from scalplab.data.providers.reading import ProviderReading

PATH = "/fng/"


class FearGreedProvider(BaseProvider):
    """The crypto Fear & Greed index of alternative.me (layer 4, sentiment)."""

    name = "fear_greed"
    layer = "sentiment"
    ttl_s = 30 * 60.0
    per_minute = 60.0

    def __init__(self, http: ProviderHttp, **kwargs: Any) -> None:
        super().__init__(limiter=http.limiter, **kwargs)
        self.http = http

    @property
    def source(self) -> str:
        return self.http.source(PATH)

    def read(self, fetched_at: int) -> ProviderReading:
        answer = self.http.get(PATH, {"limit": 1})
        return parse_fear_greed(answer.text, fetched_at, self.source)

    def close(self) -> None:
        self.http.close()


def parse_fear_greed(text: str, fetched_at: int, source: str) -> ProviderReading:
    """The reading of a documented `/fng/` answer; `ValueError`/`ProviderError` otherwise."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError("not JSON") from None
    if not isinstance(body, dict):
        raise ValueError("not a JSON object")
    metadata = body.get("metadata") or {}
    if isinstance(metadata, dict) and metadata.get("error"):
        raise ProviderError(f"alternative.me reports: {str(metadata['error'])[:120]}")
    data = body.get("data")
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        raise ValueError("no data entry")
    entry = data[0]
    value = float(entry["value"])
    if not 0 <= value <= 100:
        raise ValueError(f"index value {value:g} outside 0-100")
    observed = int(entry["timestamp"]) * 1000
    current_until = None
    if entry.get("time_until_update") not in (None, ""):
        remaining = int(entry["time_until_update"])
        current_until = fetched_at + remaining * 1000 if remaining > 0 else None
    labels = {}
    if isinstance(entry.get("value_classification"), str):
        labels["classification"] = entry["value_classification"]
    return ProviderReading(
        provider=FearGreedProvider.name,
        layer=FearGreedProvider.layer,
        fetched_at=fetched_at,
        source=source,
        metrics={"value": value},
        labels=labels,
        observed_at=observed,
        current_until=current_until,
    )
