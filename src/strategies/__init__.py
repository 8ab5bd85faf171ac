"""The strategy plugin contract: `from scalplab.strategies import SignalStrategy, Signal`.

Everything a plugin needs is exported here; the registry, the built-in plugins and
the base class's plumbing live in the modules of this package.
"""

from scalplab.strategies.base import SignalStrategy, finite
from scalplab.strategies.params import ParamInfo
from scalplab.strategies.signal import Side, Signal

__all__ = ["ParamInfo", "Side", "Signal", "SignalStrategy", "finite"]
