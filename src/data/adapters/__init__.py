"""Venue adapters, one package per venue, in nautilus_trader's shape."""
