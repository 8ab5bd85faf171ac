"""Market data: exchange adapters, candle and funding stores, validators, Backtrader feeds."""
