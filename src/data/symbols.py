"""Exchange symbol rules (tick size, step size, min notional, precisions).

`parse_exchange_info` turns a Binance `exchangeInfo` response into
`SymbolRules`; `RulesStore` caches them as JSON under
`DATA_DIR/symbols/{exchange}/exchange_info.json` so backtests and sizing never
need the network.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from scalplab.errors import DataError, InputError, NotFoundError, snippet
from scalplab.storage.paths import symbol_rules_path

log = logging.getLogger(__name__)

_SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9_]{1,39}$")


@dataclass(frozen=True, slots=True)
class SymbolRules:
    """Trading rules of one USDT-M symbol, from `/fapi/v1/exchangeInfo` filters.

    `max_qty` (LOT_SIZE) and `market_max_qty` (MARKET_LOT_SIZE) are the largest
    quantities Binance accepts (-4005 above them); None: unknown, no limit.
    """

    symbol: str
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    min_notional: Decimal
    price_precision: int
    quantity_precision: int
    max_qty: Decimal | None = None
    market_max_qty: Decimal | None = None

    def max_qty_for(self, order_type: str) -> Decimal | None:
        """The largest quantity of an order of `order_type`: `market_max_qty` for a market
        order (`max_qty` when MARKET_LOT_SIZE is unknown), `max_qty` for any other."""
        if order_type == "market" and self.market_max_qty is not None:
            return self.market_max_qty
        return self.max_qty

    @property
    def max_position_qty(self) -> Decimal | None:
        """The largest position an entry may open: one that a single market order (a
        stop's or a take-profit's, an exit's) can still close — the smaller maximum."""
        known = [q for q in (self.max_qty, self.market_max_qty) if q is not None]
        return min(known) if known else None


def normalize_symbol(symbol: str) -> str:
    """`" btcusdt"` → `"BTCUSDT"`; `InputError` for anything that is not a symbol name."""
    text = symbol.strip().upper() if isinstance(symbol, str) else ""
    if not _SYMBOL.match(text):
        raise InputError(f"invalid symbol {snippet(symbol)} (expected something like BTCUSDT)")
    return text


def _decimal(value: Any, what: str) -> Decimal:
    """A normalised non-negative Decimal without exponent notation (`"0.0100"` → `0.01`)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DataError(f"{what} is not a number: {snippet(value)}") from None
    if not number.is_finite() or number < 0:
        raise DataError(f"{what} is not a finite non-negative number: {snippet(value)}")
    number = number.normalize()
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        number = number.quantize(Decimal(1))
    return number


def _max_qty(lot: dict[str, Any] | None, what: str) -> Decimal | None:
    """A lot filter's `maxQty`; None when the filter or the value is missing, or zero."""
    if lot is None or lot.get("maxQty") is None:
        return None
    number = _decimal(lot["maxQty"], what)
    return number if number > 0 else None


def _os_reason(exc: Exception) -> str:
    """Why a cache file failed, without the file's path (an `OSError`'s text quotes it)."""
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return snippet(str(exc), bare=True)


def _unwrap(payload: dict[str, Any]) -> dict[str, Any]:
    """The exchangeInfo body, whether raw or wrapped as `{url, recv_ts, response}`."""
    if not isinstance(payload, dict):
        raise DataError("exchangeInfo payload must be a JSON object")
    if "symbols" not in payload and isinstance(payload.get("response"), dict):
        payload = payload["response"]
    if not isinstance(payload.get("symbols"), list):
        raise DataError("exchangeInfo payload has no `symbols` list")
    return payload


def _rules_of(entry: dict[str, Any]) -> SymbolRules:
    """One `symbols[]` entry → `SymbolRules` (`DataError` when a filter is missing)."""
    name = str(entry.get("symbol", ""))
    filters = {f.get("filterType"): f for f in entry.get("filters", []) if isinstance(f, dict)}
    price = filters.get("PRICE_FILTER")
    lot = filters.get("LOT_SIZE")
    notional = filters.get("MIN_NOTIONAL") or filters.get("NOTIONAL")
    if price is None or lot is None or notional is None:
        raise DataError(f"{name}: PRICE_FILTER, LOT_SIZE or MIN_NOTIONAL filter missing")
    min_notional = notional.get("notional", notional.get("minNotional"))
    try:
        price_precision = int(str(entry.get("pricePrecision", entry.get("quotePrecision"))))
        quantity_precision = int(
            str(entry.get("quantityPrecision", entry.get("baseAssetPrecision")))
        )
    except ValueError:
        raise DataError(f"{name}: price/quantity precision missing") from None
    return SymbolRules(
        symbol=normalize_symbol(name),
        tick_size=_decimal(price.get("tickSize"), f"{name} tickSize"),
        step_size=_decimal(lot.get("stepSize"), f"{name} stepSize"),
        min_qty=_decimal(lot.get("minQty"), f"{name} minQty"),
        min_notional=_decimal(min_notional, f"{name} min notional"),
        price_precision=price_precision,
        quantity_precision=quantity_precision,
        max_qty=_max_qty(lot, f"{name} maxQty"),
        market_max_qty=_max_qty(filters.get("MARKET_LOT_SIZE"), f"{name} market maxQty"),
    )


def parse_exchange_info(payload: dict[str, Any]) -> dict[str, SymbolRules]:
    """Symbol → rules from an exchangeInfo response (raw or `{url, recv_ts, response}`).

    A symbol whose filters are incomplete is skipped with a warning; a payload
    without any usable symbol raises `DataError`.
    """
    body = _unwrap(payload)
    rules: dict[str, SymbolRules] = {}
    for entry in body["symbols"]:
        if not isinstance(entry, dict):
            continue
        try:
            parsed = _rules_of(entry)
        except (DataError, InputError) as exc:
            log.warning("skipping symbol in exchangeInfo: %s", exc)
            continue
        rules[parsed.symbol] = parsed
    if not rules:
        raise DataError("exchangeInfo payload holds no symbol with complete trading rules")
    return rules


def _to_json(rules: SymbolRules) -> dict[str, Any]:
    return {
        "tick_size": str(rules.tick_size),
        "step_size": str(rules.step_size),
        "min_qty": str(rules.min_qty),
        "min_notional": str(rules.min_notional),
        "price_precision": rules.price_precision,
        "quantity_precision": rules.quantity_precision,
        "max_qty": _optional_text(rules.max_qty),
        "market_max_qty": _optional_text(rules.market_max_qty),
    }


def _optional_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _optional_decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _from_json(symbol: str, data: dict[str, Any]) -> SymbolRules:
    return SymbolRules(
        symbol=symbol,
        tick_size=Decimal(data["tick_size"]),
        step_size=Decimal(data["step_size"]),
        min_qty=Decimal(data["min_qty"]),
        min_notional=Decimal(data["min_notional"]),
        price_precision=int(data["price_precision"]),
        quantity_precision=int(data["quantity_precision"]),
        max_qty=_optional_decimal(data.get("max_qty")),
        market_max_qty=_optional_decimal(data.get("market_max_qty")),
    )


class RulesStore:
    """The cached symbol rules of one exchange (a JSON file, replaced atomically)."""

    def __init__(self, data_dir: Path, exchange: str = "binance") -> None:
        self.data_dir = Path(data_dir)
        self.exchange = exchange
        self.path = symbol_rules_path(self.data_dir, exchange)
        self._cache: tuple[float, dict[str, SymbolRules]] | None = None

    def exists(self) -> bool:
        """True when a rules cache has been saved."""
        return self.path.is_file()

    def save_exchange_info(self, payload: dict[str, Any]) -> int:
        """Parse an exchangeInfo payload and replace the cache; returns the symbol count."""
        rules = parse_exchange_info(payload)
        body = _unwrap(payload)
        document = {
            "exchange": self.exchange,
            "saved_at_ms": int(time.time() * 1000),
            "server_time_ms": body.get("serverTime"),
            "symbols": {name: _to_json(rules[name]) for name in sorted(rules)},
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=".rules.", suffix=".tmp", dir=self.path.parent)
        except OSError as exc:
            raise DataError(f"cannot write the symbol rules cache: {_os_reason(exc)}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, self.path)
        except OSError as exc:
            Path(tmp_name).unlink(missing_ok=True)
            raise DataError(f"cannot write the symbol rules cache: {_os_reason(exc)}") from None
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        self._cache = None
        return len(rules)

    def _load(self) -> dict[str, SymbolRules]:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return {}
        if self._cache is not None and self._cache[0] == mtime:
            return self._cache[1]
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            loaded = {name: _from_json(name, data) for name, data in document["symbols"].items()}
        except (OSError, ValueError, KeyError, TypeError, InvalidOperation) as exc:
            raise DataError(
                f"unreadable symbol rules cache: {_os_reason(exc)}; run `scalplab data rules`"
            ) from None
        self._cache = (mtime, loaded)
        return loaded

    def symbols(self) -> list[str]:
        """Symbols with cached rules, sorted."""
        return sorted(self._load())

    def get(self, symbol: str) -> SymbolRules:
        """Rules of `symbol`; `NotFoundError` when it is not cached."""
        name = normalize_symbol(symbol)
        rules = self._load().get(name)
        if rules is None:
            raise NotFoundError(f"no symbol rules for {name}; run `scalplab data rules`")
        return rules
