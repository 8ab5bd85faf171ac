"""Request weight shared by every client of one Binance base URL."""

from __future__ import annotations

from scalplab.data.adapters.binance.fake_rest import ReplayServer
from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.adapters.binance.weight import (
    ENDPOINTS,
    REQUEST_WINDOWS,
    Pause,
    RequestWindow,
    WeightBudget,
    WindowCounter,
    budget_for,
    request_weight,
    window_for,
)
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


def test_one_table_of_documented_weights_and_windows() -> None:
    assert [request_weight("klines", {"limit": n}) for n in (99, 100, 499, 500, 1000, 1500)] == [
        1, 2, 2, 5, 5, 10]  # fmt: skip
    assert request_weight("klines", {}) == 5  # Binance's default page: 500
    assert [request_weight("depth", {"limit": n}) for n in (5, 50, 100, 500, 1000)] == [
        2, 2, 5, 10, 20]  # fmt: skip
    assert request_weight("premiumIndex", {"symbol": "BTCUSDT"}) == 1
    assert request_weight("premiumIndex", {}) == 10
    assert request_weight("openInterest", {"symbol": "BTCUSDT"}) == 1
    assert request_weight("aggTrades", {"symbol": "BTCUSDT"}) == 20
    assert (request_weight("fundingRate", {}), ENDPOINTS["fundingRate"].window) == (0, "funding")
    for name in ("openInterestHist", "globalLongShortAccountRatio", "topLongShortAccountRatio",
                 "topLongShortPositionRatio"):  # fmt: skip
        assert (request_weight(name, {}), ENDPOINTS[name].window) == (0, "futures-data")
        assert ENDPOINTS[name].path == f"/futures/data/{name}"
    assert REQUEST_WINDOWS["funding"] == RequestWindow(500, 300.0)
    assert REQUEST_WINDOWS["futures-data"] == RequestWindow(1000, 300.0)


def test_a_request_window_counts_requests_not_weight() -> None:
    window = WindowCounter(RequestWindow(2, 300.0))
    assert window.take(1000.0) is None and window.take(1010.0) is None
    assert window.take(1100.0) == Pause("request window", 200.0)  # the first leaves at 1300
    assert window.used(1100.0) == 2
    assert window.take(1300.0) is None and window.used(1300.0) == 2
    assert window_for("http://a", "funding") is window_for("http://a/", "funding")
    assert window_for("http://a", "funding") is not window_for("http://b", "funding")
