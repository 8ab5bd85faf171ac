"""Order identifiers: deterministic client order ids and fresh internal ids.

A client order id is what makes a submission idempotent: the same signal (symbol,
strategy, signal bar, side) or the same manual idempotency key always maps to the
same id, so a retry, a restart or a double click finds the order already queued.
Every id produced here matches Binance's `newClientOrderId` rule
`^[.A-Z:/a-z0-9_-]{1,36}$`, so the same ids can be sent to the exchange later.
"""

from __future__ import annotations

import hashlib
import re
import uuid

from scalplab.errors import InputError, snippet

CLIENT_ORDER_ID_PATTERN = r"^[.A-Z:/a-z0-9_-]{1,36}$"
"""Binance's rule for `newClientOrderId`."""

MAX_CLIENT_ORDER_ID_LENGTH = 36
MAX_IDEMPOTENCY_KEY_LENGTH = 255

_CLIENT_ORDER_ID = re.compile(CLIENT_ORDER_ID_PATTERN)
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_TIME_DIGITS = 9  # 36**9 ms ≈ year 5138: fixed width keeps ids of one strategy sortable
_SIDE_LETTER = {"buy": "b", "long": "b", "sell": "s", "short": "s"}
_LEG_ROLE = re.compile(r"tp[1-9][0-9]?")


def _digest(*parts: str) -> str:
    """SHA-256 hex of the parts joined unambiguously (length-prefixed)."""
    text = "".join(f"{len(part)}:{part}|" for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _base36(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 36)
        digits.append(_BASE36[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def is_client_order_id(value: str) -> bool:
    """True when `value` satisfies Binance's `newClientOrderId` rule."""
    return isinstance(value, str) and _CLIENT_ORDER_ID.fullmatch(value) is not None


def check_client_order_id(value: str) -> str:
    """`value` unchanged, or `InputError` naming the rule it breaks."""
    if not is_client_order_id(value):
        raise InputError(
            f"client_order_id {snippet(value)} must be 1-36 characters of A-Z a-z 0-9 . : / _ -"
        )
    return value


def client_order_id(symbol: str, strategy: str, signal_time_ms: int, side: str) -> str:
    """The deterministic client id of a strategy signal's order (29 characters).

    Layout `s<side>-<signal time, base36, 9 chars>-<16 hex of SHA-256(symbol, strategy)>`,
    e.g. `sb-mc1ye3k00-3f0c9d2a41b7e655`. `side` is `buy`/`sell` (or the signal's
    `long`/`short`); the symbol is compared case-insensitively.
    """
    letter = _SIDE_LETTER.get(side)
    if letter is None:
        raise InputError(f"side must be buy, sell, long or short, not {snippet(side)}")
    if isinstance(signal_time_ms, bool) or not isinstance(signal_time_ms, int):
        raise InputError(
            f"signal time must be integer epoch milliseconds, not {snippet(signal_time_ms)}"
        )
    if not 0 <= signal_time_ms < 36**_TIME_DIGITS:
        raise InputError(f"signal time {signal_time_ms} ms is out of range")
    name = symbol.strip().upper()
    plan = strategy.strip()
    if not name or not plan:
        raise InputError("a client order id needs a symbol and a strategy name")
    return f"s{letter}-{_base36(signal_time_ms, _TIME_DIGITS)}-{_digest(name, plan)[:16]}"


def manual_order_id(idempotency_key: str) -> str:
    """The deterministic client id of a manual order from its idempotency key (30 chars).

    The same key always gives the same id (`m-` + 28 hex of SHA-256), so a retried
    POST finds the order the first attempt created.
    """
    key = idempotency_key.strip() if isinstance(idempotency_key, str) else ""
    if not key:
        raise InputError("idempotency key must not be empty")
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise InputError(
            f"idempotency key is {len(key)} characters long; "
            f"the limit is {MAX_IDEMPOTENCY_KEY_LENGTH}"
        )
    if not key.isprintable():
        raise InputError("idempotency key must be printable text")
    return f"m-{_digest('manual', key)[:28]}"


def child_order_id(parent_client_order_id: str, role: str) -> str:
    """The client id of a bracket child of a parent order: `role` = `sl` (the stop), `tp`
    (the take-profit) or `tp1`..`tp99` (leg 1..99 of a take-profit ladder).

    `<parent>-<role>` when that fits in 36 characters, else a hash of both.
    """
    if role not in ("sl", "tp") and _LEG_ROLE.fullmatch(role) is None:
        raise InputError(
            f"bracket child role must be 'sl' or 'tp' (or 'tp1'..'tp99' for a ladder leg), "
            f"not {snippet(role)}"
        )
    candidate = f"{parent_client_order_id}-{role}"
    if len(candidate) <= MAX_CLIENT_ORDER_ID_LENGTH and is_client_order_id(candidate):
        return candidate
    digest = _digest(parent_client_order_id, role)[: MAX_CLIENT_ORDER_ID_LENGTH - len(role) - 2]
    return f"c{role}-{digest}"


def new_order_id() -> str:
    """A fresh internal order id: `ord-` + 32 random hex characters."""
    return f"ord-{uuid.uuid4().hex}"
