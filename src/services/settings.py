"""The `/settings` actions: the engine's runtime settings, validated and persisted by it."""

from __future__ import annotations

import logging
from typing import Any

from scalplab.simulation.engine import SimulationEngine

log = logging.getLogger(__name__)


class SettingsService:
    """Reads and changes confirm-orders, the confirmation TTL, replay speed and risk limits."""

    def __init__(self, engine: SimulationEngine) -> None:
        self.engine = engine

    def get(self) -> dict[str, Any]:
        """The settings in force."""
        return self.engine.settings().to_dict()

    def update(self, patch: dict[str, Any]) -> dict[str, Any]:
        """Apply `patch` as a whole (an `InputError` naming the field changes nothing)."""
        updated = self.engine.update_settings(patch).to_dict()
        log.info("settings changed: %s", ", ".join(sorted(patch)), extra={"changed": patch})
        return updated
