"""ScalpLab: research and paper trading for Binance USDT-M perpetual futures."""

__version__ = "0.1.0"
