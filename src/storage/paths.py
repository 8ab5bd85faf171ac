"""Where every file ScalpLab stores lives under `DATA_DIR` (the one place that knows)."""

from __future__ import annotations

import re
from pathlib import Path

from scalplab.errors import snippet

_SAFE = re.compile(r"^[A-Za-z0-9_.-]+$")


def _part(value: str, what: str) -> str:
    """One path component, refused if it could escape the data directory."""
    if not _SAFE.match(value) or value in {".", ".."}:
        raise ValueError(f"invalid {what}: {snippet(value)}")
    return value


def candle_path(data_dir: Path, exchange: str, symbol: str, tf: str) -> Path:
    """`candles/{exchange}/{symbol}/{tf}.parquet`."""
    return (
        data_dir
        / "candles"
        / _part(exchange, "exchange")
        / _part(symbol, "symbol")
        / f"{_part(tf, 'timeframe')}.parquet"
    )


def funding_path(data_dir: Path, exchange: str, symbol: str) -> Path:
    """`funding/{exchange}/{symbol}.parquet`."""
    return data_dir / "funding" / _part(exchange, "exchange") / f"{_part(symbol, 'symbol')}.parquet"


def symbol_rules_path(data_dir: Path, exchange: str) -> Path:
    """`symbols/{exchange}/exchange_info.json`: the cached exchangeInfo symbol rules."""
    return data_dir / "symbols" / _part(exchange, "exchange") / "exchange_info.json"


def backtest_result_path(
    data_dir: Path, date: str, pair: str, strategy: str, tf: str, result_id: str
) -> Path:
    """`backtests/{date}/{pair}_{strategy}_{tf}_{id}.json`."""
    name = "_".join(
        (
            _part(pair, "pair"),
            _part(strategy, "strategy"),
            _part(tf, "timeframe"),
            _part(result_id, "id"),
        )
    )
    return data_dir / "backtests" / _part(date, "date") / f"{name}.json"
