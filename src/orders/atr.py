"""`AtrTracker`: Wilder ATR per book, fed closed bars, plus the average of its recent values
(the extreme-volatility breaker's input)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from scalplab.data.bars import Bar
from scalplab.errors import DataError, InputError
from scalplab.strategies.indicators_incremental import WilderAtr


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(slots=True)
class _AtrState:
    atr: WilderAtr
    history: deque[float]
    last_open_ms: int | None = None


class AtrTracker:
    """Wilder ATR per book, fed closed bars, plus the average of its recent values.

    The ATR is `scalplab.strategies.indicators_incremental.WilderAtr`: the first one is
    the mean true range of the first `period` bars (the first bar's true range is its
    high − low); then `ATR = (ATR × (n − 1) + TR) / n`.
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
            state = _AtrState(WilderAtr(self.period), deque(maxlen=self.window))
            self._books[book] = state
        atr = state.atr
        if state.last_open_ms is not None and bar.open_ms <= state.last_open_ms:
            return atr.value
        if atr.value is not None:
            state.history.append(atr.value)
        state.last_open_ms = bar.open_ms
        return atr.update(bar.high, bar.low, bar.close)

    def atr(self, book: str) -> float | None:
        """The current ATR of `book` (None before `period` bars)."""
        state = self._books.get(book)
        return None if state is None else state.atr.value

    def atr_avg(self, book: str) -> float | None:
        """Mean of the `window` ATR values before the current one (None until known)."""
        state = self._books.get(book)
        if state is None or len(state.history) < self.window:
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
            if period < 1 or window < 1:
                raise ValueError(f"period {period}, window {window}")
            books = {
                str(name): _load_book(data, period, window)
                for name, data in state.get("books", state.get("symbols", {})).items()
            }
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"malformed ATR tracker state: {exc}") from None
        self.period, self.window, self._books = period, window, books

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> AtrTracker:
        """A tracker continuing from `state()` (`DataError` when it is malformed)."""
        tracker = cls()
        tracker.load_state(state)
        return tracker


def _atr_state(state: _AtrState) -> dict[str, Any]:
    atr = state.atr
    return {
        "last_open_ms": state.last_open_ms,
        "prev_close": atr.prev_close,
        "count": atr.count,
        "total": atr.total,
        "atr": atr.value,
        "history": list(state.history),
    }


def _load_book(data: dict[str, Any], period: int, window: int) -> _AtrState:
    """Inverse of `_atr_state`; also reads the state written before `count` and `total`,
    which kept the warm-up's true ranges themselves (`seed`)."""
    if "seed" in data:
        count, total = 0, 0.0
        for true_range in data["seed"]:
            count, total = count + 1, total + float(true_range)
    else:
        count, total = int(data["count"]), float(data["total"])
    atr = WilderAtr(period, count, total, _opt_float(data["atr"]), _opt_float(data["prev_close"]))
    history = deque((float(v) for v in data["history"]), maxlen=window)
    return _AtrState(atr, history, _opt_int(data["last_open_ms"]))
