"""Number, time and text helpers for Telegram messages (plain text, no markup to escape).

Prices keep the precision a trader reads on the exchange (2 decimals from 1,000 up,
4 from 1, 8 below), money is signed dollars with thousands separators, percentages
are signed, durations are `2m 15s`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime

MAX_TEXT = 4096
"""Telegram's longest message text (characters)."""
BREAKDOWN_LINES = 5
"""Features a signal card lists from its breakdown (the rest are counted)."""
MAX_FEATURE_NAME = 32
"""Longest feature name a card shows (longer ones are cut)."""
SUB_SCORE = "_score"
"""A breakdown feature `x_score` beside a feature `x` is `x`'s sub-score."""


def price(value: float | None) -> str:
    """`$43,250.1` / `$1.2345` / `$0.12345678`; `—` when unknown."""
    if value is None or not math.isfinite(value):
        return "—"
    size = abs(value)
    decimals = 2 if size >= 1000 else 4 if size >= 1 else 8
    text = f"{value:,.{decimals}f}"
    if "." in text:
        whole, fraction = text.split(".")
        fraction = fraction.rstrip("0").ljust(2, "0") if size >= 1 else fraction.rstrip("0")
        text = f"{whole}.{fraction}" if fraction else whole
    return f"${text}"


def money(value: float, signed: bool = True) -> str:
    """`+$10.70` / `-$9.30` (`signed=False`: `$10,133.00`)."""
    if not math.isfinite(value):
        return "—"
    text = f"${abs(value):,.2f}"
    if not signed:
        return f"-{text}" if value < 0 else text
    return f"-{text}" if value < 0 else f"+{text}"


def pct(value: float, decimals: int = 2) -> str:
    """`+1.70%` / `-0.30%`."""
    if not math.isfinite(value):
        return "—"
    return f"{value:+.{decimals}f}%"


def quantity(value: float | None) -> str:
    """A quantity without trailing zeros (`0.012`)."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:,.8f}".rstrip("0").rstrip(".")


def duration(seconds: float) -> str:
    """`45s`, `2m 15s`, `3h 05m`, `2d 04h`."""
    total = max(0, round(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def utc_time(epoch_ms: int) -> str:
    """`2024-01-15 14:30:25 UTC`."""
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def utc_day(epoch_seconds: float) -> str:
    """The UTC date of an instant: `2024-01-15`."""
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).strftime("%Y-%m-%d")


def side_word(side: str) -> str:
    """`LONG` / `SHORT` for a signal's or an order's side."""
    return "LONG" if side in ("long", "buy") else "SHORT"


def side_emoji(side: str) -> str:
    """🟢 for a long, 🔴 for a short (seed 002 §10.3, seed 003 §16)."""
    return "🟢" if side in ("long", "buy") else "🔴"


def move_pct(entry: float, level: float, side: str) -> float:
    """The move from `entry` to `level` as the trader feels it (a long's target is +)."""
    if entry == 0:
        return math.nan
    direction = 1.0 if side in ("long", "buy") else -1.0
    return (level - entry) / entry * 100.0 * direction


def clip(text: str) -> str:
    """`text` cut to Telegram's limit (an ellipsis marks the cut)."""
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def number(value: float) -> str:
    """A feature value, short: `0.6421` → `0.6421`, `85` → `85`, `123456.7` → `123,457`."""
    if not math.isfinite(value):
        return "—"
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def breakdown_lines(breakdown: Mapping[str, float], limit: int = BREAKDOWN_LINES) -> list[str]:
    """The top `limit` features of a signal's breakdown as bullets (`  • name: value (score
    s)`), then `  … +N more`. A feature `x` with a sub-score `x_score` is one line; features
    with a sub-score come first, best sub-score first, then the others in the strategy's
    order."""
    rows: list[tuple[str, float, float | None]] = []
    for name, value in breakdown.items():
        base = name.removesuffix(SUB_SCORE)
        if base != name and base in breakdown:
            continue  # shown on its feature's line
        rows.append((name, value, breakdown.get(name + SUB_SCORE)))
    scored = sorted((row for row in rows if row[2] is not None), key=lambda row: -(row[2] or 0))
    ordered = scored + [row for row in rows if row[2] is None]
    lines = []
    for name, value, sub in ordered[:limit]:
        shown = name if len(name) <= MAX_FEATURE_NAME else name[: MAX_FEATURE_NAME - 1] + "…"
        tail = "" if sub is None else f" (score {number(sub)})"
        lines.append(f"  • {shown}: {number(value)}{tail}")
    if len(ordered) > limit:
        lines.append(f"  … +{len(ordered) - limit} more")
    return lines
