"""Binance error codes in words, and which exception says what a caller must do."""

from __future__ import annotations

import pytest

from scalplab.data.adapters.binance.order_errors import (
    BinanceRejected,
    ClockSkew,
    OutcomeUnknown,
    reason_for,
)
from scalplab.errors import InputError, TemporaryError


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (-1021, "outside the receive window (clock skew)"),
        (-1022, "signature is not valid (wrong API secret)"),
        (-2014, "API key format is not valid"),
        (-2015, "wrong key, permission or account type"),
        (-2019, "margin is insufficient"),
        (-4164, "notional is under the symbol's minimum"),
        (-2021, "would immediately trigger"),
        (-2022, "reduce-only order was rejected"),
        (-5022, "post-only order would take liquidity"),
        (-4120, "must be sent through the algo-order API"),
        (-1111, "more decimals than the symbol allows (precision)"),
        (-4116, "client order id is already used (duplicate)"),
        (-2011, "unknown order (nothing to cancel)"),
        (-2013, "the order does not exist"),
        (-1015, "too many new orders"),
        (-1125, "the listenKey does not exist"),
        (-4046, "margin type is already the one asked for"),
        (-4059, "position mode is already the one asked for"),
        (-1006, "the outcome is unknown"),
        (-1007, "timed out; the outcome is unknown"),
    ],
)
def test_every_code_the_platform_meets_reads_in_words(code: int, words: str) -> None:
    assert words in reason_for(code, "whatever Binance said")


def test_an_unknown_code_keeps_binances_message_on_one_line() -> None:
    assert reason_for(-9999, "Something\n  odd   happened") == "Something odd happened"
    assert reason_for(-9999, "") == "Binance error -9999"
    assert len(reason_for(-9999, "x" * 1000)) == 160


def test_a_rejection_is_definitive_and_says_why_in_one_line() -> None:
    refused = BinanceRejected(-2019, "Margin is insufficient.")
    assert str(refused) == "Binance refused the order: margin is insufficient (-2019)"
    assert (refused.code, refused.binance_message, refused.reason) == (
        -2019, "Margin is insufficient.", "margin is insufficient")  # fmt: skip
    assert isinstance(refused, InputError) and not refused.is_credentials
    keys = BinanceRejected(-2015, "Invalid API-key, IP, or permissions for action.",
                           what="the positions")  # fmt: skip
    assert keys.is_credentials and str(keys).startswith("Binance refused the positions: ")
    multi = BinanceRejected(-1, "line one\nline two")
    assert "\n" not in str(multi) and multi.binance_message == "line one line two"


def test_clock_skew_is_a_rejection_and_an_unknown_outcome_a_temporary_error() -> None:
    skew = ClockSkew(-1021, "Timestamp for this request is outside of the recvWindow.")
    assert isinstance(skew, BinanceRejected) and skew.code == -1021
    unknown = OutcomeUnknown("the order BTCUSDT e-1-entry", "ReadTimeout after sending")
    assert isinstance(unknown, TemporaryError) and unknown.code is None
    assert str(unknown) == (
        "Binance did not say whether the order BTCUSDT e-1-entry was accepted "
        "(ReadTimeout after sending); look it up by its client id before sending it again"
    )
    assert OutcomeUnknown("x", "HTTP 408, code -1007", code=-1007).code == -1007
