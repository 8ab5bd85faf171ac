"""Replays longer than their capture: each repeat continues the recorded timeline.

A fake Binance that plays a capture again sends the same ids and times again, which a
recorder rightly drops as duplicates, so a load test would stop writing after the first
pass. With `Timeline`, repeat r of a message is the recorded payload with its numbers
moved on as if the capture had gone on: times (`E`, `T`; a kline's `t` and `T`) by r
times the capture's span of event times rounded up to whole minutes (a kline keeps its
minute), and per symbol the aggregate-trade ids (`a`), trade ids (`f`, `l`; a kline's
`f` and `L`) and book update ids (`U`, `u`, `pu`) by r times the range they cover in
the capture, so every id stays unique and increasing and consecutive aggregate trades
stay consecutive across repeats. Nothing else in a payload changes.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MINUTE_MS = 60_000
FIELDS = {"E": "time", "T": "time", "a": "agg", "f": "trade", "l": "trade",
          "U": "book", "u": "book", "pu": "book"}  # fmt: skip
"""A message's shifted fields and the family each belongs to."""
KLINE_FIELDS = {"t": "time", "T": "time", "f": "trade", "L": "trade"}
"""The same for the fields of a kline's `k` object."""
_MARK = "@@shift@@"


@dataclass(frozen=True, slots=True)
class _Field:
    family: str
    symbol: str
    in_kline: bool
    key: str
    value: int


@dataclass(frozen=True, slots=True)
class _Shifted:
    template: str
    values: tuple[int, ...]
    steps: tuple[int, ...]


class Timeline:
    """The messages of a capture, each one's repeat r continuing the timeline (see the
    module docstring)."""

    def __init__(self, messages: Sequence[str]) -> None:
        found = [_fields(message) for message in messages]
        times = [field.value for fields in found for field in fields if field.key == "E"]
        span = (max(times) - min(times) + 1) if times else 1
        time_step = math.ceil(span / MINUTE_MS) * MINUTE_MS
        ranges: dict[tuple[str, str], list[int]] = defaultdict(list)
        for fields in found:
            for field in fields:
                if field.family != "time" and field.value >= 0:
                    ranges[(field.family, field.symbol)].append(field.value)
        steps = {key: max(values) - min(values) + 1 for key, values in ranges.items()}
        self._messages = [
            _template(message, fields, time_step, steps)
            for message, fields in zip(messages, found, strict=True)
        ]

    def __len__(self) -> int:
        return len(self._messages)

    def message(self, index: int, repeat: int) -> str:
        """Message `index` of repeat `repeat` (0: as recorded)."""
        shifted = self._messages[index]
        return shifted.template.format(
            *(
                value + repeat * step
                for value, step in zip(shifted.values, shifted.steps, strict=True)
            )
        )


def _fields(message: str) -> list[_Field]:
    """The fields a repeat shifts."""
    data = json.loads(message).get("data")
    if not isinstance(data, dict):
        return []
    symbol = str(data.get("s", ""))
    found = [_Field(FIELDS[key], symbol, False, key, value) for key, value in data.items()
             if key in FIELDS and _is_int(value)]  # fmt: skip
    kline = data.get("k")
    if isinstance(kline, dict):
        found += [
            _Field(KLINE_FIELDS[key], symbol, True, key, value)
            for key, value in kline.items()
            if key in KLINE_FIELDS and _is_int(value)
        ]
    return found


def _template(
    message: str, fields: list[_Field], time_step: int, steps: dict[tuple[str, str], int]
) -> _Shifted:
    if not fields:
        return _Shifted(message.replace("{", "{{").replace("}", "}}"), (), ())
    envelope = json.loads(message)
    data: dict[str, Any] = envelope["data"]
    step_of = []
    for number, field in enumerate(fields):
        holder = data["k"] if field.in_kline else data
        holder[field.key] = f"{_MARK}{number}{_MARK}"
        if field.family == "time":
            step_of.append(time_step)
        else:
            step_of.append(steps.get((field.family, field.symbol), 0) if field.value >= 0 else 0)
    text = json.dumps(envelope, separators=(",", ":"))
    text = text.replace("{", "{{").replace("}", "}}")
    for number in range(len(fields)):
        text = text.replace(f'"{_MARK}{number}{_MARK}"', f"{{{number}}}")
    return _Shifted(text, tuple(field.value for field in fields), tuple(step_of))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
