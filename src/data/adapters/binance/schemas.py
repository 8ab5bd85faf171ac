"""Binance payloads turned into the platform's shapes (nautilus' `schemas/`).

Nothing above the adapter sees exchange JSON: klines become the candle store's frame.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scalplab.errors import DataError


def klines_to_frame(rows: list[list[Any]]) -> tuple[pd.DataFrame, np.ndarray]:
    """Raw `/fapi/v1/klines` rows → (candle frame, close times); `DataError` on a bad shape."""
    if not rows:
        return pd.DataFrame(), np.array([], dtype=np.int64)
    try:
        if any(not isinstance(row, list) or len(row) < 11 for row in rows):
            raise ValueError("each kline must be an array of at least 11 fields")
        columns = list(zip(*(row[:11] for row in rows), strict=True))
        frame = pd.DataFrame(
            {
                "open_time": np.array(columns[0], dtype=np.int64),
                "open": np.array(columns[1], dtype=np.float64),
                "high": np.array(columns[2], dtype=np.float64),
                "low": np.array(columns[3], dtype=np.float64),
                "close": np.array(columns[4], dtype=np.float64),
                "volume": np.array(columns[5], dtype=np.float64),
                "quote_volume": np.array(columns[7], dtype=np.float64),
                "trades": np.array(columns[8], dtype=np.int64),
                "taker_buy_volume": np.array(columns[9], dtype=np.float64),
                "taker_buy_quote_volume": np.array(columns[10], dtype=np.float64),
            }
        )
        close_times = np.array(columns[6], dtype=np.int64)
    except (ValueError, TypeError, OverflowError) as exc:
        raise DataError(f"malformed Binance klines response: {exc}") from None
    return frame, close_times
