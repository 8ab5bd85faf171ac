"""Strategy plugins: the `SignalStrategy` base, the registry and one module per strategy."""
