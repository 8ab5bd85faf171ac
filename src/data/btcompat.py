"""Backtrader 1.9.78 on Python ≥ 3.10: the one incompatibility, fixed on our side.

`LineIterator.bindlines()` tests `isinstance(x, collections.Iterable)`, an alias
removed from `collections` in Python 3.10 (it lives in `collections.abc`). We never
edit site-packages; instead, importing this module (done by every module that
hands Backtrader our objects) restores the alias, the same object as
`collections.abc.Iterable`, so Backtrader's check behaves exactly as intended.
"""

from __future__ import annotations

import collections
import collections.abc


def install() -> None:
    """Make `collections.Iterable` resolve to `collections.abc.Iterable` (idempotent)."""
    if not hasattr(collections, "Iterable"):
        collections.Iterable = collections.abc.Iterable  # type: ignore[attr-defined]


install()
