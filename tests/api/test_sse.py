"""Each kind of stream event is serialised from its typed record through its public model."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from scalplab.api.schemas.stream import StreamEventPublic
from scalplab.api.sse import server_event
from scalplab.orders.models import Trade
from scalplab.orders.pending import Pending, PendingView
from scalplab.orders.types import Order
from scalplab.simulation.events import EventKind, StreamPayload
from scalplab.simulation.views import (
    EngineStatus,
    PairStatus,
    RiskEventView,
    SignalView,
    TradeView,
)

T0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z

ORDER = Order(
    id="ord-1",
    client_order_id="s-1",
    symbol="BTCUSDT",
    side="buy",
    type="market",
    qty=Decimal("0.002"),
    status="accepted",
    created_ms=T0,
    updated_ms=T0,
    stop_loss=Decimal("105000"),
    take_profit=Decimal("110000"),
    source="strategy",
    signal_time_ms=T0,
    strategy="sma_cross",
)

RECORDS: list[tuple[EventKind, StreamPayload]] = [
    (
        "signal",
        SignalView(
            id=7,
            symbol="BTCUSDT",
            strategy="smc",
            time_ms=T0,
            side="long",
            entry=106_000.0,
            stop_loss=105_000.0,
            take_profit=110_000.0,
            confidence=60.0,
            reasons=["bos"],
            status="blocked",
            reason="1 open positions reach the limit of 1",
            qty=0.0,
            order_id=None,
            breaker="max_open_positions",
            candle_in_ns=123,
            score=78.5,
            tier="HIGH",
            variant="A",
            breakdown={"ask_dominance": 0.64, "ask_dominance_score": 85.0},
        ),
    ),
    ("order", ORDER),
    (
        "pending",
        PendingView(Pending("p-ord-1", ORDER, 1_800_000_000.0, 1_800_000_060.0), 60.0, 1e9),
    ),
    (
        "trade",
        TradeView(
            Trade(
                symbol="BTCUSDT",
                strategy="sma_cross",
                side="long",
                entry_ms=T0,
                exit_ms=T0 + 900_000,
                entry_price=106_000.0,
                exit_price=107_000.0,
                qty=0.002,
                exit_reason="tp",
                fees=0.2,
                funding=0.0,
                slippage=0.01,
                pnl=1.8,
                bars_held=1,
            )
        ),
    ),
    (
        "status",
        EngineStatus(
            state="running",
            feed="replay",
            speed=60.0,
            started_at="2025-06-17T00:00:00Z",
            pairs=[PairStatus("BTCUSDT", "sma_cross", "15m", 3, "2025-06-17T00:30:00Z")],
            candles_processed=3,
            confirm_orders=False,
        ),
    ),
    (
        "risk",
        RiskEventView(
            id=1,
            time_ms=T0,
            symbol="BTCUSDT",
            strategy="smc",
            breaker="overtrading",
            reason="1 entries in the last hour reach the limit of 1",
            signal_id=7,
            scope="global",
            effect="block_signal",
            until_ms=T0 + 3_600_000,
        ),
    ),
]


@pytest.mark.parametrize(("kind", "record"), RECORDS, ids=[kind for kind, _ in RECORDS])
def test_an_event_is_its_kinds_public_model(kind: EventKind, record: StreamPayload) -> None:
    sent = server_event(kind, record, seq=5)
    assert (sent.event, sent.id) == (kind, "5")
    assert isinstance(sent.data, str)
    data = json.loads(sent.data)
    event = StreamEventPublic.model_validate({"kind": kind, "data": data}).root
    assert event.kind == kind
    expected = json.loads(json.dumps(record.to_dict()))
    assert data == expected  # nothing the record says is lost, changed or added
