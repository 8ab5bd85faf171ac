"""The signal funnel of the paper engine: what became of every recorded signal.

Counted over the stored signals (`signals_sim`), optionally of one symbol and/or strategy:
`generated` (every recorded signal) → `accepted` (of which `confirmed` by a person),
`pending` (waiting for a person now), `rejected` by reason (the pipeline's checks),
`rejected_by_user` (a person rejected the confirmation), `blocked` by breaker, `expired`
(the confirmation's time ran out), `cancelled` (a confirmation withdrawn when the pair's
data ended or the run was reset) and `dropped` (a signal on the data's last bar).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from scalplab.orders.commands import USER_REJECTION
from scalplab.simulation.store import SimStore
from scalplab.storage.models_sim import SignalSim

CONFIRMED_REASON = "confirmed"
"""The reason an accepted signal records once a person confirmed its order."""


@dataclass(frozen=True, slots=True)
class SignalFunnel:
    """Counts of the funnel (see the module docstring); the `*_by_*` breakdowns are
    `(name, count)`, largest count first, ties by name."""

    generated: int = 0
    accepted: int = 0
    confirmed: int = 0
    pending: int = 0
    rejected: int = 0
    rejected_by_reason: tuple[tuple[str, int], ...] = ()
    rejected_by_user: int = 0
    blocked: int = 0
    blocked_by_breaker: tuple[tuple[str, int], ...] = ()
    expired: int = 0
    cancelled: int = 0
    dropped: int = 0

    def to_dict(self) -> dict[str, object]:
        """JSON form (the breakdowns as `[{name, count}]`)."""
        return {
            "generated": self.generated,
            "accepted": self.accepted,
            "confirmed": self.confirmed,
            "pending": self.pending,
            "rejected": self.rejected,
            "rejected_by_reason": [{"name": n, "count": c} for n, c in self.rejected_by_reason],
            "rejected_by_user": self.rejected_by_user,
            "blocked": self.blocked,
            "blocked_by_breaker": [{"name": n, "count": c} for n, c in self.blocked_by_breaker],
            "expired": self.expired,
            "cancelled": self.cancelled,
            "dropped": self.dropped,
        }


def _ranked(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def signal_funnel(store: SimStore, symbol: str | None, strategy: str | None) -> SignalFunnel:
    """The funnel of the stored signals (of `symbol` and/or `strategy` when given)."""
    query = select(
        SignalSim.status, SignalSim.reason, SignalSim.breaker, func.count(SignalSim.id)
    ).group_by(SignalSim.status, SignalSim.reason, SignalSim.breaker)
    if symbol is not None:
        query = query.where(SignalSim.symbol == symbol)
    if strategy is not None:
        query = query.where(SignalSim.strategy == strategy)
    with store.transaction() as session:
        rows = [(str(s), r or "", b, int(n)) for s, r, b, n in session.execute(query).all()]
    statuses: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    breakers: Counter[str] = Counter()
    confirmed = by_user = 0
    for status, reason, breaker, count in rows:
        if status == "rejected" and reason == USER_REJECTION:
            by_user += count
            continue
        statuses[status] += count
        if status == "accepted" and reason == CONFIRMED_REASON:
            confirmed += count
        elif status == "rejected":
            reasons[reason or "unknown"] += count
        elif status == "blocked":
            breakers[breaker or "unknown"] += count
    return SignalFunnel(
        generated=sum(count for *_, count in rows),
        accepted=statuses["accepted"],
        confirmed=confirmed,
        pending=statuses["pending"],
        rejected=statuses["rejected"],
        rejected_by_reason=_ranked(reasons),
        rejected_by_user=by_user,
        blocked=statuses["blocked"],
        blocked_by_breaker=_ranked(breakers),
        expired=statuses["expired"],
        cancelled=statuses["cancelled"],
        dropped=statuses["dropped"],
    )
