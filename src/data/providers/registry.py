"""Which providers run, built from the settings; a missing key or provider is left out.

`PROVIDERS` names the providers the server polls (comma-separated; empty: none). Every
known provider is built, in `PROVIDER_NAMES` order, either runnable or `Unconfigured`
with the reason — not in `PROVIDERS`, its key missing, or (for `exchange_flows`) no free
source — so health always lists all of them and a layer without a provider is visibly
left out (DECISIONS.md §4), never scored in silence.

| provider | layer | source (base URL setting) | key |
| --- | --- | --- | --- |
| `fear_greed` | sentiment | alternative.me `/fng/` (`FEAR_GREED_URL`) | none |
| `whale_alert` | on-chain | Whale Alert `/v1/transactions` (`WHALE_ALERT_URL`) | required |
| `exchange_flows` | on-chain | none free: CryptoQuant and Glassnode are paid | — |
| `binance_derivatives` | order flow | Binance REST (`REST_URL`) | none |
| `macro` | macro | Stooq `/q/l/` (`MACRO_URL`) | sent when set |

(keys: `WHALE_ALERT_API_KEY`, `MACRO_API_KEY`)

Exchange net flows: no free, keyless source exists (CryptoQuant and Glassnode sell them;
an Etherscan-based tracker would need wallet labels we do not have), so the layer is left
out with that reason; `whale_alert`'s exchange inflows and outflows of large transfers are
the free stand-in.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from scalplab.config import Settings
from scalplab.data.providers.base import BaseProvider, Provider, Unconfigured
from scalplab.data.providers.derivatives import BinanceDerivativesProvider
from scalplab.data.providers.fear_greed import FearGreedProvider
from scalplab.data.providers.http import ProviderHttp
from scalplab.data.providers.limits import TokenBucket
from scalplab.data.providers.macro import MacroProvider, parse_symbols
from scalplab.data.providers.reading import PROVIDER_LAYERS
from scalplab.data.providers.whale_alert import WhaleAlertProvider
from scalplab.errors import ConfigError, snippet

PROVIDER_NAMES = tuple(PROVIDER_LAYERS)
LAYERS = PROVIDER_LAYERS
NO_FREE_FLOWS = (
    "no free exchange net-flow source (CryptoQuant and Glassnode are paid); "
    "whale_alert's exchange inflows and outflows stand in"
)


def enabled_names(settings: Settings) -> list[str]:
    """The providers `PROVIDERS` names, checked; `ConfigError` for an unknown one."""
    names = [name.strip() for name in settings.providers.split(",") if name.strip()]
    return check_names(names, "PROVIDERS")


def check_names(names: Collection[str], what: str) -> list[str]:
    """`names` in `PROVIDER_NAMES` order, each known; `ConfigError` otherwise."""
    unknown = [name for name in names if name not in PROVIDER_NAMES]
    if unknown:
        raise ConfigError(
            f"{what}: unknown provider {snippet(unknown[0], bare=True)} "
            f"(providers: {', '.join(PROVIDER_NAMES)})"
        )
    return [name for name in PROVIDER_NAMES if name in names]


def build_providers(
    settings: Settings, enabled: Collection[str] | None = None, **options: Any
) -> dict[str, Provider]:
    """Every provider by name: runnable when `enabled` (default: `PROVIDERS`) names it and
    its key is set, else `Unconfigured` with the reason. `options` go to each runnable
    provider (`clock_ms`, `monotonic`, `ttl_s`)."""
    wanted = enabled_names(settings) if enabled is None else check_names(enabled, "providers")
    built: dict[str, Provider] = {}
    for name in PROVIDER_NAMES:
        if name == "exchange_flows":
            built[name] = Unconfigured(name, LAYERS[name], NO_FREE_FLOWS)
        elif name not in wanted:
            built[name] = Unconfigured(name, LAYERS[name], f"{name} is not in PROVIDERS")
        else:
            built[name] = _build(name, settings, options)
    return built


def _http(settings: Settings, base_url: str, per_minute: float, key: Any = None) -> ProviderHttp:
    return ProviderHttp(
        base_url,
        TokenBucket(per_minute),
        api_key=key,
        timeout_s=settings.provider_timeout_s,
    )


def _build(name: str, settings: Settings, options: dict[str, Any]) -> Provider:
    timeout = settings.provider_timeout_s
    provider: BaseProvider
    if name == "fear_greed":
        http = _http(settings, settings.fear_greed_url, FearGreedProvider.per_minute)
        provider = FearGreedProvider(http, **options)
    elif name == "whale_alert":
        key = settings.whale_alert_api_key
        if not key.get_secret_value():
            return Unconfigured(
                name, LAYERS[name], "WHALE_ALERT_API_KEY is not set", settings.whale_alert_url
            )
        http = _http(settings, settings.whale_alert_url, WhaleAlertProvider.per_minute, key)
        provider = WhaleAlertProvider(
            http,
            min_usd=settings.whale_alert_min_usd,
            window_s=settings.whale_alert_window_s,
            **options,
        )
    elif name == "binance_derivatives":
        symbols = [s.strip().upper() for s in settings.derivatives_symbols.split(",") if s.strip()]
        if not symbols:
            return Unconfigured(name, LAYERS[name], "DERIVATIVES_SYMBOLS names no symbol")
        provider = BinanceDerivativesProvider(
            settings.rest_url, symbols, timeout_s=timeout, **options
        )
    else:
        symbols_of = parse_symbols(settings.macro_symbols)
        http = _http(settings, settings.macro_url, MacroProvider.per_minute, settings.macro_api_key)
        provider = MacroProvider(http, symbols_of, **options)
    return provider


def close_all(providers: dict[str, Provider]) -> None:
    """Release every provider's connections."""
    for provider in providers.values():
        close = getattr(provider, "close", None)
        if callable(close):
            close()
