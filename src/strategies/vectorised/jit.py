"""`compiled`: numba's nopython compilation with an on-disk cache, typed for mypy.

Functions keep their Python signature for the type checker; numba compiles them on
first call (or loads the cached machine code written beside the module). Strict
IEEE arithmetic is kept (no `fastmath`, no fused multiply-add), so a compiled
expression gives the bits the same Python expression gives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

Function = TypeVar("Function", bound=Callable[..., Any])


def compiled(function: Function) -> Function:
    """`function` compiled by numba in nopython mode, its machine code cached on disk."""
    return cast(Function, numba.njit(cache=True)(function))
