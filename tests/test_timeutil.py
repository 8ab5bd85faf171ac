"""`iso_ms_many` formats exactly as `iso_ms`, one instant at a time, would."""

from __future__ import annotations

from scalplab.timeutil import iso_ms, iso_ms_many
from tests.conftest import real_klines


def test_many_instants_format_as_iso_ms_formats_each() -> None:
    opens = [int(ms) for ms in real_klines("BTCUSDT")["open_time"]]
    odd = [0, 1, 999, 1_000, 1_750_118_400_123, 1_750_118_459_999, 951_782_400_000]
    instants = opens + odd
    assert iso_ms_many(instants) == [iso_ms(ms) for ms in instants]
    assert iso_ms_many(odd)[4] == "2025-06-17T00:00:00.123Z"
    assert iso_ms_many([]) == []
