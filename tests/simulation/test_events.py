"""The event fan-out: thread-safe publishing, bounded queues that drop the oldest."""

from __future__ import annotations

import asyncio
import threading

from scalplab.simulation.events import EventHub


def test_events_published_from_threads_reach_every_subscriber_in_order() -> None:
    hub = EventHub()

    async def scenario() -> tuple[list[int], list[int]]:
        first, second = hub.subscribe(), hub.subscribe()
        workers = [
            threading.Thread(target=lambda: [hub.publish("signal", {"n": n}) for n in range(50)])
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        a = [(await first.get()).data["n"] for _ in range(50)]
        b = [(await second.get()).data["n"] for _ in range(50)]
        first.close()
        second.close()
        return a, b

    a, b = asyncio.run(scenario())
    assert a == b == list(range(50))
    assert hub.subscribers == 0


def test_a_slow_consumer_loses_the_oldest_events_and_counts_them() -> None:
    hub = EventHub(maxsize=3)

    async def scenario() -> tuple[list[int], int]:
        with hub.subscribe() as slow:
            for n in range(10):
                hub.publish("order", {"n": n})
            await asyncio.sleep(0)  # let the loop deliver the scheduled events
            got = []
            while (event := slow.get_nowait()) is not None:
                got.append(event.data["n"])
            return got, slow.dropped

    got, dropped = asyncio.run(scenario())
    assert got == [7, 8, 9]
    assert dropped == 7


def test_a_subscriber_whose_loop_is_gone_is_dropped() -> None:
    hub = EventHub()
    loop = asyncio.new_event_loop()
    hub.subscribe(loop)
    loop.close()
    event = hub.publish("status", {"state": "stopped"})
    assert event.kind == "status" and event.seq == 1
    assert hub.subscribers == 0
