"""Binance `depth20@100ms` partial books derived from REAL recorded diff depth, for the fake.

No capture here holds Binance's partial-book stream, so the fake Binance serves one
derived from what Binance did send: the book is rebuilt from a REST depth snapshot and
the recorded diff stream with Binance's own sync rules (`LocalOrderBook`), and at each
100 ms boundary of event time the best 20 levels a side are pushed in the exact shape
of Binance's partial-book message (`"e": "depthUpdate"` with `E, T, s, U, u, pu, b, a`
on stream `<symbol>@depth20@100ms`). `E`, `T` and `u` are those of the last diff
applied before the boundary; `U` and `pu` those of the first diff applied since the
previous push, so `pu` is the previous push's `u` (with a `@100ms` diff capture, one
diff a push, every id is that diff's). Prices and quantities keep the text Binance
sent. A capture whose diff chain breaks, or whose snapshot no diff bridges, is refused:
nothing is made up to fill it.

`DepthAtPosition` answers the fake REST's `/fapi/v1/depth` consistently with how far
the fake WebSocket got: the recorded snapshot with every recorded diff up to the
stream's position applied (Binance's REST shape, `lastUpdateId` the last diff's `u`).

`with_partial_books` merges the derived messages into the capture's message list (each
right after the diff that closed its 100 ms), so `fake.copies` and `FakeBinanceWs`
serve them like any recorded message. Run `python -m
scalplab.data.adapters.binance.fake_depth CAPTURE SNAPSHOT... --out FILE` to write a
capture with them for `python -m scalplab.data.adapters.binance.fake`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scalplab.data.adapters.binance.book import LocalOrderBook
from scalplab.data.adapters.binance.config import stream_kind
from scalplab.data.adapters.binance.fake import load_capture
from scalplab.data.adapters.binance.schemas import parse_data, parse_depth_snapshot
from scalplab.data.market_events import BookSnapshot, DepthDiff
from scalplab.errors import DataError, InputError

DEPTH = 20
INTERVAL_MS = 100


@dataclass
class _Push:
    """The diffs applied since the last push: the ids and times the next push carries."""

    first_update_id: int
    previous_final_update_id: int
    final_update_id: int
    transact_time: int
    event_time: int
    after: int
    """Index of the message the push follows (the last diff applied)."""


@dataclass
class _SymbolBook:
    """One symbol's rebuilt book, the text Binance gave each number, and the open push."""

    book: LocalOrderBook
    snapshot: BookSnapshot
    prices: dict[float, str] = field(default_factory=dict)
    quantities: dict[float, str] = field(default_factory=dict)
    pending: _Push | None = None

    def remember(self, levels: Iterable[Sequence[Any]]) -> None:
        for price, quantity in levels:
            self.prices[float(price)] = str(price)
            self.quantities[float(quantity)] = str(quantity)


def partial_books(
    messages: Sequence[str],
    snapshots: Mapping[str, Mapping[str, Any]],
    depth: int = DEPTH,
    interval_ms: int = INTERVAL_MS,
) -> list[tuple[int, str]]:
    """The `depth{depth}@100ms` messages of every symbol with a REST `/fapi/v1/depth` answer in
    `snapshots`, each with the index of the capture message it follows."""
    books: dict[str, _SymbolBook] = {}
    for symbol, answer in snapshots.items():
        name = symbol.upper()
        books[name] = _SymbolBook(LocalOrderBook(name), parse_depth_snapshot(name, dict(answer)))
        books[name].remember([*answer["bids"], *answer["asks"]])
    pushes: list[tuple[int, str]] = []
    for index, message in enumerate(messages):
        envelope = json.loads(message)
        if stream_kind(envelope["stream"]) != "depth":
            continue
        diff = parse_data("depth", envelope["data"])
        state = books.get(getattr(diff, "symbol", ""))
        if state is None or not isinstance(diff, DepthDiff):
            continue
        pending = state.pending
        if pending and pending.event_time // interval_ms < diff.event_time // interval_ms:
            pushes.append((pending.after, _message(state, pending, depth)))  # before `diff`
            state.pending = None
        state.remember([*envelope["data"]["b"], *envelope["data"]["a"]])
        if not _feed(state, diff):
            continue
        if state.pending is None:
            state.pending = _Push(diff.first_update_id, diff.previous_final_update_id,
                                  0, 0, 0, index)  # fmt: skip
        push = state.pending
        push.final_update_id, push.after = diff.final_update_id, index
        push.transact_time, push.event_time = diff.transact_time, diff.event_time
    for state in books.values():
        if state.pending is not None:
            pushes.append((state.pending.after, _message(state, state.pending, depth)))
        elif not state.book.synced:
            raise DataError(f"no recorded diff of {state.book.symbol} bridges its snapshot")
    return sorted(pushes, key=lambda push: push[0])


def with_partial_books(
    messages: Sequence[str], snapshots: Mapping[str, Mapping[str, Any]], depth: int = DEPTH
) -> list[str]:
    """The capture's messages with the derived partial books merged in (see the module)."""
    pushes = partial_books(messages, snapshots, depth)
    merged: list[str] = []
    position = 0
    for index, message in enumerate(messages):
        merged.append(message)
        while position < len(pushes) and pushes[position][0] == index:
            merged.append(pushes[position][1])
            position += 1
    return merged


