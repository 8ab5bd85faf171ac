"""Symbol rules from the REAL recorded exchangeInfo responses, and the rules cache."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from scalplab.data.symbols import RulesStore, SymbolRules, normalize_symbol, parse_exchange_info
from scalplab.errors import DataError, InputError, NotFoundError
from tests.data.conftest import EXCHANGE_INFO, SPOT_EXCHANGE_INFO


@pytest.fixture(scope="module")
def wrapped() -> dict[str, Any]:
    return json.loads(EXCHANGE_INFO.read_text())


def test_parse_wrapped_and_raw(wrapped: dict[str, Any]) -> None:
    rules = parse_exchange_info(wrapped)
    assert rules == parse_exchange_info(wrapped["response"])
    assert len(rules) == 122
    assert rules["BTCUSDT"] == SymbolRules(
        symbol="BTCUSDT",
        tick_size=Decimal("0.01"),
        step_size=Decimal("0.001"),
        min_qty=Decimal("0.001"),
        min_notional=Decimal("5"),
        price_precision=2,
        quantity_precision=3,
        max_qty=Decimal("1000"),
        market_max_qty=Decimal("1000"),
    )
    assert str(rules["BTCUSDT"].min_notional) == "5"
    assert "BTCUSDT_210924" in rules


def test_decimals_are_normalised_without_exponents(wrapped: dict[str, Any]) -> None:
    rules = parse_exchange_info(wrapped)
    for item in rules.values():
        for value in (item.tick_size, item.step_size, item.min_qty, item.min_notional):
            assert isinstance(value, Decimal)
            assert "E" not in str(value)
            assert str(value) == str(value.normalize()) or value == value.to_integral_value()
    whole = [r for r in rules.values() if r.step_size >= 1]
    assert whole and all(str(r.step_size) == "1" for r in whole)


def test_spot_payload_uses_min_notional_field() -> None:
    rules = parse_exchange_info(json.loads(SPOT_EXCHANGE_INFO.read_text()))
    assert rules["BTCUSDT"].tick_size == Decimal("0.01")
    assert rules["BTCUSDT"].min_notional == Decimal("10")


def test_max_quantities_from_lot_size_and_market_lot_size(wrapped: dict[str, Any]) -> None:
    rules = parse_exchange_info(wrapped)
    # BCHUSDT, 2021-07-22: LOT_SIZE maxQty "10000", MARKET_LOT_SIZE maxQty "1000"
    bch = rules["BCHUSDT"]
    assert (bch.max_qty, bch.market_max_qty) == (Decimal("10000"), Decimal("1000"))
    assert bch.max_qty_for("market") == Decimal("1000")
    for kind in ("limit", "stop_market", "stop_limit", "trailing_stop"):
        assert bch.max_qty_for(kind) == Decimal("10000")
    # spot BTCUSDT, 2021-10-12: LOT_SIZE maxQty "9000.00000000", MARKET_LOT_SIZE
    # maxQty "100.05381873"
    spot = parse_exchange_info(json.loads(SPOT_EXCHANGE_INFO.read_text()))
    assert spot["BTCUSDT"].max_qty == Decimal("9000")
    assert str(spot["BTCUSDT"].market_max_qty) == "100.05381873"
    # spot BCCBTC has no MARKET_LOT_SIZE filter: unknown; a market order falls back to
    # LOT_SIZE's maxQty "92141578.00000000"
    assert spot["BCCBTC"].market_max_qty is None
    assert spot["BCCBTC"].max_qty_for("market") == Decimal("92141578")


def test_missing_max_quantities_are_unknown(wrapped: dict[str, Any]) -> None:
    body = json.loads(json.dumps(wrapped["response"]))
    entry = next(e for e in body["symbols"] if e["symbol"] == "BTCUSDT")
    entry["filters"] = [f for f in entry["filters"] if f["filterType"] != "MARKET_LOT_SIZE"]
    lot = next(f for f in entry["filters"] if f["filterType"] == "LOT_SIZE")
    del lot["maxQty"]
    btc = parse_exchange_info(body)["BTCUSDT"]
    assert (btc.max_qty, btc.market_max_qty) == (None, None)
    assert btc.max_qty_for("market") is None and btc.max_qty_for("limit") is None
    assert btc.step_size == Decimal("0.001")


def test_incomplete_symbols_are_skipped(wrapped: dict[str, Any]) -> None:
    body = json.loads(json.dumps(wrapped["response"]))
    body["symbols"][0]["filters"] = [
        f for f in body["symbols"][0]["filters"] if f["filterType"] != "LOT_SIZE"
    ]
    body["symbols"][1]["pricePrecision"] = None
    body["symbols"].append("junk")
    rules = parse_exchange_info(body)
    assert len(rules) == 120
    assert body["symbols"][0]["symbol"] not in rules


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "must be a JSON object"),
        ({"response": {"foo": 1}}, "no `symbols` list"),
        ({"symbols": []}, "no symbol with complete trading rules"),
    ],
)
def test_bad_payloads(payload: Any, message: str) -> None:
    with pytest.raises(DataError, match=message):
        parse_exchange_info(payload)


def test_bad_filter_values(wrapped: dict[str, Any]) -> None:
    body = json.loads(json.dumps(wrapped["response"]))
    body["symbols"] = body["symbols"][:1]
    body["symbols"][0]["filters"][0]["tickSize"] = "abc"
    with pytest.raises(DataError, match="no symbol with complete"):
        parse_exchange_info(body)


def test_rules_store_roundtrip(tmp_path: Path, wrapped: dict[str, Any]) -> None:
    store = RulesStore(tmp_path)
    assert not store.exists() and store.symbols() == []
    with pytest.raises(
        NotFoundError, match=r"^no symbol rules for BTCUSDT; run `scalplab data rules`$"
    ):
        store.get("BTCUSDT")
    assert store.save_exchange_info(wrapped) == 122
    assert store.path == tmp_path / "symbols" / "binance" / "exchange_info.json"
    assert store.get("btcusdt").tick_size == Decimal("0.01")
    assert RulesStore(tmp_path).get("ETHUSDT") == parse_exchange_info(wrapped)["ETHUSDT"]
    assert len(store.symbols()) == 122
    with pytest.raises(NotFoundError, match="no symbol rules for NOSUCHUSDT"):
        store.get("NOSUCHUSDT")
    document = json.loads(store.path.read_text())
    assert document["server_time_ms"] == 1626858243909
    assert document["symbols"]["BTCUSDT"]["min_notional"] == "5"
    assert document["symbols"]["BCHUSDT"]["max_qty"] == "10000"
    assert document["symbols"]["BCHUSDT"]["market_max_qty"] == "1000"
    assert RulesStore(tmp_path).get("BCHUSDT") == parse_exchange_info(wrapped)["BCHUSDT"]
    assert not [p for p in store.path.parent.iterdir() if p.name.endswith(".tmp")]


def test_old_cache_without_max_quantities_still_loads(
    tmp_path: Path, wrapped: dict[str, Any]
) -> None:
    RulesStore(tmp_path).save_exchange_info(wrapped)
    store = RulesStore(tmp_path)
    document = json.loads(store.path.read_text())
    for entry in document["symbols"].values():
        del entry["max_qty"], entry["market_max_qty"]
    store.path.write_text(json.dumps(document))
    assert store.get("BCHUSDT") == SymbolRules(
        symbol="BCHUSDT",
        tick_size=Decimal("0.01"),
        step_size=Decimal("0.001"),
        min_qty=Decimal("0.001"),
        min_notional=Decimal("5"),
        price_precision=2,
        quantity_precision=3,
    )
    assert store.get("BCHUSDT").max_qty is None
    assert store.get("BCHUSDT").market_max_qty is None


def test_failed_save_keeps_previous_cache(tmp_path: Path, wrapped: dict[str, Any]) -> None:
    store = RulesStore(tmp_path)
    store.save_exchange_info(wrapped)
    before = store.path.read_bytes()
    with pytest.raises(DataError):
        store.save_exchange_info({"symbols": []})
    assert store.path.read_bytes() == before


def test_corrupt_cache_is_data_error(tmp_path: Path) -> None:
    store = RulesStore(tmp_path)
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json")
    with pytest.raises(
        DataError, match=r"^unreadable symbol rules cache: .*run `scalplab data rules`"
    ):
        store.get("BTCUSDT")


@pytest.mark.parametrize("bad", ["", "BTC/USDT", "../x", "b", 42])
def test_normalize_symbol_rejects(bad: Any) -> None:
    with pytest.raises(InputError, match="invalid symbol"):
        normalize_symbol(bad)


def test_normalize_symbol_accepts() -> None:
    assert normalize_symbol(" btcusdt ") == "BTCUSDT"
    assert normalize_symbol("1000SHIBUSDT") == "1000SHIBUSDT"
    assert normalize_symbol("BTCUSDT_210924") == "BTCUSDT_210924"


def test_negative_filter_value_skips_the_symbol(wrapped: dict[str, Any]) -> None:
    body = json.loads(json.dumps(wrapped["response"]))
    body["symbols"][0]["filters"][0]["tickSize"] = "-0.01"
    assert body["symbols"][0]["symbol"] not in parse_exchange_info(body)
