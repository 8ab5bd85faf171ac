"""Trials as Ray tasks: the same sweep on a Ray cluster (`--engine ray`, `RAY_ADDRESS`).

The driver loads each window's data from the stores once and puts it in Ray's object store
once; one actor per CPU of the cluster holds a `TrialRunner` and fetches a window's data
from the store the first time a task of that window reaches it. At most two tasks are in
flight per actor, so a cancelled sweep stops within two trials per CPU. Every trial is
deterministic, so the sweep's result is the same on any engine.

On a multi-node cluster every node needs ScalpLab installed (the same version), and a
plugin from `STRATEGIES_DIR` must be importable there too; the data directory need not be
shared. Without `RAY_ADDRESS` a Ray instance local to the sweep is started and stopped
with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from scalplab.backtests.sweeps.engines import IN_FLIGHT_PER_WORKER, research_settings, stamped
from scalplab.backtests.sweeps.records import TrialOutcome, TrialTask, Window
from scalplab.backtests.sweeps.trials import TrialRunner
from scalplab.config import Settings
from scalplab.errors import InputError
from scalplab.orders.runs import RunRequest

_ADDRESS = re.compile(r"^(auto|local|(ray://)?[A-Za-z0-9._-]+:\d{1,5})$")


def check_ray_address(address: str | None) -> None:
    """Refuse, before any work starts, a `RAY_ADDRESS` that is malformed or not answering."""
    if not address:
        _ray()
        return
    if not _ADDRESS.match(address):
        raise InputError(f"RAY_ADDRESS {address!r} must be auto, local or host:port")
    if address in ("auto", "local"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    import socket

    try:
        with socket.create_connection((host, int(port)), timeout=3):
            pass
    except OSError as exc:
        raise InputError(
            f"Ray cluster at {address} is unreachable: {exc.strerror or exc}"
        ) from None


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise InputError("--engine ray needs Ray: pip install 'scalplab[ray]'") from None
    return ray


class _Worker:
    """The actor body: one `TrialRunner` per actor, data fetched once per window."""

    def __init__(self, base: RunRequest, settings: Settings) -> None:
        self.runner = TrialRunner(base, settings)

    def run(self, task: TrialTask, data: list[Any]) -> TrialOutcome:
        windows = [task.window] if task.in_sample is None else [task.window, task.in_sample]
        for window, ref in zip(windows, data, strict=True):
            if not self.runner.has(window):
                self.runner.preload(window, _ray().get(ref))
        return stamped(self.runner.run(task))


class RayEngine:
    """Runs tasks on Ray actors, one per CPU of the cluster (at most `workers` on a local
    instance)."""

    def __init__(
        self, base: RunRequest, settings: Settings, workers: int, address: str | None
    ) -> None:
        ray = _ray()
        check_ray_address(address)
        self._ray = ray
        self._owned = not ray.is_initialized()
        if self._owned:
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "logging_level": "ERROR",
            }
            if address:
                ray.init(address=address, **options)
            else:
                ray.init(num_cpus=workers, **options)
        cpus = int(ray.cluster_resources().get("CPU", workers))
        self.workers = max(1, cpus if address else min(cpus, workers))
        self._base = base
        self._loader = TrialRunner(base, settings)
        actor = ray.remote(num_cpus=1)(_Worker)
        clean = research_settings(settings)
        self._actors = [actor.remote(base, clean) for _ in range(self.workers)]
        self._data: dict[Window, Any] = {}

    def _ref(self, window: Window) -> Any:
        ref = self._data.get(window)
        if ref is None:
            ref = self._ray.put(self._loader.load(window))
            self._data[window] = ref
        return ref

    def run(self, tasks: Sequence[TrialTask]) -> Iterator[TrialOutcome]:
        """Outcomes as they finish, at most two tasks in flight per actor."""
        ray = self._ray
        pending = list(reversed(tasks))
        busy: dict[Any, int] = {}
        load = [0] * len(self._actors)
        try:
            while pending or busy:
                for index in range(len(self._actors)):
                    while pending and load[index] < IN_FLIGHT_PER_WORKER:
                        task = pending.pop()
                        windows = [task.window]
                        if task.in_sample is not None:
                            windows.append(task.in_sample)
                        refs = [self._ref(window) for window in windows]
                        ref = self._actors[index].run.remote(task, refs)
                        busy[ref] = index
                        load[index] += 1
                [done], _ = ray.wait(list(busy), num_returns=1)
                load[busy.pop(done)] -= 1
                yield ray.get(done)
        finally:
            for ref in busy:
                ray.cancel(ref)

    def close(self) -> None:
        """Release the actors; stop the Ray instance when this engine started it."""
        for actor in self._actors:
            self._ray.kill(actor)
        self._actors = []
        if self._owned:
            self._ray.shutdown()
