"""One exception tree, grouped by what the operator should do about it.

Domain code raises these; the CLI turns them into a one-line message and a
non-zero exit, the API into a JSON error with a 4xx/5xx status. Nothing below
the HTTP layer knows about HTTP.

A message quotes what the user gave only through `snippet` (a short repr), so a
megabyte of input never comes back in an error, and never names a server path.
"""

SNIPPET_LIMIT = 60
"""Most characters of user input an error message quotes."""


def snippet(value: object, limit: int = SNIPPET_LIMIT, *, bare: bool = False) -> str:
    """`repr(value)` cut to `limit` characters with an ellipsis (`'aaaa…`).

    Long strings and bytes are cut before `repr` runs, so quoting a megabyte of
    input costs nothing; a value whose `repr` fails (an int too long to print)
    is named by its type. `bare=True` shows a short printable string as it is
    (a field or parameter name), anything else quoted as above.
    """
    if bare and isinstance(value, str) and len(value) <= limit and value.isprintable():
        return value
    if isinstance(value, str | bytes) and len(value) > limit:
        value = value[:limit]
    try:
        text = repr(value)
    except ValueError:  # e.g. an int beyond sys.get_int_max_str_digits()
        text = f"<{type(value).__name__} too long to show>"
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


class ScalpLabError(Exception):
    """Base of every error ScalpLab raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(ScalpLabError):
    """The request itself is wrong: fix the input and try again."""

    exit_code = 2


class NotFoundError(InputError):
    """A named thing (pair, strategy, result, symbol) does not exist."""


class ConflictError(InputError):
    """The request clashes with what is stored (for example a duplicate)."""


class DataError(ScalpLabError):
    """Stored or supplied market data is missing, malformed or corrupt."""

    exit_code = 3


class NoDataError(DataError):
    """There are no candles for the requested symbol, timeframe or range."""


class StrategyError(ScalpLabError):
    """A strategy plugin raised: a bug in the plugin, not in the engine."""

    exit_code = 4


class TemporaryError(ScalpLabError):
    """The exchange or a service is rate-limiting or down: retry later."""

    exit_code = 5


class ConfigError(ScalpLabError):
    """The environment / .env holds an invalid setting: stop and fix it."""

    exit_code = 6
