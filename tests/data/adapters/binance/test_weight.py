"""Request weight shared by every client of one Binance base URL."""

from __future__ import annotations

from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.adapters.binance.weight import Pause, WeightBudget, budget_for
from tests.data.binance_replay import ReplayServer
from tests.data.conftest import Sleeps
from tests.data.test_download import THROTTLED

START, END = 1_748_169_180_000, 1_748_169_240_000


def test_requests_in_flight_count_until_binance_answers() -> None:
    budget = WeightBudget(limit=100)
    now = 1_000_040.0  # 20 s into a minute
    assert [budget.take(20, now) for _ in range(5)] == [None] * 5
    assert budget.take(20, now) == Pause("weight limit", 40.5)  # 100 in flight ≥ 90 %
    budget.answered(75, now)  # Binance's count wins
    assert budget.take(1, now) == Pause("weight high", 1.0)
    assert budget.take(1, now + 60) is None  # a new minute starts from nothing


def test_clients_of_one_base_share_its_weight_and_its_bans(
    replay: ReplayServer, sleeps: Sleeps
) -> None:
    first = BinanceRestClient(replay.base_url, sleep=sleeps, clock=sleeps.clock)
    second = BinanceRestClient(replay.base_url + "/", sleep=sleeps, clock=sleeps.clock)
    assert first.budget is second.budget is budget_for(replay.base_url)
    replay.state.weight_header = 2_300
    first.klines("BTCUSDT", "1m", START, END, 2)
    replay.state.weight_header = None
    second.klines("BTCUSDT", "1m", START, END, 2)  # Binance counts the IP: the other waits
    assert second.stats.waits == [("weight limit", 20.5)] and first.stats.waits == []
    replay.state.fail_next("klines", THROTTLED)
    first.klines("BTCUSDT", "1m", START, END, 2)  # told to wait 7 s: it does
    assert first.stats.waits == [("HTTP 429 Retry-After", 7.0)]
    sleeps.now -= 3  # the other client asks 4 s into the ban: it waits the rest
    second.klines("BTCUSDT", "1m", START, END, 2)
    assert second.stats.waits[-1] == ("HTTP 429 Retry-After", 3.0)
