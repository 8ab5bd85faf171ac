"""The kill switch: halt new entries at once (optionally closing every position), resume.

`TradingControl` is what the REST API (`/trading`) and the Telegram bot (`/pause`,
`/resume`, `/close_all`) call. A halt takes effect inside the order pipeline
(`scalplab.orders.halt`): the switch is flipped before anything is written, so the
very next signal or order obeys it, whichever thread it comes from. Then:

- the state is stored in `app_settings` (key `trading_halt`, not a `_sim` table: a
  simulation reset keeps it), so a restart comes back halted;
- entries already at the venue that have not filled are withdrawn;
- with `close_positions`, every open position is closed at market through the
  engine's close-position path (the same one as `POST /simulation/positions/.../close`).

A stored state that cannot be read starts the process halted (a kill switch fails
closed) and says so in its reason. Halting a halted system keeps its first time,
reason and source (and still closes positions when asked); resuming an active one
changes nothing. A resume also releases the pause a circuit breaker left (its effect
"pause until resume" turned this same switch on: `scalplab.orders.gating`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scalplab.errors import ConflictError, NotFoundError, ScalpLabError, TemporaryError
from scalplab.orders.gating import sync_pause
from scalplab.orders.halt import ACTIVE, HaltState, HaltSwitch, cancel_waiting_entries
from scalplab.orders.models import book_id
from scalplab.simulation.engine import SimulationEngine
from scalplab.storage.db import Database
from scalplab.storage.models import utc_now
from scalplab.storage.models_sim import AppSetting

__all__ = ["HaltResult", "HaltState", "HaltStore", "TradingControl"]

log = logging.getLogger(__name__)

HALT_KEY = "trading_halt"
"""The `app_settings` row holding the kill switch."""
MAX_REASON_CHARS = 200
"""A reason longer than this is cut (it is shown in the Dashboard, Telegram and logs)."""
UNREADABLE = "the stored kill-switch state could not be read: resume to trade again"


@dataclass(frozen=True, slots=True)
class HaltResult:
    """What a halt did: the state now, and the books (`SYMBOL/strategy`) whose positions
    are being closed."""

    state: HaltState
    closed: list[str]


class HaltStore:
    """The kill switch's row in `app_settings`."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def load(self) -> HaltState:
        """The stored state; `ACTIVE` when none was ever stored, halted when unreadable."""
        with self.database.session() as session:
            row = session.get(AppSetting, HALT_KEY)
            value = None if row is None else row.value
        if value is None:
            return ACTIVE
        try:
            return _state_from(value)
        except (KeyError, TypeError, ValueError) as exc:
            log.error("kill switch: %s (%s); trading starts halted", UNREADABLE, exc)
            return HaltState(True, None, UNREADABLE, "startup")

    def switch(self) -> HaltSwitch:
        """A switch holding the stored state (for the engine's pipeline)."""
        state = self.load()
        if state.halted:
            log.warning("trading starts halted: %s", state.describe())
        return HaltSwitch(state)

    def save(self, state: HaltState) -> None:
        """Store `state` (one row, replaced)."""
        value = {
            "halted": state.halted,
            "since_ms": state.since_ms,
            "reason": state.reason,
            "source": state.source,
        }
        with self.database.session() as session:
            row = session.get(AppSetting, HALT_KEY)
            if row is None:
                session.add(AppSetting(key=HALT_KEY, value=value, updated_at=utc_now()))
            else:
                row.value = value
                row.updated_at = utc_now()


def _state_from(value: Any) -> HaltState:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    halted, since = value["halted"], value["since_ms"]
    if not isinstance(halted, bool) or not (since is None or isinstance(since, int)):
        raise ValueError("halted must be true/false and since_ms an integer or null")
    return HaltState(halted, since, str(value.get("reason", "")), str(value.get("source", "")))


