"""The notes of the go-live gates' rows (`scalplab.orders.gates`): each an English text,
a stable code and the numbers it quotes, for front ends that translate it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from scalplab.orders.models import ReasonParams


@dataclass(frozen=True, slots=True)
class GateNote:
    """A row's note: its English text, code and numbers (`others`: a walk-forward mean's
    notes of the windows without a value, each coded too)."""

    text: str
    code: str
    params: ReasonParams = field(default_factory=dict)
    others: tuple[GateNote, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The JSON form of an item of `others`: `{text, code, params}`."""
        return {"text": self.text, "code": self.code, "params": dict(self.params)}


NO_POSITION = GateNote("no position", "no_position")
PER_POSITION = GateNote("per position", "per_position")
UNBOUNDED = GateNote("no losing position: unbounded", "unbounded")
OF_PEAK = GateNote("of the equity peak", "of_peak")
IN_A_ROW = GateNote("losing positions in a row", "losses_in_row")
LADDER_IS_ONE = GateNote("positions (a ladder is one)", "positions_ladder")


def won_note(won: int, count: int) -> GateNote:
    """Win rate: `won` of `count` positions (none: no position)."""
    if not count:
        return NO_POSITION
    return GateNote(f"{won} of {count} positions won", "won_of", {"won": won, "count": count})


def sharpe_note(computed: bool) -> GateNote:
    """How the Sharpe was computed, or why it was not."""
    if computed:
        return GateNote("daily returns, annualised", "daily_annualised")
    return GateNote("not computable: needs two days of returns that vary", "sharpe_not_computable")


def per_day_note(days: float) -> GateNote:
    """Trades per day: over how many days (as `{days:g}` shows them)."""
    shown = f"{days:g}"
    return GateNote(f"positions per day over {shown} days", "per_day_over", {"days": float(shown)})


def paper_note(days: int) -> GateNote:
    """The paper-trading requirement (`days`, said in whole weeks), which is not checked."""
    weeks = days // 7
    return GateNote(
        f"not checked here: paper trade for at least {weeks} weeks before going live",
        "paper_unchecked",
        {"weeks": weeks},
    )


def r_note(known: int, count: int) -> GateNote:
    """How the average R was computed: over the `known` of `count` positions with a stop."""
    if not known:
        return GateNote("no position with a known stop", "no_known_stop")
    text = f"mean of {known} positions' net P&L / initial risk"
    left_out = count - known
    if not left_out:
        return GateNote(text, "mean_r", {"count": known})
    text += f"; {left_out} without a known stop left out"
    return GateNote(text, "mean_r_left_out", {"count": known, "left_out": left_out})


def mean_note(count: int, total: int, others: Sequence[GateNote]) -> GateNote:
    """How a walk-forward's mean was taken: over `count` of `total` windows (`others`: the
    notes of those without a value, each said once, in the order of their texts)."""
    text = f"mean of {count} of {total} windows"
    if not others:
        return GateNote(text, "mean_of_windows", {"count": count, "total": total})
    unique = sorted({note.text: note for note in others}.values(), key=lambda note: note.text)
    joined = "; ".join(note.text for note in unique)
    return GateNote(
        f"{text} (the others: {joined})",
        "mean_of_windows_others",
        {"count": count, "total": total, "others": joined},
        tuple(unique),
    )
