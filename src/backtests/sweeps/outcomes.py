"""What a sweep's windows produced, as the ranking and the summary read it."""

from __future__ import annotations

from dataclasses import dataclass, field

from scalplab.backtests.sweeps.records import TrialOutcome, TrialPath, TrialScore
from scalplab.backtests.sweeps.space import ParamValue
from scalplab.backtests.sweeps.walkforward import WindowPlan


@dataclass
class Screened:
    """A screened trial as the window's ranking sees it."""

    number: int
    params: dict[str, ParamValue]
    objective: float | None
    score: TrialScore | None
    path: TrialPath


@dataclass
class WindowResult:
    """What one window produced."""

    plan: WindowPlan
    screened: list[Screened] = field(default_factory=list)
    verifications: list[TrialOutcome] = field(default_factory=list)
    best: Screened | None = None
    test: TrialOutcome | None = None
