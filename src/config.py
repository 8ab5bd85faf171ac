"""Settings from the environment and `.env` (pydantic-settings).

Every key is listed with its default in `.env.example`. Secrets (API keys, the
Telegram token, the API token) are `SecretStr`: they never print.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scalplab.errors import ConfigError
from scalplab.limits import MAX_PENDING_TTL_SECONDS, MIN_PENDING_TTL_SECONDS, ReplaySpeed
from scalplab.validation import describe

FundingModel = Literal["recorded", "fixed", "none"]
"""How a run pays funding: the recorded rates (`DEFAULT_FUNDING_RATE` where none was
recorded), `DEFAULT_FUNDING_RATE` at every settlement instant, or none at all."""
FUNDING_MODELS: tuple[FundingModel, ...] = ("recorded", "fixed", "none")


class Settings(BaseSettings):
    """Typed, bounded settings; unknown keys in `.env` are ignored."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
        allow_inf_nan=False,
    )

    # --- backtest / simulation economics ---
    initial_capital: float = Field(10000.0, gt=0, alias="INITIAL_CAPITAL")
    risk_per_trade_pct: float = Field(1.0, gt=0, le=100, alias="RISK_PER_TRADE_PCT")
    max_leverage: float = Field(5.0, ge=1, le=125, alias="MAX_LEVERAGE")
    slippage_pct: float = Field(0.01, ge=0, lt=10, alias="SLIPPAGE_PCT")
    taker_fee_pct: float = Field(0.05, ge=0, lt=10, alias="TAKER_FEE_PCT")
    maker_fee_pct: float = Field(0.02, ge=-1, lt=10, alias="MAKER_FEE_PCT")
    min_rr: float = Field(3.0, ge=0, alias="MIN_RR")
    default_funding_rate: float = Field(0.0001, gt=-1, lt=1, alias="DEFAULT_FUNDING_RATE")
    funding_model: FundingModel = Field("recorded", alias="FUNDING_MODEL")
    maint_margin_pct: float = Field(0.4, ge=0, lt=100, alias="MAINT_MARGIN_PCT")
    random_seed: int = Field(42, alias="RANDOM_SEED")

    # --- storage ---
    data_dir: Path = Field(Path("./data"), alias="DATA_DIR")
    db_url: str = Field("", alias="DB_URL")
    db_path: str = Field("", alias="DB_PATH")
    live_db_url: str = Field("", alias="LIVE_DB_URL")
    """The live ledger's database (default: a SQLite file `DATA_DIR/live.db`): live trading
    never shares a row with paper trading."""
    strategies_dir: Path | None = Field(None, alias="STRATEGIES_DIR")
    ray_address: str | None = Field(None, alias="RAY_ADDRESS")
    """Ray cluster for `sweep --engine ray` (`host:port` of its GCS, or `auto`); unset:
    a Ray instance local to the sweep."""

    # --- exchange ---
    exchange: Literal["binance_futures"] = Field("binance_futures", alias="EXCHANGE")
    rest_url: str = Field("https://fapi.binance.com", alias="REST_URL")
    ws_url: str = Field("wss://fstream.binance.com", alias="WS_URL")
    binance_api_key: SecretStr = Field(SecretStr(""), alias="BINANCE_API_KEY")
    binance_api_secret: SecretStr = Field(SecretStr(""), alias="BINANCE_API_SECRET")

    # --- external data providers (confluence layers 3-4; `scalplab.data.providers`) ---
    providers: str = Field("", alias="PROVIDERS")
    """Comma-separated providers the server polls (fear_greed, whale_alert,
    binance_derivatives, macro); empty: none, every external layer is left out."""
    provider_poll_seconds: float = Field(60.0, ge=5, le=86_400, alias="PROVIDER_POLL_SECONDS")
    """Seconds between two polls of the providers while the paper engine runs."""
    provider_timeout_s: float = Field(10.0, gt=0, le=120, alias="PROVIDER_TIMEOUT_S")
    fear_greed_url: str = Field(
        "https://api.alternative.me", pattern=r"^https?://\S+$", alias="FEAR_GREED_URL"
    )
    whale_alert_url: str = Field(
        "https://api.whale-alert.io", pattern=r"^https?://\S+$", alias="WHALE_ALERT_URL"
    )
    whale_alert_api_key: SecretStr = Field(SecretStr(""), alias="WHALE_ALERT_API_KEY")
    whale_alert_min_usd: float = Field(500_000.0, ge=0, alias="WHALE_ALERT_MIN_USD")
    whale_alert_window_s: int = Field(1800, ge=60, le=3600, alias="WHALE_ALERT_WINDOW_S")
    """Each whale_alert reading covers this many seconds back (the free plan: at most 3600)."""
    macro_url: str = Field("https://stooq.com", pattern=r"^https?://\S+$", alias="MACRO_URL")
    macro_api_key: SecretStr = Field(SecretStr(""), alias="MACRO_API_KEY")
    macro_symbols: str = Field("spx:^spx,dxy:dx.f", alias="MACRO_SYMBOLS")
    """`alias:ticker` pairs of Stooq quotes (S&P 500 index, ICE dollar-index future)."""
    derivatives_symbols: str = Field("BTCUSDT", alias="DERIVATIVES_SYMBOLS")
    """Symbols whose funding, open interest and long/short ratio binance_derivatives reads."""

    # --- modes and safety ---
    trading_mode: Literal["simulation", "live"] = Field("simulation", alias="TRADING_MODE")
    trading_approved: bool = Field(False, alias="TRADING_APPROVED")
    api_token: SecretStr = Field(SecretStr(""), alias="API_TOKEN")
    simulation_initial_capital: float = Field(10000.0, gt=0, alias="SIMULATION_INITIAL_CAPITAL")
    simulation_commission: float | None = Field(None, ge=0, lt=0.1, alias="SIMULATION_COMMISSION")
    """Seed 004's fee as a fraction (0.001 = 0.1 %): converted to TAKER_FEE_PCT and
    MAKER_FEE_PCT for every mode."""
    simulation_slippage: float | None = Field(None, ge=0, lt=0.1, alias="SIMULATION_SLIPPAGE")
    """Seed 004's slippage as a fraction: converted to SLIPPAGE_PCT for every mode."""

    # --- paper trading: order confirmation and the simulation engine ---
    confirm_orders: bool = Field(False, alias="CONFIRM_ORDERS")
    pending_ttl_seconds: int = Field(
        60, ge=MIN_PENDING_TTL_SECONDS, le=MAX_PENDING_TTL_SECONDS, alias="PENDING_TTL_SECONDS"
    )
    sim_replay_speed: ReplaySpeed = Field(60.0, alias="SIM_REPLAY_SPEED")
    price_move_warn_pct: float = Field(0.5, gt=0, le=100, alias="PRICE_MOVE_WARN_PCT")
    """The confirmation dialog warns when the price moved at least this far (in %) from
    the signal's price since the signal."""
    sim_snapshot_seconds: int = Field(3600, ge=60, le=604_800, alias="SIM_SNAPSHOT_SECONDS")
    simulation_feed: Literal["live", "replay"] = Field("live", alias="SIMULATION_FEED")
    """The paper engine's feed when a start names none: Binance's live stream (default)
    or a replay of stored candles."""
    live_warmup_bars: int = Field(300, ge=0, le=5000, alias="LIVE_WARMUP_BARS")
    """Bars of each timeframe fetched over REST before a live feed's first candle."""
    live_connect_timeout_s: float = Field(30.0, gt=0, le=600, alias="LIVE_CONNECT_TIMEOUT_S")
    """How long a live feed waits for Binance's first kline before it gives up."""
    live_order_books: bool = Field(False, alias="LIVE_ORDER_BOOKS")
    """A live feed also keeps local order books of its symbols from diff depth."""
    live_stale_after_s: float = Field(60.0, ge=1, le=3600, alias="LIVE_STALE_AFTER_S")
    """A kline stream silent this long counts as stale: alarm and reconnect."""
    record_market_data: bool = Field(False, alias="RECORD_MARKET_DATA")
    """`serve` records the market data of the enabled pairs' symbols."""
    record_streams: str = Field(
        "aggTrade,bookTicker,depth20,markPrice,forceOrder,openInterest,kline_1m",
        alias="RECORD_STREAMS",
    )

    # --- risk gate / circuit breakers (0 disables a limit) ---
    max_open_positions: int = Field(5, ge=0, le=1000, alias="MAX_OPEN_POSITIONS")
    daily_loss_limit_pct: float = Field(2.5, ge=0, le=100, alias="DAILY_LOSS_LIMIT_PCT")
    loss_streak_limit: int = Field(3, ge=0, le=1000, alias="LOSS_STREAK_LIMIT")
    loss_streak_cooldown_minutes: int = Field(
        10, ge=0, le=10_080, alias="LOSS_STREAK_COOLDOWN_MINUTES"
    )
    max_trades_per_hour: int = Field(25, ge=0, le=10_000, alias="MAX_TRADES_PER_HOUR")
    max_spread_pct: float = Field(0.1, ge=0, le=100, alias="MAX_SPREAD_PCT")
    extreme_volatility_atr_mult: float = Field(
        3.0, ge=0, le=100, alias="EXTREME_VOLATILITY_ATR_MULT"
    )

    # --- notifications ---
    telegram_enabled: bool = Field(False, alias="TELEGRAM_ENABLED")
    telegram_bot_token: SecretStr = Field(SecretStr(""), alias="TELEGRAM_BOT_TOKEN")
    telegram_chat_id: str = Field("", alias="TELEGRAM_CHAT_ID")
    telegram_api_url: str = Field(
        "https://api.telegram.org", pattern=r"^https?://\S+$", alias="TELEGRAM_API_URL"
    )
    """The Bot API base (a local fake in tests and demos)."""
    telegram_allowed_users: str = Field("", alias="TELEGRAM_ALLOWED_USERS")
    """Comma-separated Telegram user ids that may command the bot; empty: nobody."""
    telegram_signal_cooldown_s: float = Field(
        60.0, ge=0, le=86_400, alias="TELEGRAM_SIGNAL_COOLDOWN_S"
    )
    """Seconds between two signal messages of one symbol (0: no cooldown)."""
    telegram_daily_report: bool = Field(True, alias="TELEGRAM_DAILY_REPORT")
    """Send the daily report at 00:00 UTC."""

    # --- market scanner (seed 002 §2; `scalplab.data.scanner`) ---
    scanner_enabled: bool = Field(True, alias="SCANNER_ENABLED")
    """`serve` refreshes the market scan while the paper engine runs on the live feed."""
    scanner_refresh_seconds: int = Field(60, ge=10, le=3600, alias="SCANNER_REFRESH_SECONDS")
    scanner_auto_universe: bool = Field(False, alias="SCANNER_AUTO_UNIVERSE")
    """Each refresh follows the qualified pairs and drops the ones it added that fell out
    (the Dashboard's switch changes it at run time)."""
    scanner_auto_strategy: str = Field("sma_cross", alias="SCANNER_AUTO_STRATEGY")
    """The strategy the auto universe follows its pairs with."""
    scanner_auto_timeframe: str = Field("15m", alias="SCANNER_AUTO_TIMEFRAME")
    scanner_auto_max_pairs: int = Field(20, ge=1, le=200, alias="SCANNER_AUTO_MAX_PAIRS")
    """The auto universe follows at most this many qualified pairs, best score first."""
    scanner_min_volume_usdt: float = Field(500_000.0, ge=0, alias="SCANNER_MIN_VOLUME_USDT")
    scanner_max_spread_pct: float = Field(0.1, gt=0, le=100, alias="SCANNER_MAX_SPREAD_PCT")
    scanner_min_change_pct: float = Field(0.5, ge=0, le=100, alias="SCANNER_MIN_CHANGE_PCT")
    """|24 h change| a pair needs to count as alive (%)."""
    scanner_min_candles: int = Field(200, ge=15, le=1499, alias="SCANNER_MIN_CANDLES")
    scanner_min_atr_pct: float = Field(0.3, ge=0, le=100, alias="SCANNER_MIN_ATR_PCT")
    """ATR(14, 15m) as % of price a pair needs (seed: SCALP_MIN_VOLATILITY_ATR)."""
    scanner_min_score: float = Field(50.0, ge=0, le=100, alias="SCANNER_MIN_SCORE")

    # --- server and logs ---
    host: str = Field("127.0.0.1", alias="HOST")
    port: int = Field(8000, ge=1, le=65535, alias="PORT")
    allowed_hosts: str = Field("", alias="ALLOWED_HOSTS")
    """Comma-separated `Host` names the server answers (port ignored; `*`: any). Empty:
    localhost, 127.0.0.1, [::1], testserver and HOST when it is a concrete address."""
    cors_origins: str = Field("", alias="CORS_ORIGINS")
    """Comma-separated origins allowed cross-origin access (empty: none at all)."""
    debug: bool = Field(False, alias="DEBUG")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", alias="LOG_LEVEL")

    @model_validator(mode="after")
    def _seed_004_costs(self) -> Settings:
        """Seed 004's `SIMULATION_COMMISSION` / `SIMULATION_SLIPPAGE` (fractions) become the
        percent settings both modes use; one that contradicts a percent setting given
        alongside it is refused (there is one fee model and one slippage model)."""
        given = self.model_fields_set
        conversions = (
            ("simulation_commission", ("taker_fee_pct", "maker_fee_pct")),
            ("simulation_slippage", ("slippage_pct",)),
        )
        for source, targets in conversions:
            fraction = getattr(self, source)
            if fraction is None:
                continue
            pct = fraction * 100.0
            for target in targets:
                value = getattr(self, target)
                if target in given and abs(value - pct) > 1e-12:
                    raise ValueError(
                        f"{source.upper()}={fraction:g} is {pct:g} % but {target.upper()} is "
                        f"{value:g} %: set only one of them"
                    )
                setattr(self, target, pct)
        return self

    @model_validator(mode="after")
    def _telegram(self) -> Settings:
        """Allowed user ids must be integers; TELEGRAM_ENABLED needs a token and a chat."""
        for part in self.telegram_allowed_users.split(","):
            if part.strip() and not part.strip().lstrip("-").isdigit():
                raise ValueError(
                    f"TELEGRAM_ALLOWED_USERS holds {part.strip()!r}: give numeric Telegram user "
                    "ids separated by commas"
                )
        if self.telegram_enabled:
            missing = [
                name
                for name, value in (
                    ("TELEGRAM_BOT_TOKEN", self.telegram_bot_token.get_secret_value()),
                    ("TELEGRAM_CHAT_ID", self.telegram_chat_id),
                )
                if not value.strip()
            ]
            if missing:
                raise ValueError(f"TELEGRAM_ENABLED=true needs {' and '.join(missing)}")
        return self

    @property
    def telegram_allowed_user_ids(self) -> frozenset[int]:
        """`TELEGRAM_ALLOWED_USERS` as ids (deny by default: empty)."""
        return frozenset(
            int(part) for part in self.telegram_allowed_users.split(",") if part.strip()
        )

    @property
    def database_url(self) -> str:
        """`DB_URL`, else a SQLite file at `DB_PATH`, else `DATA_DIR/app.db`."""
        if self.db_url:
            return self.db_url
        path = Path(self.db_path) if self.db_path else self.data_dir / "app.db"
        return f"sqlite:///{path}"

    @property
    def live_database_url(self) -> str:
        """`LIVE_DB_URL`, else a SQLite file at `DATA_DIR/live.db`."""
        return self.live_db_url or f"sqlite:///{self.data_dir / 'live.db'}"

    @property
    def plugin_dir(self) -> Path:
        """Where user strategy plugins are discovered (`STRATEGIES_DIR`)."""
        return self.strategies_dir if self.strategies_dir else self.data_dir / "strategies"


def load_settings() -> Settings:
    """Read settings now; an invalid value becomes one readable `ConfigError`."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(f"invalid settings: {describe(exc.errors())}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, read once. Tests build `Settings(...)` directly."""
    return load_settings()
