"""Fixtures for the provider tests: the fake provider server over real HTTP, and clocks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from scalplab.data.providers.fakes import FakeProviderServer, documented_state
from scalplab.data.providers.http import ProviderHttp
from scalplab.data.providers.limits import TokenBucket

NOW_S = 1_750_460_400  # 2025-06-20T23:00:00Z, an hour after the documented quotes
NOW_MS = NOW_S * 1000


class Clock:
    """Wall clock (epoch ms) and monotonic clock (s) a test moves by hand."""

    def __init__(self, now_ms: int = NOW_MS) -> None:
        self.now_ms = now_ms
        self.mono = 1000.0

    def ms(self) -> int:
        return self.now_ms

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.now_ms += int(seconds * 1000)
        self.mono += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake() -> Iterator[FakeProviderServer]:
    """The documented answers, served over HTTP on a free local port."""
    with FakeProviderServer(documented_state(NOW_S)) as server:
        yield server


def http_for(
    server: FakeProviderServer,
    clock: Clock,
    *,
    key: str | None = None,
    per_minute: float = 60.0,
    timeout_s: float = 2.0,
) -> ProviderHttp:
    """A provider client of the fake, rate-limited on the test's monotonic clock."""
    return ProviderHttp(
        server.base_url,
        TokenBucket(per_minute, clock=clock.monotonic),
        api_key=None if key is None else SecretStr(key),
        timeout_s=timeout_s,
    )
