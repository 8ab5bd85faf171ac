"""The strategy plugins: what is registered, with version, parameters and extra feeds."""

from __future__ import annotations

from scalplab.strategies.registry import Registry, StrategyInfo


class StrategyService:
    """Read-only views of the plugin registry discovered at start-up."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def list(self) -> list[StrategyInfo]:
        """Every plugin, by name."""
        return self.registry.list()

    def get(self, name: str) -> StrategyInfo:
        """One plugin (`NotFoundError` naming the known ones)."""
        return self.registry.get(name)
