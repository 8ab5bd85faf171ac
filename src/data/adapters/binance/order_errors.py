"""Binance USDT-M trading errors in words, and the three ways a signed request can end badly.

Binance answers a refused request with `{"code": -NNNN, "msg": "…"}`. The codes the
platform meets are named here in plain words (`reason_for`), so a rejection reads
"margin is insufficient" in `/orders`, the Dashboard and Telegram rather than a number.

What a caller must do differs, so the exceptions do too:

* `BinanceRejected` — definitive: Binance read the request and refused it; nothing
  happened on the exchange (fix the input, the keys or the account; never retry as is);
* `OutcomeUnknown` — the request may have taken effect (a timeout or a connection lost
  after sending, HTTP 5xx or 408, -1006, -1007): look the order up by its client id
  before anything is resent, and never send it again under a new id;
* `ClockSkew` — -1021, the request's timestamp was outside `recvWindow`: the client
  resynchronises with the server time and retries the same request itself; this escapes
  only when the clock keeps drifting after the retries.
"""

from __future__ import annotations

from scalplab.errors import InputError, TemporaryError

CLOCK_SKEW = -1021
BAD_SIGNATURE = -1022
BAD_API_KEY = -2014
REJECTED_API_KEY = -2015
UNKNOWN_ORDER = -2011
NO_SUCH_ORDER = -2013
TOO_MANY_ORDERS = -1015
NO_LISTEN_KEY = -1125
MARGIN_TYPE_UNCHANGED = -4046
POSITION_SIDE_UNCHANGED = -4059
WOULD_TRIGGER = -2021
AMBIGUOUS_CODES = frozenset({-1006, -1007})
"""Binance's own "the outcome is unknown" codes: the request may have been executed."""
CREDENTIAL_CODES = frozenset({BAD_SIGNATURE, BAD_API_KEY, REJECTED_API_KEY})
"""Refusals that no request will get past until the keys or their permissions change."""

REASONS: dict[int, str] = {
    -1000: "Binance met an unknown error while processing the request",
    -1003: "too many requests (the IP's request weight is used up)",
    -1006: "Binance's backend answered unexpectedly; the outcome is unknown",
    -1007: "Binance's backend timed out; the outcome is unknown",
    -1013: "the order fails one of the symbol's filters",
    -1015: "too many new orders (the account's order rate limit)",
    CLOCK_SKEW: "the request's timestamp is outside the receive window (clock skew)",
    BAD_SIGNATURE: "the request's signature is not valid (wrong API secret)",
    -1102: "a mandatory parameter is missing or malformed",
    -1111: "price or quantity has more decimals than the symbol allows (precision)",
    -1116: "the order type is not valid",
    -1117: "the side is not valid",
    -1121: "the symbol is not valid",
    NO_LISTEN_KEY: "the listenKey does not exist (it expired)",
    UNKNOWN_ORDER: "unknown order (nothing to cancel)",
    NO_SUCH_ORDER: "the order does not exist",
    BAD_API_KEY: "the API key format is not valid",
    REJECTED_API_KEY: (
        "the API key is not valid, lacks futures permissions or the IP is not allowed "
        "(wrong key, permission or account type)"
    ),
    -2018: "the balance is insufficient",
    -2019: "margin is insufficient",
    -2020: "the order cannot be fully filled",
    WOULD_TRIGGER: "the order would immediately trigger",
    -2022: "the reduce-only order was rejected (it would not reduce the position)",
    -2027: "the position would exceed the maximum allowed at this leverage",
    -4003: "the quantity must be greater than zero",
    -4005: "the quantity is greater than the symbol's maximum",
    -4014: "the price is not a multiple of the tick size",
    -4023: "the quantity is not a multiple of the step size",
    MARGIN_TYPE_UNCHANGED: "the margin type is already the one asked for",
    POSITION_SIDE_UNCHANGED: "the position mode is already the one asked for",
    -4061: "the order's position side does not match the account's position mode",
    -4116: "the client order id is already used (duplicate)",
    -4120: "conditional orders must be sent through the algo-order API",
    -4131: "the best price on the book is too far from the mark price (PERCENT_PRICE)",
    -4164: "the order's notional is under the symbol's minimum",
    -5022: "the post-only order would take liquidity (it would execute at once)",
}
"""Binance error code → what it means, in words."""


def reason_for(code: int, msg: str) -> str:
    """The refusal `code` in words; Binance's own message (one line, cut short) for a
    code not named here."""
    if code in REASONS:
        return REASONS[code]
    text = " ".join(str(msg).split())[:160]
    return text or f"Binance error {code}"


class BinanceRejected(InputError):  # noqa: N818 (the venue port's name)
    """Binance refused the request; nothing happened on the exchange (definitive)."""

    def __init__(self, code: int, binance_message: str, *, what: str = "the order") -> None:
        self.code = code
        self.binance_message = " ".join(str(binance_message).split())[:200]
        self.reason = reason_for(code, self.binance_message)
        self.what = what
        super().__init__(f"Binance refused {what}: {self.reason} ({code})")

    @property
    def is_credentials(self) -> bool:
        """The keys, their permissions or the account type are wrong: nothing will pass."""
        return self.code in CREDENTIAL_CODES


class ClockSkew(BinanceRejected):
    """-1021 still answered after resynchronising with Binance's clock and retrying."""


class OutcomeUnknown(TemporaryError):  # noqa: N818 (the venue port's name)
    """The request may have taken effect: look the order up by its client id before
    anything is sent again (never resend it under a new id)."""

    def __init__(self, what: str, detail: str, *, code: int | None = None) -> None:
        self.what = what
        self.detail = detail
        self.code = code
        super().__init__(
            f"Binance did not say whether {what} was accepted ({detail}); "
            "look it up by its client id before sending it again"
        )
