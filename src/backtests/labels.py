"""The user's labels of a stored backtest: free-text notes and short tags.

Labels live on the index row, never in the result file (which stays exactly what the
runner produced), so the list shows, filters and sorts by them without opening files.
Bounds: notes up to `MAX_NOTES_CHARS` characters (line breaks and tabs allowed, no other
control character); at most `MAX_TAGS` tags, each 1 to `MAX_TAG_CHARS` letters, digits,
`-`, `_` or `.`. A tag given twice (ignoring case) is kept once, its first spelling, and
the order of the tags is kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from scalplab.backtests.storage import BacktestSummary, ResultStore
from scalplab.errors import InputError, NotFoundError, snippet
from scalplab.storage.models import Backtest

MAX_NOTES_CHARS = 2000
MAX_TAGS = 10
MAX_TAG_CHARS = 32
TAG_PATTERN = re.compile(rf"[\w.-]{{1,{MAX_TAG_CHARS}}}")
"""A tag: letters and digits of any script, `_`, `-` and `.` (`\\w` is Unicode-aware)."""
NOTE_CONTROLS = frozenset("\n\r\t")
"""The only control characters notes may contain."""


def clean_notes(notes: str) -> str:
    """`notes` if within bounds, else `InputError` saying which bound it breaks."""
    if len(notes) > MAX_NOTES_CHARS:
        raise InputError(
            f"notes must be at most {MAX_NOTES_CHARS:,} characters, not {len(notes):,}"
        )
    if any(unicodedata.category(c) == "Cc" and c not in NOTE_CONTROLS for c in notes):
        raise InputError(
            "notes must not contain control characters (line breaks and tabs are fine)"
        )
    return notes


def clean_tags(tags: Sequence[str]) -> list[str]:
    """The tags deduplicated (ignoring case, first spelling and order kept), each checked;
    `InputError` naming the first bad tag, or when more than `MAX_TAGS` remain."""
    kept: dict[str, str] = {}
    for tag in tags:
        if TAG_PATTERN.fullmatch(tag) is None:
            raise InputError(
                f"tag {snippet(tag)} must be 1 to {MAX_TAG_CHARS} letters, digits, "
                "'-', '_' or '.' (no spaces)"
            )
        kept.setdefault(tag.casefold(), tag)
    if len(kept) > MAX_TAGS:
        raise InputError(f"a backtest takes at most {MAX_TAGS} tags, not {len(kept)}")
    return list(kept.values())


def label_backtest(
    store: ResultStore,
    result_id: str,
    *,
    notes: str | None = None,
    tags: Sequence[str] | None = None,
) -> BacktestSummary:
    """Set the notes and/or the tags of one backtest (None leaves that label as it is);
    returns its list entry. Both are checked before anything is written."""
    new_notes = None if notes is None else clean_notes(notes)
    new_tags = None if tags is None else clean_tags(tags)
    with store.db.session() as session:
        row = session.get(Backtest, result_id)
        if row is None:
            raise NotFoundError(f"no backtest with id {snippet(result_id)}")
        if new_notes is not None:
            row.notes = new_notes
        if new_tags is not None:
            row.tags = new_tags
        session.flush()
        return BacktestSummary.from_row(row)


def matches(summary: BacktestSummary, tag: str | None = None, text: str | None = None) -> bool:
    """Whether a list entry carries `tag` (ignoring case) and contains `text` (ignoring case)
    in its pair, strategy, timeframe, notes or tags; an empty or None filter matches all."""
    if tag and tag.casefold() not in {own.casefold() for own in summary.tags}:
        return False
    if not text:
        return True
    haystack = (summary.pair, summary.strategy, summary.timeframe, summary.notes, *summary.tags)
    needle = text.casefold()
    return any(needle in field.casefold() for field in haystack)
