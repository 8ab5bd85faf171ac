"""Compiled (numba) building blocks of the strategies' vectorised signal rules.

Imported only when a vectorised form is asked for, so discovering the plugins never
loads numba. Every routine reproduces Backtrader's arithmetic operation for operation
(`math.fsum` windows, its smoothing recursions), so a vectorised rule decides exactly
what the Backtrader plugin decides, down to crosses at near-equality.
"""