class TradingControl:
    """Halt and resume trading (thread-safe; see the module docstring).

    `switch` is the one the engine's pipeline was built with (`HaltStore.switch()`:
    loaded before the engine exists, so a stored halt holds from its first candle).
    """

    def __init__(
        self,
        engine: SimulationEngine,
        switch: HaltSwitch,
        store: HaltStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.switch = switch
        self.store = store
        self.clock = clock
        self._lock = threading.Lock()

    def state(self) -> HaltState:
        """Halted or not, since when, why and by whom."""
        return self.switch.state()

    def halt(self, reason: str, source: str, close_positions: bool = False) -> HaltResult:
        """Stop every new entry now; with `close_positions`, also close every open position.

        The switch is on before anything else happens. If storing it fails, the waiting
        entries are still withdrawn and the positions closed, then a `TemporaryError`
        says the halt holds only until this process ends.
        """
        with self._lock:
            current = self.switch.state()
            state = current
            unsaved: TemporaryError | None = None
            if not current.halted:
                state = HaltState(
                    halted=True,
                    since_ms=int(self.clock() * 1000),
                    reason=_one_line(reason) or "halted",
                    source=_one_line(source) or "unknown",
                )
                self.switch.set(state)
                log.warning("TRADING HALTED: %s", state.describe(), extra={"source": state.source})
                unsaved = self._save(state, "halted")
            withdrawn = self._withdraw_entries()
            closed = self._close_all() if close_positions else []
        if withdrawn:
            log.warning("kill switch: %d waiting entries withdrawn", len(withdrawn))
        if unsaved is not None:
            raise unsaved
        return HaltResult(state, closed)

    def resume(self, source: str) -> HaltState:
        """Allow new entries again (an active state is returned unchanged)."""
        with self._lock:
            current = self.switch.state()
            if not current.halted:
                return current
            state = HaltState(
                halted=False,
                since_ms=int(self.clock() * 1000),
                reason="resumed",
                source=_one_line(source) or "unknown",
            )
            self.switch.set(state)
            log.warning("trading resumed by %s", state.source, extra={"source": state.source})
            unsaved = self._save(state, "resumed")
            self._release_breaker_pause()
        if unsaved is not None:
            raise unsaved
        return state

    def _save(self, state: HaltState, what: str) -> TemporaryError | None:
        """Store `state`; the error to raise once the rest is done when that fails."""
        try:
            self.store.save(state)
        except ScalpLabError as exc:
            log.error("the kill switch could not be stored: %s", exc.message)
            return TemporaryError(
                f"trading is {what} now, but the state could not be stored ({exc.message}): "
                "it holds until this process ends; try again to make it survive a restart"
            )
        return None

    def _release_breaker_pause(self) -> None:
        """A pause a circuit breaker left ends with the switch (stored with the engine's
        state, so a restart does not bring it back)."""
        engine = self.engine
        with engine.lock:
            if engine.account.sandbox.gate.paused is None:
                return
            with engine.journal.change():
                sync_pause(self.switch, engine.account.sandbox.gate)

    def _withdraw_entries(self) -> list[str]:
        """Cancel the entries at the venue that have not filled (under the engine's lock)."""
        engine = self.engine
        with engine.lock, engine.journal.change():
            account = engine.account
            return cancel_waiting_entries(account.pipeline.venue, account.queue, "trading halted")

    def _close_all(self) -> list[str]:
        """Close every open position at market; the books whose close was requested."""
        closed = []
        for position in self.engine.read.positions():
            try:
                answer = self.engine.close_position(position.symbol, position.strategy)
            except (ConflictError, NotFoundError) as exc:  # closed meanwhile, or no book
                log.info(
                    "kill switch: %s/%s not closed: %s",
                    position.symbol,
                    position.strategy,
                    exc.message,
                )
                continue
            if answer.requested:
                closed.append(book_id(answer.symbol, answer.strategy))
        if closed:
            log.warning("kill switch: closing %d positions: %s", len(closed), ", ".join(closed))
        return closed


def _one_line(text: str) -> str:
    """One trimmed line of at most `MAX_REASON_CHARS` characters."""
    line = " ".join(str(text).split())
    return line[:MAX_REASON_CHARS]
