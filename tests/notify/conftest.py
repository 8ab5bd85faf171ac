"""Telegram fixtures: a real local fake Bot API, the real services over the bundled REAL
sample (SQLite in a tmp dir), and Telegram runtimes with short timings.

Signals come from the real engine: a pair is driven by hand through
`SimulationEngine.attach` over the sample's real BTCUSDT 15m bars, exactly as a strategy
drives it, so every message a test sees was produced by real engine events.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scalplab.config import Settings
from scalplab.data.candles import CandleStore
from scalplab.data.samples import import_samples
from scalplab.data.stream import bars_from_frame
from scalplab.notify.commands import BotServices
from scalplab.notify.fake_bot_api import FakeBotApi
from scalplab.notify.notifier import RetryPolicy
from scalplab.notify.runtime import RuntimeOptions, TelegramRuntime
from scalplab.orders.models import Bar
from scalplab.services.context import Services
from scalplab.simulation.runner import StepExecutor
from scalplab.simulation.views import PairSpec
from scalplab.strategies.signal import Signal
from tests.conftest import make_settings

TOKEN = "7000000001:AAHfakeTokenForScalpLabTests_9xYz"
OWNER = 111_111
"""A Telegram user id on the allow-list."""
STRANGER = 999_999
"""A Telegram user id nobody allowed."""
GROUP = -100_555
"""A group chat id."""
NO_BREAKERS: dict[str, Any] = {
    "MAX_OPEN_POSITIONS": 0,
    "DAILY_LOSS_LIMIT_PCT": 0,
    "LOSS_STREAK_LIMIT": 0,
    "MAX_TRADES_PER_HOUR": 0,
    "EXTREME_VOLATILITY_ATR_MULT": 0,
}
FAST = RuntimeOptions(
    poll_timeout_s=1.0,
    request_timeout_s=3.0,
    connect_backoff_s=0.05,
    max_connect_backoff_s=0.2,
    health_interval_s=0.1,
    report_tick_s=0.05,
    ready_wait_s=0.2,
    retry=RetryPolicy(attempts=4, backoff_s=0.05, max_backoff_s=0.2),
)
"""Short timings: tests never wait for long."""


@pytest.fixture(scope="session")
def notify_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real sample imported once per session (copied, never written to)."""
    template = tmp_path_factory.mktemp("notify_sample") / "data"
    import_samples(template)
    return template


@pytest.fixture
def data_dir(notify_sample: Path, tmp_path: Path) -> Path:
    """A fresh data dir holding a copy of the imported real sample."""
    target = tmp_path / "data"
    shutil.copytree(notify_sample, target)
    return target


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    """A fake Bot API on an ephemeral 127.0.0.1 port, accepting `TOKEN`."""
    with FakeBotApi(TOKEN) as api:
        yield api


def telegram_settings(data_dir: Path, fake: FakeBotApi, **overrides: Any) -> Settings:
    """Settings with Telegram pointed at `fake`, `OWNER` allowed, every breaker off."""
    values: dict[str, Any] = {
        **NO_BREAKERS,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_CHAT_ID": str(OWNER),
        "TELEGRAM_API_URL": fake.url,
        "TELEGRAM_ALLOWED_USERS": str(OWNER),
        "TELEGRAM_SIGNAL_COOLDOWN_S": 60,
        **overrides,
    }
    return make_settings(data_dir, **values)


@pytest.fixture
def services(data_dir: Path, fake: FakeBotApi) -> Iterator[Services]:
    """The real services (Telegram itself is started by each test's runtime)."""
    started = Services.start(telegram_settings(data_dir, fake))
    try:
        yield started
    finally:
        started.close()


MakeRuntime = Callable[..., TelegramRuntime]


@pytest.fixture
def make_runtime(services: Services, data_dir: Path, fake: FakeBotApi) -> Iterator[MakeRuntime]:
    """Telegram runtimes over `services` and `fake` (settings overrides by env name;
    `options` replaces `FAST`), each closed at the end."""
    runtimes: list[TelegramRuntime] = []

    def make(
        options: RuntimeOptions = FAST, ready: bool = True, **overrides: Any
    ) -> TelegramRuntime:
        settings = telegram_settings(data_dir, fake, **overrides)
        runtime = TelegramRuntime(
            settings,
            BotServices(
                services.simulation,
                services.orders,
                services.trading,
                services.health,
                services.portfolio,
            ),
            events=services.signals.subscribe,
            summaries=services.backtests.store.summary,
            options=options,
        )
        runtimes.append(runtime.start())
        if ready:
            wait_until(lambda: runtime.health().state == "ready", what="the bot to connect")
        return runtime

    yield make
    for runtime in runtimes:
        runtime.close()


def wait_until(check: Callable[[], bool], timeout: float = 5.0, what: str = "it") -> None:
    """Poll `check` every 10 ms (AssertionError naming `what` after `timeout` s)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.01)


@pytest.fixture
def bars(data_dir: Path) -> list[Bar]:
    """The sample's real BTCUSDT 15m bars."""
    return bars_from_frame(CandleStore(data_dir).read("BTCUSDT", "15m", None, None))


def step(executor: StepExecutor, bar: Bar, signal: Signal | None = None) -> None:
    """One closed bar as a strategy drives it."""
    executor.on_bar(bar)
    if signal is not None:
        executor.on_signal(bar, signal)
    executor.checkpoint()


def long_signal(bar: Bar) -> Signal:
    """A long at the close with a 1 % stop and a 4 % target (reward/risk 4)."""
    return Signal(
        "long",
        bar.close,
        bar.close * 0.99,
        bar.close * 1.04,
        72.5,
        ["Strong OI divergence detected", "Large sweep order detected"],
    )


def trade_pair(services: Services, symbol: str = "BTCUSDT") -> StepExecutor:
    """The (symbol, sma_cross, 15m) book, driven by hand."""
    return services.engine.attach(PairSpec(symbol, "sma_cross", "15m"))
