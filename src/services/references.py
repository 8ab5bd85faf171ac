"""Checks of names a request refers to: symbol, strategy, timeframe, parameters.

A name that does not exist is an `InputError` here (the request is wrong), not a
`NotFoundError` (which the API reserves for the resource in the URL).
"""

from __future__ import annotations

from collections.abc import Mapping

from scalplab.data.candles import CandleStore
from scalplab.data.symbols import RulesStore, normalize_symbol
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import InputError, NotFoundError
from scalplab.strategies.registry import Registry, StrategyInfo

ParamValue = int | float | bool | str


class References:
    """Validates references against the candle store, symbol rules and strategy registry."""

    def __init__(self, registry: Registry, candles: CandleStore, rules: RulesStore) -> None:
        self.registry = registry
        self.candles = candles
        self.rules = rules

    def strategy(self, name: str) -> StrategyInfo:
        """The plugin called `name`."""
        try:
            return self.registry.get(name)
        except NotFoundError as exc:
            raise InputError(exc.message) from None

    @staticmethod
    def timeframe(tf: str) -> str:
        """A supported timeframe name."""
        timeframe_ms(tf)
        return tf

    def known_symbol(self, symbol: str) -> str:
        """The normalised symbol, if it has stored candles or cached exchange rules."""
        name = normalize_symbol(symbol)
        if name in self.candles.symbols():
            return name
        if self.rules.exists() and name in self.rules.symbols():
            return name
        raise InputError(
            f"unknown symbol {name}: no candles stored and no exchange rules cached for it "
            "(import or download candles first: `scalplab data import|download`)"
        )

    def symbol_with_candles(self, symbol: str) -> str:
        """The normalised symbol, if it has stored candles (a backtest needs them)."""
        name = normalize_symbol(symbol)
        stored = self.candles.symbols()
        if name not in stored:
            available = ", ".join(stored) or "none"
            raise InputError(
                f"no candles stored for {name} (symbols with candles: {available}); "
                "import or download them first"
            )
        return name

    def params(self, info: StrategyInfo, given: Mapping[str, object]) -> dict[str, ParamValue]:
        """The given params, validated and coerced against the strategy's metadata."""
        resolved = info.resolve(dict(given), strict=True)
        return {name: resolved[name] for name in given}
