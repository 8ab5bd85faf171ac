"""`snippet`: how every error quotes user input, and the one-line errors that use it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scalplab.data.candles import CandleStore
from scalplab.data.csv_import import import_klines_csv
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import SNIPPET_LIMIT, ScalpLabError, snippet
from scalplab.orders.ids import check_client_order_id
from scalplab.orders.types import to_decimal
from scalplab.strategies.params import ParamSpec, resolve_params
from scalplab.timeutil import parse_utc

MEGABYTE = "x" * 1_048_576


def test_snippet_keeps_short_values_and_cuts_long_ones() -> None:
    assert snippet("BTCUSDT") == "'BTCUSDT'"
    assert snippet(1.5) == "1.5"
    cut = snippet(MEGABYTE)
    assert len(cut) == SNIPPET_LIMIT and cut.startswith("'xxx") and cut.endswith("…")
    assert len(snippet(b"y" * 5000)) == SNIPPET_LIMIT
    assert len(snippet(list(range(100_000)))) == SNIPPET_LIMIT
    assert snippet("abcdef", limit=4) == "'ab…"


def test_snippet_bare_shows_short_names_as_they_are() -> None:
    assert snippet("fast", bare=True) == "fast"
    assert snippet("tab\there", bare=True) == "'tab\\there'"  # unprintable: quoted
    assert len(snippet(MEGABYTE, bare=True)) == SNIPPET_LIMIT


def test_snippet_of_an_int_too_long_to_print() -> None:
    assert snippet(10**5000) == "<int too long to show>"


def _refusal(call: Callable[[], object]) -> str:
    with pytest.raises(ScalpLabError) as info:
        call()
    return str(info.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda: to_decimal(MEGABYTE, "qty"),
        lambda: to_decimal("9" * 1_048_576 + "x", "price"),
        lambda: normalize_symbol(MEGABYTE),
        lambda: timeframe_ms(MEGABYTE),
        lambda: parse_utc(MEGABYTE, "--start"),
        lambda: check_client_order_id(MEGABYTE),
        lambda: ParamSpec("fast", "int", 10).coerce(MEGABYTE),
        lambda: ParamSpec("mode", "str", "a", choices=("a", "b")).coerce(MEGABYTE),
        lambda: resolve_params({"fast": ParamSpec("fast", "int", 10)}, {MEGABYTE: 1}),
    ],
    ids=[
        "to_decimal",
        "to_decimal-digits",
        "normalize_symbol",
        "timeframe",
        "parse_utc",
        "client_order_id",
        "param-int",
        "param-choice",
        "param-name",
    ],
)
def test_a_megabyte_of_input_is_quoted_as_a_snippet(call: Callable[[], object]) -> None:
    message = _refusal(call)
    assert len(message) < 300, message
    assert "\n" not in message
    assert "xxxxxxxxxx…" in message or "9999999999…" in message


def test_csv_import_quotes_a_megabyte_cell_as_a_snippet(tmp_path: Path) -> None:
    path = tmp_path / "klines.csv"
    path.write_text(f"1748169180000,{MEGABYTE},2,1,1.5,10\n", encoding="utf-8")
    store = CandleStore(tmp_path / "data")
    message = _refusal(lambda: import_klines_csv(path, "BTCUSDT", "1m", store))
    assert "open is not a number: 'xxx" in message
    assert len(message) < len(str(path)) + 200
    assert not store.symbols()  # nothing stored
