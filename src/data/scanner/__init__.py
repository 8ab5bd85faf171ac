"""Seed 002's market scanner (FEATURES.md B.1): every USDT-M perpetual scored on 24 h
volume, spread, ATR(14, 15m) % and 24 h change from Binance REST; the pairs worth
trading are the qualified ones.

`MarketScanner` (`scanner.py`) refreshes a `ScanResult` (`result.py`); the thresholds and
the score are in `score.py`, the kline cache in `klines.py`, `scalplab scan` in `cli.py`.
"""

from scalplab.data.scanner.result import LeftOut, ScannerRow, ScanResult
from scalplab.data.scanner.scanner import MarketScanner
from scalplab.data.scanner.score import ScannerParams, Score, opportunity_score

__all__ = [
    "LeftOut",
    "MarketScanner",
    "ScanResult",
    "ScannerParams",
    "ScannerRow",
    "Score",
    "opportunity_score",
]
