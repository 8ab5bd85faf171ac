"""`JobEnds`: waiters woken from the worker's callback thread, timeouts, clean-up."""

from __future__ import annotations

import asyncio
import threading

from scalplab.services.job_ends import JobEnds


def test_an_end_reported_from_another_thread_wakes_only_that_jobs_waiters() -> None:
    ends = JobEnds()

    async def scenario() -> tuple[bool, bool, float]:
        loop = asyncio.get_running_loop()
        async with ends.watch("a") as first, ends.watch("a") as second, ends.watch("b") as other:
            assert ends.waiting() == 3
            loop.call_later(0.05, lambda: threading.Thread(target=ends.notify, args=("a",)).start())
            started = loop.time()
            woke = await first.wait(5.0) and await second.wait(5.0)
            elapsed = loop.time() - started
            still = await other.wait(0.05)
        return woke, still, elapsed

    woke, still, elapsed = asyncio.run(scenario())
    assert woke and not still
    assert elapsed < 2.0
    assert ends.waiting() == 0


def test_a_wait_without_an_end_times_out_and_a_late_end_is_harmless() -> None:
    ends = JobEnds()

    async def scenario() -> bool:
        async with ends.watch("job") as end:
            return await end.wait(0.05)

    assert asyncio.run(scenario()) is False
    assert ends.waiting() == 0
    ends.notify("job")  # nobody waits any more
    ends.notify("unknown")
