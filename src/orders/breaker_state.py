"""The memory of a gate's strategy-declared breakers, and its persisted form.

`BreakerMemory` keeps what the breakers of `scalplab.orders.breakers` need between two
signals, all on the bar clock: the entries accepted in the last two days (time, strategy,
symbol), the trips in force (a scope blocked, or every entry paused, until a time), the
pause a breaker left until a person resumes trading, the closed positions and stop-loss
exits, and the symbols' hourly closes (`scalplab.orders.breaker_history`). `state()` is
its JSON form inside the risk gate's state (version 3; the closed positions are an
optional key, so an older state loads with none); `from_state` reads it back and raises
`ValueError`, `KeyError` or `TypeError` when it is malformed (the gate turns those into
a `DataError` and changes nothing).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from scalplab.orders.breaker_history import ClosedPositions, HourlyCloses
from scalplab.orders.risk_records import DAY_MS, GLOBAL, ReasonParams

RETAIN_MS = 2 * DAY_MS
"""How long an entry or an expired trip is remembered (the longest window or cooldown is a
day)."""
STRATEGY_PREFIX = "strategy:"
SYMBOL_PREFIX = "symbol:"


def scope_key(scope: str, symbol: str, strategy: str) -> str:
    """What a scope means for one book: `global`, `strategy:NAME` or `symbol:SYM`."""
    if scope == "strategy":
        return STRATEGY_PREFIX + strategy
    if scope == "symbol":
        return SYMBOL_PREFIX + symbol
    return GLOBAL


def scope_words(key: str) -> str:
    """`every entry`, `strategy sgnl`, `symbol BTCUSDT`."""
    if key.startswith(STRATEGY_PREFIX):
        return f"strategy {key.removeprefix(STRATEGY_PREFIX)}"
    if key.startswith(SYMBOL_PREFIX):
        return f"symbol {key.removeprefix(SYMBOL_PREFIX)}"
    return "every entry"


def covers(key: str, symbol: str, strategy: str) -> bool:
    """Whether the scope `key` holds the book of `strategy` on `symbol`."""
    if key.startswith(STRATEGY_PREFIX):
        return key.removeprefix(STRATEGY_PREFIX) == strategy
    if key.startswith(SYMBOL_PREFIX):
        return key.removeprefix(SYMBOL_PREFIX) == symbol
    return True


@dataclass(frozen=True, slots=True)
class Entry:
    """An accepted entry of the book of `strategy` on `symbol`, at bar time `time_ms`."""

    time_ms: int
    strategy: str
    symbol: str


@dataclass(frozen=True, slots=True)
class Trip:
    """A lasting effect of a breaker `strategy` declared: `effect` (`block_scope`,
    `pause_until`, `pause`) on the scope `key` from `since_ms` until `until_ms` (None:
    until a person resumes trading); `reason` is the condition that tripped it, `code` and
    `params` the same as a code and its numbers (None: a trip remembered before codes)."""

    strategy: str
    breaker: str
    scope: str
    key: str
    effect: str
    since_ms: int
    until_ms: int | None
    reason: str
    code: str | None = None
    params: ReasonParams = field(default_factory=dict)

    def holds(self, now_ms: int, symbol: str, strategy: str) -> bool:
        """Whether it blocks the book of `strategy` on `symbol` at bar time `now_ms`."""
        if self.until_ms is not None and not self.since_ms <= now_ms < self.until_ms:
            return False
        return covers(self.key, symbol, strategy)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "strategy": self.strategy,
            "breaker": self.breaker,
            "scope": self.scope,
            "key": self.key,
            "effect": self.effect,
            "since_ms": self.since_ms,
            "until_ms": self.until_ms,
            "reason": self.reason,
            "code": self.code,
            "params": dict(self.params),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trip:
        """Inverse of `to_dict` (`KeyError`, `TypeError`, `ValueError` when malformed)."""
        until = data["until_ms"]
        return cls(
            strategy=_text(data["strategy"]),
            breaker=_text(data["breaker"]),
            scope=_text(data["scope"]),
            key=_text(data["key"]),
            effect=_text(data["effect"]),
            since_ms=int(data["since_ms"]),
            until_ms=None if until is None else int(until),
            reason=_text(data["reason"]),
            code=None if data.get("code") is None else _text(data["code"]),
            params=_params(data.get("params")),
        )


class BreakerMemory:
    """Entries, trips and the pause of one gate's strategy breakers."""

    def __init__(self) -> None:
        self.entries: deque[Entry] = deque()
        self.trips: list[Trip] = []
        self.pause: Trip | None = None
        self.latest_ms: int | None = None
        self.closed = ClosedPositions()
        self.closes = HourlyCloses()  # not persisted (see `breaker_history`)

    def add_entry(self, entry: Entry) -> None:
        """Remember an accepted entry; forget what is older than `RETAIN_MS`."""
        self.entries.append(entry)
        self.seen(entry.time_ms)

    def add_trip(self, trip: Trip) -> None:
        """Remember a lasting effect (a pause until resume replaces the one held)."""
        if trip.until_ms is None:
            self.pause = trip
        else:
            self.trips.append(trip)
        self.seen(trip.since_ms)

    def seen(self, now_ms: int) -> None:
        """The bar clock reached `now_ms`: what is older than `RETAIN_MS` is dropped."""
        if self.latest_ms is not None and now_ms <= self.latest_ms:
            return
        self.latest_ms = now_ms
        horizon = now_ms - RETAIN_MS
        while self.entries and self.entries[0].time_ms < horizon:
            self.entries.popleft()
        if any(t.until_ms is not None and t.until_ms < horizon for t in self.trips):
            self.trips = [t for t in self.trips if t.until_ms is None or t.until_ms >= horizon]

    def state(self) -> dict[str, Any]:
        """JSON-able snapshot."""
        state: dict[str, Any] = {
            "entries": [[e.time_ms, e.strategy, e.symbol] for e in self.entries],
            "trips": [trip.to_dict() for trip in self.trips],
            "pause": None if self.pause is None else self.pause.to_dict(),
            "latest_ms": self.latest_ms,
        }
        if self.closed:
            state["closed"] = self.closed.state()
        return state

    @classmethod
    def from_state(cls, data: Any) -> BreakerMemory:
        """Inverse of `state()` (`KeyError`, `TypeError`, `ValueError` when malformed)."""
        if not isinstance(data, dict):
            raise TypeError(f"breaker state must be an object, not {type(data).__name__}")
        memory = cls()
        for time_ms, strategy, symbol in data["entries"]:
            memory.entries.append(Entry(int(time_ms), _text(strategy), _text(symbol)))
        memory.trips = [Trip.from_dict(dict(trip)) for trip in data["trips"]]
        pause = data["pause"]
        memory.pause = None if pause is None else Trip.from_dict(dict(pause))
        latest = data["latest_ms"]
        memory.latest_ms = None if latest is None else int(latest)
        memory.closed = ClosedPositions.from_state(data.get("closed"))
        return memory


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {value!r}")
    return value


def _params(value: Any) -> ReasonParams:
    """A trip's reason params (none: a state written before codes)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"expected params, got {value!r}")
    return {_text(k): v if isinstance(v, str) else float(v) for k, v in value.items()}


__all__ = [
    "RETAIN_MS",
    "BreakerMemory",
    "Entry",
    "Trip",
    "covers",
    "scope_key",
    "scope_words",
]
