"""Settings: defaults, env overrides, bounds and readable errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from scalplab.config import Settings, load_settings
from scalplab.errors import ConfigError


def test_defaults_match_env_example(monkeypatch: pytest.MonkeyPatch) -> None:
    example = Path(__file__).resolve().parents[1] / ".env.example"
    documented = {
        key: value
        for key, _, value in (
            line.partition("=")
            for line in example.read_text().splitlines()
            if line and not line.startswith("#")
        )
    }
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    fields = {f.alias: name for name, f in Settings.model_fields.items()}
    assert set(documented) == set(fields)  # every key documented, nothing extra
    for key, value in documented.items():
        current = getattr(settings, fields[key])
        if value == "":
            assert current in (None, "") or current.get_secret_value() == ""
        elif isinstance(current, bool):
            assert current is (value == "true")
        elif isinstance(current, float | int):
            assert current == float(value)
        else:
            assert str(current) in (value, str(Path(value)))


def test_database_url_and_plugin_dir(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, DATA_DIR=tmp_path)  # type: ignore[call-arg]
    assert settings.database_url == f"sqlite:///{tmp_path / 'app.db'}"
    assert settings.plugin_dir == tmp_path / "strategies"
    by_path = Settings(_env_file=None, DB_PATH="/x/y.db")  # type: ignore[call-arg]
    assert by_path.database_url == "sqlite:////x/y.db"
    explicit = Settings(_env_file=None, DB_URL="postgresql+psycopg://u@h/db")  # type: ignore[call-arg]
    assert explicit.database_url == "postgresql+psycopg://u@h/db"


def test_invalid_env_is_one_readable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_LEVERAGE", "500")
    monkeypatch.setenv("RISK_PER_TRADE_PCT", "abc")
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith("invalid settings: ")
    assert "MAX_LEVERAGE" in message and "RISK_PER_TRADE_PCT" in message
    assert "\n" not in message


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINANCE_API_SECRET", "very-secret-value")
    settings = load_settings()
    assert "very-secret-value" not in repr(settings) and "very-secret-value" not in str(
        settings.model_dump()
    )


def test_seed_004_cost_keys_become_the_percent_settings_of_every_mode() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        SIMULATION_COMMISSION=0.001,
        SIMULATION_SLIPPAGE=0.0001,
    )
    assert (settings.taker_fee_pct, settings.maker_fee_pct) == (0.1, 0.1)
    assert settings.slippage_pct == pytest.approx(0.01)


def test_a_seed_004_cost_key_contradicting_a_percent_setting_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIMULATION_COMMISSION", "0.001")
    monkeypatch.setenv("TAKER_FEE_PCT", "0.05")
    with pytest.raises(
        ConfigError, match=r"SIMULATION_COMMISSION=0.001 is 0.1 % but TAKER_FEE_PCT"
    ):
        load_settings()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("5e-324", "SIM_REPLAY_SPEED: must be a finite number from 0.1 to 1000000"),
        ("0", "SIM_REPLAY_SPEED: must be a finite number from 0.1 to 1000000"),
        ("2000000", "SIM_REPLAY_SPEED: must be a finite number from 0.1 to 1000000"),
        ("nan", "SIM_REPLAY_SPEED: must be a finite number"),
        ("inf", "SIM_REPLAY_SPEED: must be a finite number"),
    ],
)
def test_replay_speed_bounds(monkeypatch: pytest.MonkeyPatch, value: str, problem: str) -> None:
    monkeypatch.setenv("SIM_REPLAY_SPEED", value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith(f"invalid settings: {problem}")
    monkeypatch.setenv("SIM_REPLAY_SPEED", "0.1")
    assert load_settings().sim_replay_speed == 0.1


def test_non_finite_numbers_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INITIAL_CAPITAL", "inf")
    monkeypatch.setenv("MAX_SPREAD_PCT", "nan")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "INITIAL_CAPITAL: must be a finite number" in str(info.value)
    assert "MAX_SPREAD_PCT: must be a finite number" in str(info.value)
