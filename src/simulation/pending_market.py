"""The market beside a pending confirmation as it is listed: mark, move, bars left.

Confirmations expire on WALL time in every mode (`scalplab.orders.pending`; the engine's
sweeper expires them), a replay included. A paced replay plays 1m candles at `speed` ×
real time, so a bar of the pair's timeframe (T seconds) closes every T / speed wall
seconds: the time left is `bars_left = floor(seconds_left × speed / T)` of those bars.
A replay at full speed, a live feed and a stopped run have no such figure (None).
"""

from __future__ import annotations

import math

from scalplab.data.timeframes import timeframe_ms
from scalplab.orders.models import book_id
from scalplab.orders.pending import MarketNow, PendingView
from scalplab.simulation.account import PaperAccount


def _book(account: PaperAccount, view: PendingView) -> str:
    order = view.pending.order
    known = account.confirmations.book_of(order.id)
    return known if known is not None else book_id(order.symbol, order.strategy or "")


def _bars_left(account: PaperAccount, book: str, seconds_left: float) -> int | None:
    run, pair = account.run, account.pairs.get(book)
    spec = run.spec
    if pair is None or spec is None or spec.kind != "replay" or spec.speed is None:
        return None
    if run.state != "running":
        return None
    bar_seconds = timeframe_ms(pair.timeframe) / 1000.0
    return math.floor(seconds_left * spec.speed / bar_seconds)


def with_market(account: PaperAccount, view: PendingView, warn_pct: float) -> PendingView:
    """`view` with the engine's latest price of its book, the move since the signal and,
    in a paced replay, the time left in bars."""
    book = _book(account, view)
    model = account.model
    bar = model.last_bar(book) if model.has_book(book) else None
    mark = None if bar is None else float(bar.close)
    facts = view.pending.facts
    move = None
    if mark is not None and facts is not None and facts.entry > 0:
        move = (mark - facts.entry) / facts.entry * 100.0
    moved = move is not None and abs(move) >= warn_pct
    bars = _bars_left(account, book, view.seconds_left)
    return PendingView(
        view.pending, view.seconds_left, view.now, MarketNow(mark, move, warn_pct, moved, bars)
    )
