"""`/simulation/risk-events` and the `risk` stream event: a breaker's scope, effect and end.

Two books of BTCUSDT (sma_cross, smc) are driven by hand on the REAL sample's 15m bars
(see `tests.api.test_signals`); both signal on the 05:00 bar, the strategy's breakers come
with each signal: sma_cross's entry is accepted, smc's meets the breaker. An event stored
before the three fields were recorded (NULL columns) reads as a plain blocked signal.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scalplab.api.schemas.stream import RiskStreamEvent, StreamEventPublic
from scalplab.api.sse import server_event
from scalplab.config import Settings
from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.events import EngineEvent
from scalplab.storage.models_sim import RiskEventSim
from scalplab.strategies.breakers import (
    BlockScope,
    Breaker,
    BreakerInputs,
    Cooldown,
    MaxSignals,
    PauseUntil,
)
from tests.api.test_signals import hand_driven, long_signal, sample_bars

HOLDS = [
    pytest.param(
        Cooldown("btc_cooldown", 3600, effect=BlockScope(1800)),
        ("symbol", "block_scope", "2025-06-17T05:30:00Z"),
        "symbol BTCUSDT is blocked for 30 min until 2025-06-17T05:30:00Z",
        id="cooldown-blocks-the-symbol-for-30-minutes",
    ),
    pytest.param(
        MaxSignals("daily", 1, "utc_day", scope="global", effect=PauseUntil()),
        ("global", "pause_until", "2025-06-18T00:00:00Z"),
        "every new entry is paused until 2025-06-18T00:00:00Z",
        id="one-entry-a-day-pauses-until-the-next-utc-day",
    ),
]


def engine_of(client: TestClient) -> SimulationEngine:
    engine: SimulationEngine = client.app.state.services.engine  # type: ignore[attr-defined]
    return engine


@pytest.mark.parametrize(("breaker", "hold", "words"), HOLDS)
def test_a_block_carries_its_breakers_scope_effect_and_end(
    client: TestClient,
    settings: Settings,
    breaker: Breaker,
    hold: tuple[str, str, str],
    words: str,
) -> None:
    sma, smc = hand_driven(client, settings, "sma_cross", "smc")
    bar = sample_bars(settings)[20]  # 2025-06-17 05:00 UTC
    declared = BreakerInputs((breaker,), ())

    async def blocked_streamed() -> list[EngineEvent]:
        subscription = engine_of(client).subscribe()
        for book in (sma, smc):
            book.on_bar(bar)
            book.on_signal(bar, long_signal(bar, 0.04), declared)
            book.checkpoint()
        await asyncio.sleep(0)  # the hub hands events over on this loop
        events = []
        while (event := subscription.get_nowait()) is not None:
            events.append(event)
        subscription.close()
        return events

    streamed = asyncio.run(blocked_streamed())
    blocked, accepted = client.get("/signals", params={"symbol": "BTCUSDT"}).json()
    assert (accepted["strategy"], accepted["status"]) == ("sma_cross", "accepted")
    assert (blocked["strategy"], blocked["status"], blocked["breaker"]) == (
        "smc",
        "blocked",
        breaker.name,
    )
    [event] = client.get("/simulation/risk-events").json()
    assert (event["breaker"], event["signal_id"], event["time"]) == (
        breaker.name,
        blocked["id"],
        "2025-06-17T05:00:00Z",
    )
    assert (event["scope"], event["effect"], event["until"]) == hold
    assert words in event["reason"]  # the words say what the fields say

    [risk] = [item for item in streamed if item.kind == "risk"]
    sent = json.loads(server_event("risk", risk.data, risk.seq).data)
    public = StreamEventPublic.model_validate({"kind": "risk", "data": sent}).root
    assert isinstance(public, RiskStreamEvent)
    assert (public.data.scope, public.data.effect, public.data.until) == hold
    assert sent == event


def test_an_event_stored_before_the_fields_reads_as_a_plain_blocked_signal(
    client: TestClient,
) -> None:
    store = engine_of(client).store
    with store.transaction() as session:  # scope, effect, until_ms left NULL
        session.add(
            RiskEventSim(
                time_ms=1_750_136_400_000,  # 2025-06-17T05:00:00Z
                symbol="ETHUSDT",
                strategy="sma_cross",
                breaker="overtrading",
                reason="3 entries in the last hour reach the limit of 3 per hour",
                signal_id=None,
            )
        )
    [row] = store.risk_events(None)
    assert (row.scope, row.effect, row.until_ms) == (None, None, None)
    [event] = client.get("/simulation/risk-events").json()
    expected: dict[str, Any] = {
        "id": row.id,
        "time": "2025-06-17T05:00:00Z",
        "symbol": "ETHUSDT",
        "strategy": "sma_cross",
        "breaker": "overtrading",
        "reason": "3 entries in the last hour reach the limit of 3 per hour",
        "signal_id": None,
        "scope": "global",
        "effect": "block_signal",
        "until": None,
        "code": None,  # stored before reasons had codes: the text is shown
        "params": {},
    }
    assert event == expected
