"""Typed reads of Binance JSON fields, and their one-line errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scalplab.data.adapters.binance.json_fields import Fields, rows_of
from scalplab.data.adapters.binance.schemas import MessageError


def test_fields_read_as_binance_writes_them() -> None:
    f = Fields({"p": "0.13856", "q": 38, "r": 0.1, "e": "", "E": "1736996475556", "i": 7,
                "m": False, "R": "true", "S": "SELL", "o": {"x": "NEW"}}, "EVENT")  # fmt: skip
    assert (f.decimal("p"), f.decimal("q"), f.decimal("r")) == (
        Decimal("0.13856"), Decimal(38), Decimal("0.1"))  # fmt: skip
    assert f.decimal("e", Decimal(0)) == Decimal(0) and f.decimal("absent", Decimal(1)) == 1
    assert (f.integer("E"), f.integer("i"), f.flag("m"), f.flag("R")) == (
        1736996475556, 7, False, True)  # fmt: skip
    assert f.side("S") == "SELL" and f.nested("o").text("x") == "NEW"
    assert f.text("i") == "7" and f.text("absent", "") == ""
    assert f.rows("absent") == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: f.text("missing"), "malformed EVENT: missing missing"),
        (lambda f: f.decimal("word"), "word is not a number: 'abc'"),
        (lambda f: f.decimal("e"), "e is not a number: ''"),
        (lambda f: f.decimal("inf"), "inf is not a finite number"),
        (lambda f: f.integer("word"), "word is not an integer"),
        (lambda f: f.integer("flag"), "flag is not an integer"),
        (lambda f: f.flag("word"), "word is not a boolean"),
        (lambda f: f.text("list"), "list is not a string"),
        (lambda f: f.rows("word"), "word is not a list"),
        (lambda f: f.nested("word"), "malformed EVENT.word: not an object"),
    ],
)
def test_bad_fields_are_named_in_one_line(call: object, message: str) -> None:
    f = Fields({"word": "abc", "e": "", "inf": "Infinity", "flag": True, "list": [1]}, "EVENT")
    with pytest.raises(MessageError, match=message):
        call(f)  # type: ignore[operator]


def test_an_answer_must_be_a_list_of_objects() -> None:
    with pytest.raises(MessageError, match="malformed userTrades answer: not a list"):
        rows_of({"code": 0}, "userTrades")
    with pytest.raises(MessageError, match="malformed userTrades: not an object"):
        rows_of([1], "userTrades")