class DepthAtPosition:
    """`/fapi/v1/depth` answers derived from REAL data at the fake stream's position.

    Called with a symbol, it rebuilds that symbol's book from its recorded REST answer and
    the recorded diffs of `messages` at indexes up to `position()` (e.g. the fake's
    `position`: diffs lost on the wire still moved the exchange's book), and answers in
    Binance's shape with `lastUpdateId` the last applied diff's `u`. Before the stream
    reaches the diff that bridges the recorded answer, that answer itself (a snapshot
    a little ahead of the stream, as Binance's often is); None for an unknown symbol."""

    def __init__(
        self,
        messages: Sequence[str],
        snapshots: Mapping[str, Mapping[str, Any]],
        position: Callable[[], int],
    ) -> None:
        self.snapshots = {symbol.upper(): dict(answer) for symbol, answer in snapshots.items()}
        self.position = position
        self.diffs: dict[str, list[tuple[int, DepthDiff, list[Any]]]] = {}
        for index, message in enumerate(messages):
            envelope = json.loads(message)
            if stream_kind(envelope["stream"]) != "depth":
                continue
            diff = parse_data("depth", envelope["data"])
            if isinstance(diff, DepthDiff) and diff.symbol in self.snapshots:
                levels = [*envelope["data"]["b"], *envelope["data"]["a"]]
                self.diffs.setdefault(diff.symbol, []).append((index, diff, levels))

    def __call__(self, symbol: str) -> dict[str, Any] | None:
        answer = self.snapshots.get(symbol)
        if answer is None:
            return None
        position = self.position()
        state = _SymbolBook(LocalOrderBook(symbol), parse_depth_snapshot(symbol, answer))
        state.remember([*answer["bids"], *answer["asks"]])
        last: DepthDiff | None = None
        for index, diff, levels in self.diffs.get(symbol, []):
            if index > position:
                break
            state.remember(levels)
            if _feed(state, diff):
                last = diff
        book = state.book
        if last is None or book.last_update_id is None:
            return answer
        bids, asks = book.levels(max(book.size))
        return {
            "lastUpdateId": book.last_update_id,
            "E": last.event_time,
            "T": last.transact_time,
            "bids": [[state.prices[p], state.quantities[q]] for p, q in bids],
            "asks": [[state.prices[p], state.quantities[q]] for p, q in asks],
        }


def _feed(state: _SymbolBook, diff: DepthDiff) -> bool:
    """Apply `diff` to the book (syncing it on the diff that reaches the snapshot); True
    when the book changed."""
    book = state.book
    outcome = book.on_diff(diff)
    if outcome == "resync":
        raise DataError(
            f"the recorded {diff.symbol} diff chain breaks at update {diff.final_update_id}"
        )
    if outcome == "buffered" and diff.final_update_id >= state.snapshot.last_update_id:
        if not book.on_snapshot(book.epoch, state.snapshot):
            raise DataError(f"no recorded diff of {diff.symbol} bridges its snapshot")
        return True
    return outcome == "applied"


def _message(state: _SymbolBook, push: _Push, depth: int) -> str:
    bids, asks = state.book.levels(depth)
    symbol = state.book.symbol
    data = {
        "e": "depthUpdate",
        "E": push.event_time,
        "T": push.transact_time,
        "s": symbol,
        "U": push.first_update_id,
        "u": push.final_update_id,
        "pu": push.previous_final_update_id,
        "b": [[state.prices[p], state.quantities[q]] for p, q in bids],
        "a": [[state.prices[p], state.quantities[q]] for p, q in asks],
    }
    envelope = {"stream": f"{symbol.lower()}@depth{depth}@100ms", "data": data}
    return json.dumps(envelope, separators=(",", ":"))


def rest_answer(path: Path) -> dict[str, Any]:
    """A recorded REST depth answer: the bare JSON, or `{"url", "recv_ts", "response"}`."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the depth snapshot {path}: {exc}") from None
    answer = record.get("response", record) if isinstance(record, dict) else None
    if not isinstance(answer, dict) or "lastUpdateId" not in answer:
        raise InputError(f"{path} is not a REST depth answer")
    return answer


def main(argv: Sequence[str] | None = None) -> None:
    """Write a capture with derived partial books merged in."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("capture", type=Path, help="combined-stream capture (JSON lines)")
    parser.add_argument(
        "snapshots", type=Path, nargs="+", help="REST depth answers, one per symbol, "
        "named …symbol<SYMBOL>… (as shared/data/real/rest/ names them)"
    )  # fmt: skip
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    snapshots = {_symbol_of(path): rest_answer(path) for path in args.snapshots}
    merged = with_partial_books(load_capture(args.capture), snapshots)
    args.out.write_text("".join(message + "\n" for message in merged))


def _symbol_of(path: Path) -> str:
    name = path.stem
    if "symbol" not in name:
        raise InputError(f"cannot tell the symbol of {path} (expected …symbol<SYMBOL>_…)")
    return name.split("symbol", 1)[1].split("_", 1)[0].upper()


if __name__ == "__main__":
    main()
