"""Typed reads of the fields of one Binance JSON object, with one-line errors.

Binance sends prices and quantities as decimal strings, ids and times as numbers (now
and then as numeric strings: `listenKeyExpired`'s `E`), flags as booleans. `Fields`
reads them as `Decimal`, `int`, `bool` and `str`, and turns a missing or malformed
field into a `MessageError` naming the object and the field, never quoting more than
a snippet of the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from scalplab.data.adapters.binance.schemas import MessageError
from scalplab.data.adapters.binance.trading_schemas import ExchangeSide
from scalplab.errors import snippet

_MISSING = object()


class Fields:
    """The fields of one object (`what` names it in errors: `ORDER_TRADE_UPDATE`)."""

    def __init__(self, data: object, what: str) -> None:
        if not isinstance(data, Mapping):
            raise MessageError(f"malformed {what}: not an object: {snippet(data)}")
        self.data: Mapping[str, Any] = data
        self.what = what

    def _get(self, key: str, default: object) -> object:
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if default is _MISSING:
                raise MessageError(f"malformed {self.what}: missing {key}")
            return default
        return value

    def _bad(self, key: str, value: object, kind: str) -> MessageError:
        return MessageError(f"malformed {self.what}: {key} is not {kind}: {snippet(value)}")

    def text(self, key: str, default: object = _MISSING) -> str:
        """A string field (numbers are accepted as their text)."""
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self._bad(key, value, "a string")
        return str(value)

    def decimal(self, key: str, default: object = _MISSING) -> Decimal:
        """A decimal field (`"0.13856"`, a number, or `""` when a default is given)."""
        value = self._get(key, default)
        if value == "" and default is not _MISSING:
            value = default
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self._bad(key, value, "a number")
        else:
            try:
                number = Decimal(repr(value) if isinstance(value, float) else str(value))
            except InvalidOperation:
                raise self._bad(key, value, "a number") from None
        if not number.is_finite():
            raise self._bad(key, value, "a finite number")
        return number

    def integer(self, key: str, default: object = _MISSING) -> int:
        """An integer field (a JSON integer or a string of digits)."""
        value = self._get(key, default)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return int(value)
        raise self._bad(key, value, "an integer")

    def flag(self, key: str, default: object = _MISSING) -> bool:
        """A boolean field (`true`/`false`, or their strings)."""
        value = self._get(key, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self._bad(key, value, "a boolean")

    def side(self, key: str = "side") -> ExchangeSide:
        """`BUY` or `SELL`."""
        value = self.text(key)
        if value == "BUY":
            return "BUY"
        if value == "SELL":
            return "SELL"
        raise self._bad(key, value, "BUY or SELL")

    def nested(self, key: str) -> Fields:
        """The object under `key`."""
        return Fields(self._get(key, _MISSING), f"{self.what}.{key}")

    def rows(self, key: str) -> list[Fields]:
        """The list of objects under `key` (an empty list when absent)."""
        value = self._get(key, [])
        if not isinstance(value, list):
            raise self._bad(key, value, "a list")
        return [Fields(row, f"{self.what}.{key}[{i}]") for i, row in enumerate(value)]


def rows_of(payload: object, what: str) -> list[Fields]:
    """A JSON list of objects (a REST answer) as `Fields`."""
    if not isinstance(payload, list):
        raise MessageError(f"malformed {what} answer: not a list: {snippet(payload)}")
    return [Fields(row, what) for row in payload]
