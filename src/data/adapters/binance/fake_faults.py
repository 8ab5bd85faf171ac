"""The faults the fake venue (`fake_exchange.FakeExchange.fault`) plays, each once.

* `OrderTimeout` — the next order POST is really placed, then never answered: the server
  holds the request `delay_s` seconds (longer than the client waits) and drops the
  connection. Only a query by client id tells the client the order exists.
* `ServerError` — the next order POST is answered with an HTTP 5xx, the order placed
  (`placed=True`: Binance's 503 "Unknown error …", the outcome unknown) or not.
  With `method="DELETE"`, either one plays on the next cancel of `path` instead (the
  cancel done — `placed` — or not).
* `ClockSkew` — the next signed request is refused with -1021 (timestamp outside the
  recvWindow), as when the client's clock drifted.
* `MarginShortfall` — the next order POST is refused with -2019, nothing placed.
* `ListenKeyExpiry` — the listenKey expires now: `listenKeyExpired` on its streams, which
  are closed, and the key is invalid (a keepalive answers -1125).
* `StreamDropOnFill` — the user streams close right before the next fill's events, which
  they never get.
"""

from __future__ import annotations

from dataclasses import dataclass

ORDER_PATH = "/fapi/v1/order"
ALGO_ORDER_PATH = "/fapi/v1/algoOrder"


@dataclass(frozen=True, slots=True)
class OrderTimeout:
    """Place the next order POST to `path` (or do the next cancel: `method="DELETE"`),
    then hold it `delay_s` s and drop it."""

    delay_s: float = 1.0
    path: str = ORDER_PATH
    method: str = "POST"


@dataclass(frozen=True, slots=True)
class ServerError:
    """Answer the next order POST to `path` (or cancel: `method="DELETE"`) with HTTP
    `status` (placed — cancelled — or not)."""

    placed: bool = False
    status: int = 503
    code: int | None = None
    """Binance's code in the body (default: -1000 when placed, -1001 when not)."""
    msg: str | None = None
    path: str = ORDER_PATH
    method: str = "POST"

    def body_code(self) -> int:
        if self.code is not None:
            return self.code
        return -1000 if self.placed else -1001

    def body_msg(self) -> str:
        if self.msg is not None:
            return self.msg
        if self.placed:
            return "Unknown error, please check your request or try again later."
        return "Internal error; unable to process your request. Please try again."


@dataclass(frozen=True, slots=True)
class ClockSkew:
    """Refuse the next signed request with -1021."""


@dataclass(frozen=True, slots=True)
class MarginShortfall:
    """Refuse the next order POST to `path` with -2019."""

    path: str = ORDER_PATH


@dataclass(frozen=True, slots=True)
class ListenKeyExpiry:
    """Expire the listenKey now."""


@dataclass(frozen=True, slots=True)
class StreamDropOnFill:
    """Close the user streams right before the next fill's events."""


ExchangeFault = (
    OrderTimeout | ServerError | ClockSkew | MarginShortfall | ListenKeyExpiry | StreamDropOnFill
)
"""Every fault the venue plays."""


class FaultQueue:
    """Queued one-shot faults, taken in the order they were queued (not thread-safe: the
    venue holds its lock)."""

    def __init__(self) -> None:
        self.queued: list[ExchangeFault] = []

    def add(self, fault: ExchangeFault, times: int = 1) -> None:
        self.queued.extend([fault] * times)

    def take_order_fault(
        self, path: str, method: str = "POST"
    ) -> OrderTimeout | ServerError | MarginShortfall | None:
        """The first queued fault for an order POST (or cancel) to `path` (removed)."""
        for index, fault in enumerate(self.queued):
            if not isinstance(fault, OrderTimeout | ServerError | MarginShortfall):
                continue
            on = fault.method if isinstance(fault, OrderTimeout | ServerError) else "POST"
            if fault.path == path and on == method:
                del self.queued[index]
                return fault
        return None

    def take_clock_skew(self) -> bool:
        """Whether a `ClockSkew` was queued (removed)."""
        for index, fault in enumerate(self.queued):
            if isinstance(fault, ClockSkew):
                del self.queued[index]
                return True
        return False
