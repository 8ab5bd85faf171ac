"""A message as the notifier sends it: plain text and rows of inline buttons, and the
priority a record carries in the outbox (`scalplab.notify.messages` re-exports them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Priority = Literal["high", "low"]
"""A full outbox drops low-priority records first."""


@dataclass(frozen=True, slots=True)
class Button:
    """One inline button: its label and the callback data it sends back (≤ 64 bytes)."""

    text: str
    data: str


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message as sent: plain text and rows of inline buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


__all__ = ["Button", "Priority", "Rendered"]
