"""Backtests: the Cerebro runner, metrics, integrity checks, result storage and CLI."""
