"""Readers of one field of a Binance REST row (a JSON object of a list response), shared by
the REST schemas: each raises `ValueError` naming the field and quoting a snippet of a bad
value; `row_error` turns what a row raised into the words a left-out row is reported with.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from scalplab.errors import snippet

SYMBOL = re.compile(r"^[A-Z0-9_]{2,40}$")
"""What a Binance symbol may look like."""


def row_error(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing {snippet(exc.args[0], bare=True)}"
    return str(exc) or type(exc).__name__


def row_symbol(row: Mapping[str, Any]) -> str:
    symbol = row["symbol"]
    if not isinstance(symbol, str) or not SYMBOL.match(symbol):
        raise ValueError(f"symbol {snippet(symbol)}")
    return symbol


def row_time_ms(row: Mapping[str, Any], key: str) -> int:
    """Epoch ms: an integer, or a string of digits (the statistics send strings)."""
    value = row[key]
    if isinstance(value, str) and value.isdigit() and len(value) <= 16:
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**53:
        raise ValueError(f"{key} is not a time in ms: {snippet(value)}")
    return value


def row_number(row: Mapping[str, Any], key: str) -> float:
    value = row[key]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{key} is not a number: {snippet(value)}")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{key} is not a number: {snippet(value)}") from None
    if not math.isfinite(number):
        raise ValueError(f"{key} is not a finite number: {snippet(value)}")
    return number


def row_not_negative(row: Mapping[str, Any], key: str) -> float:
    number = row_number(row, key)
    if number < 0:
        raise ValueError(f"{key} is negative: {snippet(row[key])}")
    return number


def row_positive(row: Mapping[str, Any], key: str) -> float:
    number = row_number(row, key)
    if number <= 0:
        raise ValueError(f"{key} is not positive: {snippet(row[key])}")
    return number
