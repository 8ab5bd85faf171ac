"""Running a planned sweep: screen every window's trials, verify the fast path, test the best.

Per window: the sampler proposes batches; each trial runs on the engine (the compiled fast
path when the plugin has one, Backtrader otherwise) and is stored as it finishes. Then the
top `verify_top` screened trials and a seeded random sample of the rest are re-run through
Backtrader and compared trade by trade: any difference marks the sweep's fast results as not
valid. In a walk-forward the window's best params then run on its test range (and, through
Backtrader, on its train range again for the in-sample go-live gates). Tasks stored
by an earlier, interrupted run of the same sweep are read back, not run again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from typing import Any

from scalplab.backtests.sweeps.engines import Engine
from scalplab.backtests.sweeps.outcomes import Screened, WindowResult
from scalplab.backtests.sweeps.planning import SweepPlan
from scalplab.backtests.sweeps.records import (
    TrialOutcome,
    TrialScore,
    TrialTask,
    Window,
    params_key,
)
from scalplab.backtests.sweeps.samplers import Proposer
from scalplab.backtests.sweeps.store import StoredTrial, SweepStore
from scalplab.backtests.sweeps.summary import summarise
from scalplab.backtests.sweeps.walkforward import WindowPlan
from scalplab.config import Settings
from scalplab.errors import ScalpLabError
from scalplab.orders.runs import run_settings
from scalplab.storage.models_research import SweepWindow
from scalplab.timeutil import from_ms

CANCEL_POLL_S = 0.5
"""How often the cancel flag is read while tasks finish."""


class SweepCancelledError(ScalpLabError):
    """Someone asked the sweep to stop; what is stored stays, and it can resume."""


class Sweeper:
    """Runs one sweep on one engine, storing every task as it finishes."""

    def __init__(
        self,
        sweep_id: str,
        plan: SweepPlan,
        store: SweepStore,
        engine: Engine,
        settings: Settings,
        on_task: Callable[[int, int], None] | None = None,
    ) -> None:
        self.sweep_id = sweep_id
        self.plan = plan
        self.store = store
        self.engine = engine
        self.settings = settings
        self.on_task = on_task
        self.done = 0
        self.workers: dict[str, float] = {}
        self._last_poll = 0.0

    def run(self) -> dict[str, Any]:
        """Run (or resume) the sweep; returns its summary. `SweepCancelledError` when stopped."""
        started = time.perf_counter()
        self.store.start(self.sweep_id, self.plan.tasks_total)
        stored = self.store.trials(self.sweep_id)
        results = [self._window(plan, stored) for plan in self.plan.windows]
        return summarise(
            self.plan,
            results,
            run_settings(self.settings, self.plan.request.run).initial_capital,
            self.workers,
            time.perf_counter() - started,
        )

    def _window(self, plan: WindowPlan, stored: list[StoredTrial]) -> WindowResult:
        known = {(t.kind, t.number): t for t in stored if t.window == plan.index}
        result = WindowResult(plan)
        request = self.plan.request
        proposer = Proposer(
            self.plan.space,
            request.sampler,
            self.plan.trials_per_window,
            request.seed + 7919 * plan.index,
            self.plan.maximize,
        )
        by_key: dict[str, Screened] = {}
        while not proposer.exhausted:
            tasks: list[TrialTask] = []
            for proposal in proposer.propose():
                task = TrialTask(
                    "screen", plan.train, proposal.number, proposal.params, request.fast_path
                )
                seen = known.get(("screen", proposal.number))
                twin = by_key.get(params_key(proposal.params))
                if seen is not None:
                    self._count()
                    self._add(result, by_key, _screened(seen), proposer)
                elif twin is not None:  # a sampler may propose a set twice: same result
                    copy = replace(twin, number=proposal.number)
                    self.store.add_trial(
                        self.sweep_id,
                        proposal.number,
                        TrialOutcome(task, twin.score, twin.path, None, 0.0),
                        twin.objective,
                    )
                    self._count()
                    self._add(result, by_key, copy, proposer)
                else:
                    tasks.append(task)
            for outcome in self._run(tasks):
                objective = self._objective(outcome.score)
                self.store.add_trial(self.sweep_id, outcome.task.number, outcome, objective)
                screened = Screened(
                    outcome.task.number,
                    dict(outcome.task.params),
                    objective,
                    outcome.score,
                    outcome.path,
                )
                self._add(result, by_key, screened, proposer)
        result.screened.sort(key=lambda s: s.number)
        result.best = self._best(result.screened)
        result.verifications = self._verify(plan.train, result.screened, known)
        if plan.test is not None and result.best is not None:
            result.test = self._test(plan.test, plan.train, result.best, known)
        if plan.test is not None:
            self.store.save_window(self.sweep_id, _window_row(result))
        return result

    def _add(
        self,
        result: WindowResult,
        by_key: dict[str, Screened],
        screened: Screened,
        proposer: Proposer,
    ) -> None:
        result.screened.append(screened)
        by_key.setdefault(params_key(screened.params), screened)
        proposer.tell(screened.number, screened.objective)

    def _objective(self, score: TrialScore | None) -> float | None:
        return None if score is None else score.objective(self.plan.request.objective)

    def _best(self, screened: list[Screened]) -> Screened | None:
        ranked = [s for s in screened if s.objective is not None]
        if not ranked:
            return None
        sign = 1.0 if self.plan.maximize else -1.0
        return max(ranked, key=lambda s: (sign * (s.objective or 0.0), -s.number))

    def _verify(
        self, window: Window, screened: list[Screened], known: dict[tuple[str, int], StoredTrial]
    ) -> list[TrialOutcome]:
        fast = [s for s in screened if s.path == "fast" and s.score is not None]
        if not fast:
            return []
        request = self.plan.request
        sign = 1.0 if self.plan.maximize else -1.0
        ranked = sorted(
            fast,
            key=lambda s: (s.objective is None, -sign * (s.objective or 0.0), s.number),
        )
        chosen = ranked[: request.verify_top]
        rest = ranked[request.verify_top :]
        sample = random.Random(request.seed + window.index).sample(
            rest, min(request.verify_sample, len(rest))
        )
        outcomes: list[TrialOutcome] = []
        tasks: list[TrialTask] = []
        for s in chosen + sorted(sample, key=lambda s: s.number):
            seen = known.get(("verify", s.number))
            task = TrialTask("verify", window, s.number, s.params)
            if seen is not None:
                self._count()
                outcomes.append(
                    TrialOutcome(
                        task,
                        seen.score,
                        "backtrader",
                        seen.error,
                        seen.duration_ms,
                        seen.verification,
                    )
                )
            else:
                tasks.append(task)
        for outcome in self._run(tasks):
            self.store.add_trial(
                self.sweep_id, outcome.task.number, outcome, self._objective(outcome.score)
            )
            outcomes.append(outcome)
        return sorted(outcomes, key=lambda o: o.task.number)

    def _test(
        self,
        window: Window,
        train: Window,
        best: Screened,
        known: dict[tuple[str, int], StoredTrial],
    ) -> TrialOutcome:
        task = TrialTask("test", window, best.number, best.params, in_sample=train)
        [outcome] = list(self._run([task]))
        if ("test", best.number) not in known:
            self.store.add_trial(
                self.sweep_id, best.number, outcome, self._objective(outcome.score)
            )
        return outcome

    def _run(self, tasks: list[TrialTask]) -> Iterator[TrialOutcome]:
        """Outcomes as the engine finishes them; the caller stores each before the next."""
        if not tasks:
            return
        for outcome in self.engine.run(tasks):
            if outcome.worker is not None and outcome.worker_rss_mb is not None:
                self.workers[outcome.worker] = max(
                    self.workers.get(outcome.worker, 0.0), outcome.worker_rss_mb
                )
            yield outcome
            self._count()

    def _count(self) -> None:
        self.done += 1
        self.store.progress(self.sweep_id, self.done, self.plan.tasks_total)
        if self.on_task is not None:
            self.on_task(self.done, self.plan.tasks_total)
        now = time.monotonic()
        if now - self._last_poll >= CANCEL_POLL_S:
            self._last_poll = now
            if self.store.cancel_requested(self.sweep_id):
                raise SweepCancelledError(f"sweep {self.sweep_id} was cancelled")


def _screened(stored: StoredTrial) -> Screened:
    return Screened(stored.number, stored.params, stored.objective, stored.score, stored.path)


def _window_row(result: WindowResult) -> SweepWindow:
    plan = result.plan
    best, test = result.best, result.test
    return SweepWindow(
        window=plan.index,
        train_start=from_ms(plan.train.start_ms),
        train_end=from_ms(plan.train.end_ms),
        test_start=None if plan.test is None else from_ms(plan.test.start_ms),
        test_end=None if plan.test is None else from_ms(plan.test.end_ms),
        best_number=None if best is None else best.number,
        best_params=None if best is None else dict(best.params),
        train_score=None if best is None or best.score is None else asdict(best.score),
        test_score=None if test is None or test.score is None else asdict(test.score),
    )
