"""What a Binance REST client went through: counters, and the figures `/status/health`
shows (request count, retries, failures, latency of recent answers, used weight)."""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, field

LATENCY_SAMPLES = 100
"""Answered requests whose latency the median is taken over."""


@dataclass
class RequestStats:
    """Counters a client keeps across calls (for reports and tests)."""

    requests: int = 0
    retries: int = 0
    waited_s: float = 0.0
    used_weight: int | None = None
    waits: list[tuple[str, float]] = field(default_factory=list)
    """Every pause taken: (reason, seconds)."""
    failures: int = 0
    """Calls that ended in an error (after their retries)."""
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_SAMPLES))
    """Round-trip times of the latest answered requests, oldest first."""


@dataclass(frozen=True, slots=True)
class RestHealth:
    """A client's REST figures for `/status/health`."""

    base_url: str
    requests: int
    retries: int
    failures: int
    waited_s: float
    latency_last_ms: float | None
    latency_p50_ms: float | None
    """Median of the latest `LATENCY_SAMPLES` answered requests."""
    used_weight: int | None
    """Binance's `X-MBX-USED-WEIGHT-1m` of the last answer (the IP's count this minute)."""
    weight_limit: int

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "base_url": self.base_url,
            "requests": self.requests,
            "retries": self.retries,
            "failures": self.failures,
            "waited_s": round(self.waited_s, 3),
            "latency_last_ms": self.latency_last_ms,
            "latency_p50_ms": self.latency_p50_ms,
            "used_weight": self.used_weight,
            "weight_limit": self.weight_limit,
        }


def health_of(stats: RequestStats, base_url: str, weight_limit: int) -> RestHealth:
    """The health snapshot of a client's `stats`."""
    latencies = list(stats.latencies_ms)
    return RestHealth(
        base_url=base_url,
        requests=stats.requests,
        retries=stats.retries,
        failures=stats.failures,
        waited_s=stats.waited_s,
        latency_last_ms=round(latencies[-1], 3) if latencies else None,
        latency_p50_ms=round(statistics.median(latencies), 3) if latencies else None,
        used_weight=stats.used_weight,
        weight_limit=weight_limit,
    )
