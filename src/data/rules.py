"""Which symbol rules a run uses, and where they came from.

The store's exchangeInfo cache first (`scalplab data rules`), then the recorded 2021
exchangeInfo bundled with the sample, then `FALLBACK_RULES` (step 0.001, min notional
5); every result records which one it used (`source`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from scalplab.data.exchange import EXCHANGE
from scalplab.data.samples import EXCHANGE_INFO_NAME, default_samples_dir
from scalplab.data.symbols import RulesStore, SymbolRules, parse_exchange_info
from scalplab.errors import NotFoundError, ScalpLabError

FALLBACK_RULES = SymbolRules(
    symbol="",
    tick_size=Decimal("0.0001"),
    step_size=Decimal("0.001"),
    min_qty=Decimal("0.001"),
    min_notional=Decimal("5"),
    price_precision=4,
    quantity_precision=3,
)
"""Used only for a symbol with no cached exchange rules; the result says so."""


@lru_cache(maxsize=1)
def _bundled_rules() -> dict[str, SymbolRules]:
    path = default_samples_dir() / "rest" / EXCHANGE_INFO_NAME
    try:
        return parse_exchange_info(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ScalpLabError):
        return {}


def symbol_rules_for(symbol: str, data_dir: Path) -> tuple[SymbolRules, str]:
    """Rules of `symbol` and their source: `exchange_info`, `bundled_exchange_info_2021`
    or `fallback`."""
    try:
        return RulesStore(data_dir, EXCHANGE).get(symbol), "exchange_info"
    except NotFoundError:
        pass
    bundled = _bundled_rules().get(symbol)
    if bundled is not None:
        return bundled, "bundled_exchange_info_2021"
    return replace(FALLBACK_RULES, symbol=symbol), "fallback"
