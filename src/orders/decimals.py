"""Exact decimal numbers of orders: parsing, bounds, tick rounding, grid checks, plain text.

Every quantity and price of an order is a `Decimal` within `(0, MAX_ORDER_NUMBER]`
with at most `MAX_DECIMAL_PLACES` decimal places (`to_decimal`). The helpers
here work on the digits or with a precision that grows with the operands, so no
finite value makes them raise anything but `OrderRejected`: no `decimal`
context overflow or `DivisionImpossible` can escape as a 500.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from scalplab.errors import InputError, snippet

MAX_ORDER_NUMBER = Decimal(10**12)
"""Largest quantity or price an order may carry (no market comes near it)."""
MAX_DECIMAL_PLACES = 18
"""Most decimal places of an order's quantity or price (Binance uses at most 8)."""


class OrderRejected(InputError):  # noqa: N818 - the name the design fixes
    """An order request breaks a symbol rule or the order-type rules; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def to_decimal(value: object, what: str) -> Decimal:
    """A finite positive `Decimal` from a Decimal, int, float or numeric string.

    At most `MAX_ORDER_NUMBER` and `MAX_DECIMAL_PLACES` decimal places, so every
    later check is exact and cheap; anything else is an `OrderRejected`.
    """
    if isinstance(value, bool):
        raise OrderRejected(f"{what} must be a number, not {snippet(value)}")
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(str(value))
        elif isinstance(value, str):
            number = Decimal(value.strip())
        else:
            raise OrderRejected(f"{what} must be a number, not {snippet(value)}")
    except (InvalidOperation, ValueError):
        raise OrderRejected(f"{what} must be a number, not {snippet(value)}") from None
    if not number.is_finite():
        raise OrderRejected(f"{what} must be a finite number, not {snippet(value)}")
    shown = shown_number(number)
    if number <= 0:
        raise OrderRejected(f"{what} must be positive, not {shown}")
    if number > MAX_ORDER_NUMBER:
        raise OrderRejected(f"{what} {shown} is over the maximum {MAX_ORDER_NUMBER}")
    exponent = plain(number).as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
        raise OrderRejected(f"{what} {shown} has more than {MAX_DECIMAL_PLACES} decimal places")
    return number


def round_to_tick(value: float, tick: Decimal) -> Decimal:
    """`value` to the nearest multiple of `tick`, halves away from zero (0 tick: unchanged).

    Exact for any finite value (the working precision grows with it); a NaN or
    infinite value is an `OrderRejected`.
    """
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise OrderRejected(f"a price must be a finite number, not {snippet(value)}")
    if tick <= 0:
        return number
    with localcontext() as context:
        context.prec = max(28, number.adjusted() - tick.adjusted() + 4)
        steps = (number / tick).to_integral_value(rounding=ROUND_HALF_UP)
        return plain(steps * tick)


def plain(number: Decimal) -> Decimal:
    """`number` without trailing zeros or exponent notation (`1E+1` → `10`), exactly.

    Works on the digits (no context precision), so a value of any size keeps
    every digit; NaN and infinities are returned as they are.
    """
    sign, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int):
        return number
    if not any(digits):
        return Decimal((sign, (0,), 0))
    kept = list(digits)
    if exponent > 0:
        kept.extend([0] * exponent)
        exponent = 0
    while exponent < 0 and kept[-1] == 0:
        kept.pop()
        exponent += 1
    return Decimal((sign, tuple(kept), exponent))


def text(number: Decimal | None) -> str:
    """A decimal as plain text (no exponent), as given."""
    return "" if number is None else format(number, "f")


def shown_number(number: Decimal) -> str:
    """A decimal for a message: plain text when short, scientific when huge or tiny."""
    plain_text = text(number) if -30 < number.adjusted() < 30 else str(number)
    return snippet(plain_text, bare=True)


def is_multiple(value: Decimal, unit: Decimal) -> bool:
    """Exactly `value % unit == 0`, for finite decimals of any size (no context rounding).

    With value = v·10^a and unit = u·10^b: for a ≥ b, u must divide v·10^(a−b)
    (computed modulo u); for a < b, u·10^(b−a) must divide v, impossible once it
    has more digits than v.
    """
    if unit <= 0:
        return True
    _, v_digits, v_exp = value.as_tuple()
    _, u_digits, u_exp = unit.as_tuple()
    if not isinstance(v_exp, int) or not isinstance(u_exp, int):
        return False
    v = int(Decimal((0, v_digits, 0)))  # the coefficients as ints (no str-digit limit)
    u = int(Decimal((0, u_digits, 0)))
    if v == 0:
        return True
    shift = v_exp - u_exp
    if shift >= 0:
        scale: int = pow(10, shift, u)
        return v * scale % u == 0
    if -shift > len(v_digits):
        return False
    divisor: int = u * 10**-shift
    return v % divisor == 0
