"""`AtrTracker`: Wilder ATR per book, fed closed bars, plus the average of its recent values
(the extreme-volatility breaker's input)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from scalplab.data.bars import Bar
from scalplab.errors import DataError, InputError


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass(slots=True)
class _AtrState:
    period: int
    window: int
    last_open_ms: int | None = None
    prev_close: float | None = None
    seed: list[float] = field(default_factory=list)
    atr: float | None = None
    history: deque[float] = field(default_factory=deque)


class AtrTracker:
    """Wilder ATR per book, fed closed bars, plus the average of its recent values.

    The first ATR is the mean true range of the first `period` bars (the first
    bar's true range is its high − low); then `ATR = (ATR × (n − 1) + TR) / n`.
    `atr_avg` is the mean of the `window` ATR values BEFORE the current one, so a
    spike is compared against the calm that preceded it. A bar whose open time is
    not after the book's last one is ignored (a replay resuming after a restart).
    """

    def __init__(self, period: int = 14, window: int = 20) -> None:
        if period < 1 or window < 1:
            raise InputError(f"ATR period and window must be >= 1, not {period} and {window}")
        self.period = period
        self.window = window
        self._books: dict[str, _AtrState] = {}

    def update(self, book: str, bar: Bar) -> float | None:
        """Feed one closed bar; returns the book's ATR after it (None while warming up)."""
        state = self._books.get(book)
        if state is None:
            state = _AtrState(self.period, self.window, history=deque(maxlen=self.window))
            self._books[book] = state
        if state.last_open_ms is not None and bar.open_ms <= state.last_open_ms:
            return state.atr
        true_range = bar.high - bar.low
        if state.prev_close is not None:
            true_range = max(
                true_range, abs(bar.high - state.prev_close), abs(bar.low - state.prev_close)
            )
        if state.atr is None:
            state.seed.append(true_range)
            if len(state.seed) == state.period:
                state.atr = sum(state.seed) / state.period
                state.seed = []
        else:
            state.history.append(state.atr)
            state.atr = (state.atr * (state.period - 1) + true_range) / state.period
        state.prev_close = bar.close
        state.last_open_ms = bar.open_ms
        return state.atr

    def atr(self, book: str) -> float | None:
        """The current ATR of `book` (None before `period` bars)."""
        state = self._books.get(book)
        return None if state is None else state.atr

    def atr_avg(self, book: str) -> float | None:
        """Mean of the `window` ATR values before the current one (None until known)."""
        state = self._books.get(book)
        if state is None or len(state.history) < state.window:
            return None
        return sum(state.history) / len(state.history)

    def state(self, books: bool = True) -> dict[str, Any]:
        """JSON-able snapshot of every book's ATR state (`books=False`: the settings
        only, for a caller that stores each book with `book_state`)."""
        return {
            "period": self.period,
            "window": self.window,
            "books": ({name: _atr_state(s) for name, s in self._books.items()} if books else {}),
        }

    def book_state(self, book: str) -> dict[str, Any] | None:
        """One book's part of `state()`; None before its first bar."""
        state = self._books.get(book)
        return None if state is None else _atr_state(state)

    def load_state(self, state: dict[str, Any]) -> None:
        """Continue from `state()` (`DataError` when it is malformed; nothing changes then)."""
        try:
            period, window = int(state["period"]), int(state["window"])
            books = {
                str(name): _AtrState(
                    period=period,
                    window=window,
                    last_open_ms=_opt_int(data["last_open_ms"]),
                    prev_close=None if data["prev_close"] is None else float(data["prev_close"]),
                    seed=[float(v) for v in data["seed"]],
                    atr=None if data["atr"] is None else float(data["atr"]),
                    history=deque((float(v) for v in data["history"]), maxlen=window),
                )
                for name, data in state.get("books", state.get("symbols", {})).items()
            }
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"malformed ATR tracker state: {exc}") from None
        if period < 1 or window < 1:
            raise DataError(f"malformed ATR tracker state: period {period}, window {window}")
        self.period, self.window, self._books = period, window, books

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> AtrTracker:
        """A tracker continuing from `state()` (`DataError` when it is malformed)."""
        tracker = cls()
        tracker.load_state(state)
        return tracker


def _atr_state(state: _AtrState) -> dict[str, Any]:
    return {
        "last_open_ms": state.last_open_ms,
        "prev_close": state.prev_close,
        "seed": list(state.seed),
        "atr": state.atr,
        "history": list(state.history),
    }
