"""Health and the live-trading gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from scalplab.services.context import Services
from scalplab.services.status import token_problem, trading_gate
from tests.conftest import make_settings

STRONG = "Zq3-7vKp_Lx9NwT2bYr5HsJd"
"""A token of 24 varied characters (what `secrets.token_urlsafe` gives)."""
LIVE = {
    "TRADING_MODE": "live",
    "TRADING_APPROVED": True,
    "BINANCE_API_KEY": "k" * 16,
    "BINANCE_API_SECRET": "s" * 16,
    "API_TOKEN": STRONG,
}
EVERY = ["TRADING_MODE=live", "TRADING_APPROVED=true", "BINANCE_API_KEY", "BINANCE_API_SECRET"]


@pytest.mark.parametrize(
    ("overrides", "missing", "problems"),
    [
        (
            {},
            [*EVERY, "API_TOKEN"],
            "TRADING_MODE is simulation; TRADING_APPROVED is false; BINANCE_API_KEY is not "
            "set; BINANCE_API_SECRET is not set; API_TOKEN is not set",
        ),
        (
            {**LIVE, "TRADING_APPROVED": False},
            ["TRADING_APPROVED=true"],
            "TRADING_APPROVED is false",
        ),
        (
            {**LIVE, "BINANCE_API_SECRET": None, "API_TOKEN": None},
            ["BINANCE_API_SECRET", "API_TOKEN"],
            "BINANCE_API_SECRET is not set; API_TOKEN is not set",
        ),
        (
            {**LIVE, "API_TOKEN": "t" * 16},
            ["API_TOKEN"],
            "API_TOKEN is shorter than 24 characters",
        ),
        (
            {**LIVE, "API_TOKEN": "change-me"},
            ["API_TOKEN"],
            "API_TOKEN is a placeholder value (generate a random one)",
        ),
        (
            {**LIVE, "API_TOKEN": "CHANGEME-to-a-long-random-string"},
            ["API_TOKEN"],
            "API_TOKEN is a placeholder value (generate a random one)",
        ),
        (
            {**LIVE, "API_TOKEN": "ab" * 20},
            ["API_TOKEN"],
            "API_TOKEN has fewer than 8 different characters",
        ),
    ],
)
def test_the_gate_names_every_missing_condition(
    tmp_path: Path, overrides: dict[str, object], missing: list[str], problems: str
) -> None:
    given = {key: value for key, value in overrides.items() if value is not None}
    settings = make_settings(tmp_path, **given)
    gate = trading_gate(settings)
    assert (gate.live, gate.mode, gate.missing) == (False, "simulation", missing)
    assert gate.reason == f"paper trading: {problems}"
    assert [c.name for c in gate.conditions] == [*EVERY, "API_TOKEN"]
    assert {c.name for c in gate.conditions if not c.met} == set(missing)
    token = settings.api_token.get_secret_value()
    if token:
        assert token not in gate.reason and token not in repr(gate)  # never quoted


def test_the_gate_opens_only_with_every_condition(tmp_path: Path) -> None:
    gate = trading_gate(make_settings(tmp_path, **LIVE))
    assert (gate.live, gate.mode, gate.missing) == (True, "live", [])
    assert all(condition.met and condition.problem == "" for condition in gate.conditions)
    assert gate.reason.startswith("live trading: TRADING_MODE is live")
    assert STRONG not in gate.reason


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("", "API_TOKEN is not set"),
        ("secret", "API_TOKEN is a placeholder value (generate a random one)"),
        ("Change_Me", "API_TOKEN is a placeholder value (generate a random one)"),
        ("x7", "API_TOKEN is shorter than 24 characters"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "API_TOKEN has fewer than 8 different characters"),
        (STRONG, None),
    ],
)
def test_weak_tokens_are_named(token: str, problem: str | None) -> None:
    assert token_problem(token) == problem


def test_the_example_token_cannot_open_the_gate() -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    [line] = [ln for ln in example.read_text().splitlines() if ln.startswith("API_TOKEN=")]
    assert token_problem(line.removeprefix("API_TOKEN=")) is not None


def test_health_reports_the_gate_the_kill_switch_and_auth(services: Services) -> None:
    report = services.health.check()
    assert (report.missing, report.halted, report.auth_required, report.venue) == (
        ("TRADING_MODE=live", "TRADING_APPROVED=true", "BINANCE_API_KEY", "BINANCE_API_SECRET",
         "API_TOKEN"),
        False,
        False,
        "simulated",
    )  # fmt: skip
    services.trading.halt("checking health", "test")
    services.health.ttl_seconds = 0.0
    assert services.health.check().halted is True
    assert services.health.cached() is None


def test_the_health_report_is_cached_for_its_ttl(services: Services) -> None:
    health = services.health
    assert health.cached() is None  # nothing pinged yet: a check is due
    report = health.check()
    assert (report.status, report.database, report.mode, report.healthy) == (
        "ok",
        "ok",
        "simulation",
        True,
    )
    assert health.cached() == report
    health.ttl_seconds = 0.0
    assert health.cached() is None
