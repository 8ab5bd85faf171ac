"""REST statistics parsing: REAL recorded values where they exist (the 2023 markPrice@1s
capture, the funding CSV), Binance's documented shapes where no capture exists."""

from __future__ import annotations

import json

import pytest

from scalplab.data.adapters.binance.rest_schemas import (
    parse_funding_rates,
    parse_long_short_ratios,
    parse_open_interest,
    parse_open_interest_hist,
    parse_premium_index,
)
from scalplab.data.adapters.binance.schemas import MessageError
from scalplab.data.market_events import OpenInterest
from scalplab.data.market_stats import FundingRate, LongShortRatio, OpenInterestStat, PremiumIndex
from tests.data.adapters.binance.documented import (
    OPEN_INTEREST_HIST,
    TOP_POSITIONS,
    open_interest_answers,
)
from tests.data.adapters.binance.recorded import capture

MARKS = [
    json.loads(text)["data"]
    for text in capture("hftbacktest_usdm_btcusdt_20230404.dat.gz")
    if "markPriceUpdate" in text
]


def premium_answer(data: dict[str, object]) -> dict[str, object]:
    """A recorded markPriceUpdate in the `/fapi/v1/premiumIndex` shape."""
    return {"symbol": data["s"], "markPrice": data["p"], "indexPrice": data["i"],
            "estimatedSettlePrice": data["P"], "lastFundingRate": data["r"],
            "interestRate": "0.00010000", "nextFundingTime": data["T"],
            "time": data["E"]}  # fmt: skip


def test_a_premium_index_from_the_recorded_mark_price() -> None:
    first = MARKS[0]
    assert parse_premium_index(premium_answer(first), "BTCUSDT") == [
        PremiumIndex("BTCUSDT", 28147.27373413, 28159.75642857, 28142.15563565, 0.00002754,
                     0.0001, 1680652800000, 1680652701000)
    ]  # fmt: skip
    every = parse_premium_index([premium_answer(m) for m in MARKS[:3]])
    assert [p.time for p in every] == [m["E"] for m in MARKS[:3]]
    delivery = {**premium_answer(first), "symbol": "BTCUSDT_230630", "lastFundingRate": "",
                "interestRate": "", "nextFundingTime": 0}  # fmt: skip
    [quarterly] = parse_premium_index([delivery])
    assert quarterly.last_funding_rate is None and quarterly.interest_rate is None


def test_funding_rates_negative_and_without_a_mark_price() -> None:
    rows = [
        {"symbol": "BTCUSDT", "fundingTime": 1741334400001, "fundingRate": "-0.00001539",
         "markPrice": "86655.1"},
        {"symbol": "BTCUSDT", "fundingTime": 1741363200000, "fundingRate": "0.00002028",
         "markPrice": ""},
        {"symbol": "BTCUSDT", "fundingTime": 1741392000000, "fundingRate": "0.00005328"},
    ]  # fmt: skip
    assert parse_funding_rates(rows, "BTCUSDT") == [
        FundingRate("BTCUSDT", 1741334400001, -0.00001539, 86655.1),
        FundingRate("BTCUSDT", 1741363200000, 0.00002028, None),
        FundingRate("BTCUSDT", 1741392000000, 0.00005328, None),
    ]


def test_documented_open_interest_and_statistics() -> None:
    assert parse_open_interest(open_interest_answers()[0], "BTCUSDT") == OpenInterest(
        "BTCUSDT", 10659.509, 1589437530011
    )
    assert parse_open_interest_hist(OPEN_INTEREST_HIST)[0] == OpenInterestStat(
        "BTCUSDT", 20403.637, 150570784.07809979, 1583127900000
    )
    assert parse_long_short_ratios(TOP_POSITIONS, "top_positions")[0] == LongShortRatio(
        "BTCUSDT", "top_positions", 1.4342, 0.5891, 0.4108, 1583139600000
    )
    coin_margined = {"symbol": "BTCUSD_PERP", "longShortRatio": "0.7869",
                     "longPosition": "0.6442", "shortPosition": "0.4404",
                     "timestamp": 1592870400000}  # fmt: skip
    [ratio] = parse_long_short_ratios([coin_margined], "top_positions")
    assert (ratio.long_share, ratio.short_share, ratio.time) == (0.6442, 0.4404, 1592870400000)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("not json", "openInterest answer is not an object"),
        ({"openInterest": "1", "symbol": "BTCUSDT"}, "missing time"),
        ({"openInterest": "nan", "symbol": "BTCUSDT", "time": 1}, "not a finite number"),
        ({"openInterest": True, "symbol": "BTCUSDT", "time": 1}, "not a number"),
        ({"openInterest": "1", "symbol": "BTC USDT", "time": 1}, "symbol 'BTC USDT'"),
        ({"openInterest": "1", "symbol": "BTCUSDT", "time": "soon"}, "not a time in ms"),
        ({"openInterest": "1", "symbol": "BTCUSDT", "time": -5}, "not a time in ms"),
        ({"openInterest": "1", "symbol": "ETHUSDT", "time": 1}, "about 'ETHUSDT'"),
    ],
)
def test_malformed_open_interest_is_a_one_line_message_error(payload: object, message: str) -> None:
    with pytest.raises(MessageError, match=message) as raised:
        parse_open_interest(payload, "BTCUSDT")
    assert "\n" not in str(raised.value)


def test_malformed_statistics_quote_only_a_snippet() -> None:
    huge = [{**OPEN_INTEREST_HIST[0], "sumOpenInterest": "x" * 100_000}]
    with pytest.raises(MessageError, match="sumOpenInterest is not a number") as raised:
        parse_open_interest_hist(huge)
    assert len(str(raised.value)) < 300
    with pytest.raises(MessageError, match="row 3"):
        parse_long_short_ratios([3], "global_accounts")
    with pytest.raises(MessageError, match="fundingRate is not a rate"):
        parse_funding_rates([{"symbol": "BTCUSDT", "fundingTime": 1, "fundingRate": "1.5"}])
    with pytest.raises(MessageError, match="markPrice is negative"):
        parse_premium_index({**premium_answer(MARKS[0]), "markPrice": "-1"}, "BTCUSDT")
