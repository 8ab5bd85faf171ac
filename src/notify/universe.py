"""The message of an auto-universe change (the market scanner followed or dropped pairs)."""

from __future__ import annotations

from scalplab.notify.formatting import utc_time
from scalplab.notify.messages import HealthAlert
from scalplab.services.universe import UniverseChange


def universe_alert(change: UniverseChange) -> HealthAlert:
    """`🔭 Scanner universe changed`, one line per pair added (with its score) or removed
    (with why), any add or removal that failed, and the scan's time."""
    lines = [f"➕ {symbol} (score {score:.1f})" for symbol, score in change.added]
    lines += [f"➖ {symbol}: {why}" for symbol, why in change.removed]
    lines += [f"⚠️ {problem}" for problem in change.problems]
    at_ms = int(change.at.timestamp() * 1000)
    lines.append(f"⏰ {utc_time(at_ms)}")
    return HealthAlert(
        kind="universe_changed",
        title="Scanner universe changed",
        detail=(
            f"{len(change.added)} added, {len(change.removed)} removed "
            f"({change.strategy} {change.timeframe})"
        ),
        dedupe=str(at_ms),  # one message per change
        lines=tuple(lines),
        priority="low",
    )
