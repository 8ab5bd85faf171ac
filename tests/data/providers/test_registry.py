"""Which providers run: PROVIDERS, keys and the free-source gap, as `Unconfigured` reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from scalplab.data.providers.base import BaseProvider, Provider
from scalplab.data.providers.fakes import FakeProviderServer
from scalplab.data.providers.registry import (
    PROVIDER_NAMES,
    build_providers,
    close_all,
    enabled_names,
)
from scalplab.errors import ConfigError
from tests.conftest import make_settings


def test_by_default_every_layer_is_left_out_with_its_reason(tmp_path: Path) -> None:
    providers = build_providers(make_settings(tmp_path))
    assert list(providers) == list(PROVIDER_NAMES)
    assert all(isinstance(p, Provider) and not p.configured for p in providers.values())
    reasons = {name: p.health().reason for name, p in providers.items()}
    assert reasons == {
        "fear_greed": "fear_greed is not in PROVIDERS",
        "whale_alert": "whale_alert is not in PROVIDERS",
        "exchange_flows": "no free exchange net-flow source (CryptoQuant and Glassnode are "
        "paid); whale_alert's exchange inflows and outflows stand in",
        "binance_derivatives": "binance_derivatives is not in PROVIDERS",
        "macro": "macro is not in PROVIDERS",
    }
    health = providers["macro"].health()
    assert (health.state, health.layer) == ("not configured", "macro")
    out = providers["fear_greed"].fetch()
    assert out.left_out == "layer left out: fear_greed is not in PROVIDERS"


def test_a_missing_key_leaves_whale_alert_out(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, PROVIDERS="fear_greed, whale_alert,macro,binance_derivatives"
    )
    providers = build_providers(settings)
    try:
        assert [n for n, p in providers.items() if p.configured] == [
            "fear_greed", "binance_derivatives", "macro"
        ]  # fmt: skip
        whale = providers["whale_alert"]
        assert whale.health().reason == "WHALE_ALERT_API_KEY is not set"
        assert whale.health().source == "https://api.whale-alert.io"
        assert whale.fetch().reason == "WHALE_ALERT_API_KEY is not set"
    finally:
        close_all(providers)


def test_settings_reach_the_providers(tmp_path: Path) -> None:
    with FakeProviderServer() as fake:
        settings = make_settings(
            tmp_path, PROVIDERS="whale_alert,macro,fear_greed", WHALE_ALERT_URL=fake.base_url,
            WHALE_ALERT_API_KEY=fake.state.whale_key, WHALE_ALERT_MIN_USD=1_000_000,
            WHALE_ALERT_WINDOW_S=600, MACRO_URL=fake.base_url, MACRO_SYMBOLS="es:^spx",
            FEAR_GREED_URL=fake.base_url, PROVIDER_TIMEOUT_S=3,
        )  # fmt: skip
        providers = build_providers(settings)
        try:
            whale = providers["whale_alert"]
            assert isinstance(whale, BaseProvider)
            assert whale.fetch().metrics["window_s"] == 600.0
            [asked] = fake.state.requests_to("transactions")
            assert asked["min_value"] == "1000000"
            assert providers["macro"].fetch().reason == "Stooq has no quote for ^spx (N/D)"
            assert providers["fear_greed"].fetch().metrics == {"value": 40.0}
        finally:
            close_all(providers)


def test_explicit_names_enable_a_provider(tmp_path: Path) -> None:
    providers = build_providers(make_settings(tmp_path), ["fear_greed"])
    assert [n for n, p in providers.items() if p.configured] == ["fear_greed"]
    close_all(providers)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"PROVIDERS": "fear_greed,telepathy"}, "PROVIDERS: unknown provider telepathy"),
        ({"PROVIDERS": "macro", "MACRO_SYMBOLS": "spx"}, "MACRO_SYMBOLS: 'spx' is not alias"),
    ],
)
def test_bad_provider_settings_are_one_config_error(
    tmp_path: Path, changes: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        build_providers(make_settings(tmp_path, **changes))


def test_enabled_names_keep_the_registry_order(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, PROVIDERS="macro,fear_greed,,")
    assert enabled_names(settings) == ["fear_greed", "macro"]
    empty = make_settings(tmp_path, DERIVATIVES_SYMBOLS=" , ")
    out = build_providers(empty, ["binance_derivatives"])["binance_derivatives"]
    assert out.health().reason == "DERIVATIVES_SYMBOLS names no symbol"
