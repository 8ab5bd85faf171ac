"""The auto universe: the followed pairs follow the market scanner.

When it is on, each scan's qualified pairs (best score first) are followed with the
configured strategy and timeframe (`SCANNER_AUTO_STRATEGY`, `SCANNER_AUTO_TIMEFRAME`),
up to `SCANNER_AUTO_MAX_PAIRS` pairs added this way; a pair it added that no longer
qualifies (the scan measured it and it failed a filter or the score, or it is no longer
listed) is removed. Pairs a person added are never touched, a symbol the scan left out
for missing data is kept (no data is not a verdict), and a pair whose book holds an open
position is kept until the position is closed. Which pairs it added is stored in
`app_settings` (key `scanner_universe`, with the switch), so a restart keeps them apart
from the others. Every add and removal is logged and reported as a `UniverseChange`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scalplab.config import Settings
from scalplab.data.scanner.result import ScanResult
from scalplab.errors import ScalpLabError
from scalplab.services.pairs import PairService
from scalplab.storage.db import Database
from scalplab.storage.models import utc_now
from scalplab.storage.models_sim import AppSetting

log = logging.getLogger(__name__)

UNIVERSE_KEY = "scanner_universe"
"""The `app_settings` row: the switch and the pairs the scanner added."""


@dataclass(frozen=True, slots=True)
class UniverseChange:
    """What one refresh changed: pairs added (symbol, score) and removed (symbol, why)."""

    strategy: str
    timeframe: str
    at: datetime
    """When the scan that caused it finished."""
    added: tuple[tuple[str, float], ...] = ()
    removed: tuple[tuple[str, str], ...] = ()
    problems: tuple[str, ...] = ()
    """Adds or removals that failed (the pair stays as it was)."""


@dataclass
class UniverseState:
    """The switch and the pairs the scanner added (symbol → pair id)."""

    enabled: bool
    added: dict[str, int] = field(default_factory=dict)


class AutoUniverse:
    """Applies scans to the followed pairs (call from one thread at a time)."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        pairs: PairService,
        open_books: Callable[[], set[tuple[str, str]]],
    ) -> None:
        self.database = database
        self.pairs = pairs
        self.open_books = open_books
        """(symbol, strategy) of every book holding a position now."""
        self.strategy = settings.scanner_auto_strategy
        self.timeframe = settings.scanner_auto_timeframe
        self.max_pairs = settings.scanner_auto_max_pairs
        self.state = self._load(settings.scanner_auto_universe)

    def set_enabled(self, enabled: bool) -> None:
        """Turn it on or off (stored); off leaves the pairs it added as they are."""
        self.state.enabled = enabled
        self._save()
        log.info("auto universe %s", "on" if enabled else "off")

    def apply(self, result: ScanResult) -> UniverseChange:
        """Follow the newly qualified pairs, drop the added ones that fell out."""
        followed = {(pair.symbol, pair.strategy): pair.id for pair in self.pairs.list()}
        ids = set(followed.values())
        added = {s: i for s, i in self.state.added.items() if i in ids}  # deleted by hand
        qualified = {row.symbol: row for row in result.qualified}
        measured = {row.symbol: row for row in result.rows}
        left_out = {item.symbol for item in result.left_out}
        new: list[tuple[str, float]] = []
        removed: list[tuple[str, str]] = []
        problems: list[str] = []
        for symbol, row in qualified.items():
            if len(added) >= self.max_pairs:
                break
            if symbol in added or (symbol, self.strategy) in followed:
                continue
            try:
                pair = self.pairs.create(symbol, self.strategy, self.timeframe, {})
            except ScalpLabError as exc:
                problems.append(f"{symbol} not added: {exc.message}")
                log.warning("auto universe: %s not added: %s", symbol, exc.message)
                continue
            added[symbol] = pair.id
            new.append((symbol, row.total or 0.0))
            log.info(
                "auto universe: following %s with %s %s (score %.1f)",
                symbol, self.strategy, self.timeframe, row.total or 0.0,
                extra={"symbol": symbol},
            )  # fmt: skip
        holding = self.open_books()
        for symbol, pair_id in list(added.items()):
            if symbol in qualified or symbol in left_out:
                continue
            why = "; ".join(measured[symbol].reasons) if symbol in measured else "not listed"
            if (symbol, self.strategy) in holding:
                log.info("auto universe: %s fell out (%s) but keeps its open position", symbol,
                         why)  # fmt: skip
                continue
            try:
                self.pairs.delete(pair_id)
            except ScalpLabError as exc:
                problems.append(f"{symbol} not removed: {exc.message}")
                log.warning("auto universe: %s not removed: %s", symbol, exc.message)
                continue
            del added[symbol]
            removed.append((symbol, why))
            log.info("auto universe: dropped %s (%s)", symbol, why, extra={"symbol": symbol})
        self.state.added = added
        self._save()
        return UniverseChange(
            self.strategy, self.timeframe, result.taken_at, tuple(new), tuple(removed),
            tuple(problems),
        )  # fmt: skip

    def _load(self, default: bool) -> UniverseState:
        with self.database.session() as session:
            row = session.get(AppSetting, UNIVERSE_KEY)
            value: Any = None if row is None else row.value
        try:
            added = {str(s): int(i) for s, i in dict(value["added"]).items()}
            return UniverseState(bool(value["enabled"]), added)
        except (TypeError, KeyError, ValueError):
            if value is not None:
                log.warning("the stored auto-universe state is unreadable: starting afresh")
            return UniverseState(default)

    def _save(self) -> None:
        value = {"enabled": self.state.enabled, "added": dict(self.state.added)}
        with self.database.session() as session:
            row = session.get(AppSetting, UNIVERSE_KEY)
            if row is None:
                session.add(AppSetting(key=UNIVERSE_KEY, value=value, updated_at=utc_now()))
            else:
                row.value = value
                row.updated_at = utc_now()
