"""The exchange whose data and rules the stores hold (`data/candles/{exchange}/...`)."""

EXCHANGE = "binance"
"""Binance USDT-M perpetual futures: the one venue ScalpLab trades."""
