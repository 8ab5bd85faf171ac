"""The scanner in the server: refresh, health, the auto universe (adds and removals logged
and sent to Telegram, captured by the fake Bot API), and the refresh thread — against the
fake Binance serving the real market (2021 exchangeInfo, tickers built from real candles)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scalplab.data.adapters.binance.fake_rest import Fault, ReplayServer
from scalplab.data.symbols import RulesStore
from scalplab.errors import TemporaryError
from scalplab.notify.fake_bot_api import FakeBotApi
from scalplab.services.context import Services
from scalplab.services.scanner import ScannerService
from scalplab.services.universe import AutoUniverse
from tests.conftest import make_settings
from tests.data.scanner.market import market_server
from tests.notify.conftest import OWNER, TOKEN, telegram_settings, wait_until

QUALIFIED = ["ADAUSDT", "DOGEUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"]


@pytest.fixture
def market() -> Iterator[ReplayServer]:
    with market_server() as server:
        yield server


@pytest.fixture
def bot() -> Iterator[FakeBotApi]:
    with FakeBotApi(TOKEN) as api:
        yield api


@pytest.fixture
def served(data_dir: Path, market: ReplayServer, bot: FakeBotApi) -> Iterator[Services]:
    """The services with Telegram on the fake Bot API and REST_URL on the fake market."""
    started = Services.start(
        telegram_settings(data_dir, bot, REST_URL=market.base_url, TELEGRAM_ENABLED=True)
    )
    try:
        yield started
    finally:
        started.close()


def scanner_of(services: Services) -> ScannerService:
    assert services.scanner is not None
    return services.scanner


def universe_messages(bot: FakeBotApi) -> list[str]:
    return [m.text for m in bot.sent(OWNER) if m.text.startswith("🔭")]


def test_a_refresh_is_kept_shown_in_health_and_caches_the_symbol_rules(
    served: Services, data_dir: Path
) -> None:
    scanner = scanner_of(served)
    before = scanner.state()
    assert (before.result, before.active, before.enabled, before.auto_universe) == (
        None, False, True, False)  # fmt: skip
    state = scanner.refresh()
    assert state.result is not None and len(state.result.qualified) == 5
    health = served.health.check().scanner
    assert health is not None
    assert (health.qualified, health.left_out, health.weight_used) == (5, 110, 58)
    assert health.last_scan_at == state.result.to_dict()["taken_at"] and health.last_error is None
    assert "SOLUSDT" in RulesStore(data_dir).symbols()  # every scanned symbol can be followed
    assert served.pairs.create("SOLUSDT", "sma_cross", "15m", {}).symbol == "SOLUSDT"


def test_a_failed_refresh_keeps_the_last_scan_and_says_why(
    served: Services, market: ReplayServer
) -> None:
    scanner = scanner_of(served)
    good = scanner.refresh().result
    market.state.fail_next("bookTicker", Fault(503, '{"code": -1000, "msg": "busy"}'), times=3)
    with pytest.raises(TemporaryError):
        scanner.refresh()
    state = scanner.state()
    assert state.result is good
    assert state.last_error is not None and "on book tickers" in state.last_error
    health = served.health.check().scanner
    assert health is not None and health.last_error == state.last_error


def test_the_auto_universe_follows_and_drops_pairs_logs_and_tells_telegram(
    served: Services,
    market: ReplayServer,
    bot: FakeBotApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    scanner = scanner_of(served)
    mine = served.pairs.create("DOGEUSDT", "sma_cross", "15m", {"fast": 5})  # a person's pair
    scanner.refresh()
    caplog.set_level(logging.INFO, logger="scalplab.services.universe")
    state = scanner.set_auto_universe(True)  # on: the latest scan is applied at once
    assert state.auto_universe and list(state.auto_pairs) == [
        s for s in QUALIFIED if s != "DOGEUSDT"]  # fmt: skip
    followed = {(p.symbol, p.strategy, p.timeframe) for p in served.pairs.list()}
    assert {(s, "sma_cross", "15m") for s in QUALIFIED} == followed
    assert "auto universe: following SOLUSDT with sma_cross 15m (score 85.9)" in caplog.messages
    wait_until(lambda: len(universe_messages(bot)) == 1, timeout=10, what="the add message")
    added = universe_messages(bot)[0].splitlines()
    assert added[:2] == ["🔭 Scanner universe changed", "4 added, 0 removed (sma_cross 15m)"]
    assert added[-1].startswith("⏰ ") and added[-1].endswith(" UTC")
    assert added[2:-1] == ["➕ SOLUSDT (score 85.9)", "➕ ETHUSDT (score 85.4)",
                         "➕ XRPUSDT (score 84.5)", "➕ ADAUSDT (score 82.1)"]  # fmt: skip

    tickers = market.state.tickers["24hr"]
    tickers["SOLUSDT"]["priceChangePercent"] = "0.100"  # dead now: dropped
    tickers["DOGEUSDT"]["priceChangePercent"] = "0.100"  # a person's pair: never touched
    del tickers["XRPUSDT"]  # no data this time: kept, no data is not a verdict
    scanner.refresh()
    assert list(scanner.state().auto_pairs) == ["ADAUSDT", "ETHUSDT", "XRPUSDT"]
    symbols = {p.symbol for p in served.pairs.list()}
    assert symbols == {"ADAUSDT", "DOGEUSDT", "ETHUSDT", "XRPUSDT"}
    assert served.pairs.get(mine.id).params == {"fast": 5}
    why = "24h change +0.10 % not beyond ±0.5 % (dead)"
    assert f"auto universe: dropped SOLUSDT ({why})" in caplog.messages
    wait_until(lambda: len(universe_messages(bot)) == 2, timeout=10, what="the removal message")
    assert universe_messages(bot)[1].splitlines()[1:-1] == [
        "0 added, 1 removed (sma_cross 15m)", f"➖ SOLUSDT: {why}"]  # fmt: skip

    scanner.set_auto_universe(False)  # off: what it added stays
    scanner.refresh()
    assert {p.symbol for p in served.pairs.list()} == symbols


def test_a_pair_holding_a_position_is_kept_and_a_live_engine_restarts(
    data_dir: Path, market: ReplayServer
) -> None:
    started = Services.start(make_settings(data_dir, REST_URL=market.base_url))
    try:
        restarts: list[str] = []
        universe = AutoUniverse(
            started.settings, started.database, started.pairs, lambda: {("SOLUSDT", "sma_cross")}
        )
        scanner = ScannerService(
            started.settings, universe, feed_kind=lambda: "live",
            restart=lambda: restarts.append("restart"),
        )  # fmt: skip
        try:
            universe.set_enabled(True)
            scanner.refresh()
            assert restarts == ["restart"] and len(universe.state.added) == 5
            market.state.tickers["24hr"]["SOLUSDT"]["priceChangePercent"] = "0.100"
            scanner.refresh()  # SOL fell out, but its book holds a position
            assert "SOLUSDT" in universe.state.added and restarts == ["restart"]
        finally:
            scanner.close()
    finally:
        started.close()


def test_the_thread_refreshes_while_the_engine_runs_live(
    data_dir: Path, market: ReplayServer
) -> None:
    settings = make_settings(data_dir, REST_URL=market.base_url)
    started = Services.start(settings)
    feed: list[str | None] = [None]
    scanner = ScannerService(
        settings, AutoUniverse(settings, started.database, started.pairs, set),
        feed_kind=lambda: feed[0],
    )  # fmt: skip
    try:
        scanner.start()
        time.sleep(1.5)
        assert scanner.state().result is None and not scanner.state().active  # not live
        feed[0] = "live"
        wait_until(lambda: scanner.state().result is not None, timeout=10, what="a scan")
        assert scanner.state().active
    finally:
        scanner.close()
        started.close()


def test_the_auto_universe_follows_at_most_its_cap_best_first(
    data_dir: Path, market: ReplayServer
) -> None:
    settings = make_settings(
        data_dir, REST_URL=market.base_url, SCANNER_AUTO_UNIVERSE=True, SCANNER_AUTO_MAX_PAIRS=2,
        SCANNER_AUTO_STRATEGY="smc", SCANNER_AUTO_TIMEFRAME="5m",
    )  # fmt: skip
    started = Services.start(settings)
    try:
        state = scanner_of(started).refresh()
        assert state.auto_universe and list(state.auto_pairs) == ["ETHUSDT", "SOLUSDT"]
        assert {(p.symbol, p.strategy, p.timeframe) for p in started.pairs.list()} == {
            ("SOLUSDT", "smc", "5m"), ("ETHUSDT", "smc", "5m")}  # fmt: skip
    finally:
        started.close()
