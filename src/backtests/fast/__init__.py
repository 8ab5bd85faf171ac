"""The fast screening path: a compiled simulation of the Backtrader path's execution semantics.

Parameter sweeps screen thousands of trials here (`run_fast`), on the plugins that
give a vector form of their signal rule (`SignalStrategy.vector_signals`), and check
the winners against Cerebro (`verify`): the two must give the same trades and the same
P&L. Importing this package loads numba.
"""

from scalplab.backtests.fast.model import (
    FastPathUnsupported,
    FastResult,
    FastTrade,
    to_result_trades,
)
from scalplab.backtests.fast.runner import FastSetup, run_fast, simulate
from scalplab.backtests.fast.verify import Verification, verify

__all__ = [
    "FastPathUnsupported",
    "FastResult",
    "FastSetup",
    "FastTrade",
    "Verification",
    "run_fast",
    "simulate",
    "to_result_trades",
    "verify",
]
