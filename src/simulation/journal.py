"""The paper engine's journal: units of work over the `_sim` tables, and their outbox.

Everything that changes the paper portfolio happens inside a unit: a bar of one pair,
a burst of bars the driver had ready at once, a confirmation, a manual order. A unit is
one database transaction (`SimStore.unit`): the order queue's and the pending list's
rows join it as they are written, and when the unit ends the journal writes what the
pipeline reported (`OutcomeRecorder`), the snapshot rows, and the engine state — the
global row and the rows of the books the unit touched — then commits. Only after the
commit are the unit's stream events published, so a subscriber never sees a change
that a crash could take back. A unit in which nothing but the bar cursors moved saves
the state at most every `STATE_WRITE_INTERVAL` seconds (a crash then replays those
bars). The engine's lock is held by whoever runs a unit; the journal keeps no locks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from scalplab.orders.outcomes import ConfirmationResolved, Outcome
from scalplab.simulation.account import PaperAccount
from scalplab.simulation.events import EventHub, EventKind, StreamPayload
from scalplab.simulation.recent_signals import SignalChange
from scalplab.simulation.recorder import OutcomeRecorder, StreamEvent
from scalplab.simulation.store import SimStore
from scalplab.simulation.views import SignalView

STATE_WRITE_INTERVAL = 1.0
"""Longest wall time (s) bars may go unpersisted when nothing but the cursors changed."""
VIEW_REFRESH_INTERVAL = 0.1
"""Longest wall time (s) the read model's portfolio view may lag bars that changed only
prices (a unit that wrote anything refreshes it at once)."""


class Journal:
    """Units of work, the outcomes and rows they collect, and their outbox."""

    def __init__(
        self,
        store: SimStore,
        hub: EventHub,
        recorder: OutcomeRecorder,
        account: PaperAccount,
        on_commit: Callable[[bool, list[SignalChange]], None],
    ) -> None:
        self.store = store
        self.hub = hub
        self.recorder = recorder
        self.account = account
        self._on_commit = on_commit
        self._depth = 0
        self._unit: ExitStack | None = None
        self._outcomes: list[tuple[Outcome, int | None]] = []
        self._rows: list[Any] = []
        self._outbox: list[StreamEvent] = []
        self._signal_changes: list[SignalChange] = []
        self._changed = False
        self.unsaved = False
        self.last_write = 0.0
        self._refreshed = 0.0
        self.candle_in_ns: int | None = None
        """When the candle being applied reached the platform (set by the stepper)."""

    # ----- what happens inside a unit ------------------------------------------------------

    def record(self, outcome: Outcome) -> None:
        """A pipeline outcome (the pipeline's listener)."""
        self._outcomes.append((outcome, self.candle_in_ns))
        self._changed = True

    def add_row(self, row: Any) -> None:
        """A row to insert with the unit (a portfolio snapshot)."""
        self._rows.append(row)
        self._changed = True

    def changed(self) -> None:
        """Something the state rows hold changed (a requested exit, a new pair)."""
        self._changed = True

    def publish(self, kind: EventKind, data: StreamPayload) -> None:
        """An event to publish after the unit commits."""
        self._outbox.append(StreamEvent(kind, data))

    # ----- units ---------------------------------------------------------------------------

    @property
    def open(self) -> bool:
        """Whether a unit is open."""
        return self._depth > 0

    def begin(self) -> None:
        """Open a unit, or join the open one."""
        if self._depth == 0:
            unit = ExitStack()
            unit.enter_context(self.store.unit())
            self._unit = unit
        self._depth += 1

    def end(self, save: bool = False) -> None:
        """Leave a unit; the outermost commits. `save` forces the state to be written
        even when nothing changed (else it is written when something did, or when it
        went unwritten for `STATE_WRITE_INTERVAL`)."""
        self._depth -= 1
        if self._depth:
            return
        unit, self._unit = self._unit, None
        assert unit is not None
        write = save or self._changed or time.monotonic() - self.last_write >= STATE_WRITE_INTERVAL
        try:
            if write:
                self._write()
        except BaseException as exc:
            self._discard()
            unit.__exit__(type(exc), exc, exc.__traceback__)
            raise
        try:
            unit.close()  # commits
        except BaseException:
            self._discard()
            raise
        self._committed(write)

    def abort(self, exc: BaseException) -> None:
        """The unit failed: roll it back; its outcomes and events are dropped."""
        self._depth = 0
        unit, self._unit = self._unit, None
        self._discard()
        if unit is not None:
            unit.__exit__(type(exc), exc, exc.__traceback__)

    @contextmanager
    def change(self) -> Iterator[None]:
        """One state change: a unit that always writes the state."""
        self.begin()
        try:
            yield
        except BaseException as exc:
            if self._depth == 1:
                self.abort(exc)
            else:
                self._depth -= 1
            raise
        self.end(save=True)

    def flush(self) -> None:
        """Write the state now if bars went unsaved (the sweeper, a clean shutdown)."""
        if self.unsaved and not self.open:
            with self.change():
                pass

    # ----- internals -----------------------------------------------------------------------

    def _write(self) -> None:
        account = self.account
        with self.store.transaction() as session:
            outcomes, self._outcomes = self._outcomes, []
            for outcome, candle_in_ns in outcomes:
                events = self.recorder.write(session, outcome, candle_in_ns)
                if isinstance(outcome, ConfirmationResolved):
                    self._signal_changes.append(outcome)
                self._signal_changes.extend(
                    event.data for event in events if isinstance(event.data, SignalView)
                )
                self._outbox.extend(events)
            rows, self._rows = self._rows, []
            session.add_all(rows)
            account.version += 1
            touched = set(account.model.touched)
            self.store.save_state(session, account.state())
            self.store.save_books(session, account.book_states(touched))
            account.model.touched.difference_update(touched)

    def _committed(self, written: bool) -> None:
        self._changed = False
        now = time.monotonic()
        if written:
            self.unsaved = False
            self.last_write = now
        else:
            self.unsaved = True
        refresh = written or now - self._refreshed >= VIEW_REFRESH_INTERVAL
        if refresh:
            self._refreshed = now
        changes, self._signal_changes = self._signal_changes, []
        self._on_commit(refresh, changes)
        outbox, self._outbox = self._outbox, []
        for event in outbox:
            self.hub.publish(event.kind, event.data)

    def _discard(self) -> None:
        self._outcomes.clear()
        self._rows.clear()
        self._outbox.clear()
        self._signal_changes.clear()
        self._changed = False
