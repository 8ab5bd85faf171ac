"""The go-live gates' notes as codes (`scalplab.orders.gate_notes`): every row of a table
and of a walk-forward's mean has a code whose English message, filled with its params,
is the row's note exactly (the text the CLI and JSON always had)."""

from __future__ import annotations

from scalplab.orders.gates import GateCheck, PositionOutcome, evaluate, gates_line, mean_gates
from tests.coded_texts import english

H = 3_600_000


def outcome(i: int, pnl: float, risk: float | None = 10.0) -> PositionOutcome:
    return PositionOutcome(i * H, i * H + H, pnl, risk)


def codes(checks: list[GateCheck]) -> dict[str, tuple[str | None, dict[str, float | str]]]:
    for check in checks:
        assert check.code is not None
        assert english("gateNote", check.code, check.params) == check.note
    return {check.name: (check.code, check.params) for check in checks}


def test_every_note_of_a_table_is_a_code_with_its_numbers() -> None:
    positions = [outcome(0, 30.0), outcome(1, -10.0), outcome(2, 5.0, None), outcome(3, -1.0)]
    table = evaluate(positions, 4.2, 1.7, 2.5)
    assert [c.note for c in table] == [
        "2 of 4 positions won",
        "per position",
        "of the equity peak",
        "daily returns, annualised",
        "mean of 3 positions' net P&L / initial risk; 1 without a known stop left out",
        "losing positions in a row",
        "positions (a ladder is one)",
        "positions per day over 2.5 days",
        "not checked here: paper trade for at least 2 weeks before going live",
    ]
    assert codes(table) == {
        "win_rate": ("won_of", {"won": 2, "count": 4}),
        "profit_factor": ("per_position", {}),
        "max_drawdown_pct": ("of_peak", {}),
        "sharpe": ("daily_annualised", {}),
        "avg_r": ("mean_r_left_out", {"count": 3, "left_out": 1}),
        "max_consecutive_losses": ("losses_in_row", {}),
        "sample_size": ("positions_ladder", {}),
        "trades_per_day": ("per_day_over", {"days": 2.5}),
        "paper_trade_days": ("paper_unchecked", {"weeks": 2}),
    }
    # the CLI's line is unchanged by the codes
    assert gates_line([c.to_dict() for c in table]).startswith("gates (seed 002 §12.3) ")


def test_the_notes_of_what_cannot_be_computed_are_codes_too() -> None:
    empty = codes(evaluate([], 0.0, None, 1.0))
    assert empty["win_rate"] == ("no_position", {})
    assert empty["profit_factor"] == ("no_position", {})
    assert empty["sharpe"] == ("sharpe_not_computable", {})
    assert empty["avg_r"] == ("no_known_stop", {})
    winners = codes(evaluate([outcome(0, 5.0), outcome(1, 6.0)], 1.0, None, 1.0))
    assert winners["profit_factor"] == ("unbounded", {})
    assert winners["avg_r"] == ("mean_r", {"count": 2})


def test_a_walk_forwards_mean_says_its_windows_as_a_code() -> None:
    first = evaluate([outcome(0, 5.0), outcome(1, -2.0)], 3.0, 1.5, 10.0)
    second = evaluate([], 0.0, None, 10.0)
    merged = codes(mean_gates([first, second]))
    assert merged["max_drawdown_pct"] == ("mean_of_windows", {"count": 2, "total": 2})
    assert merged["sharpe"] == (
        "mean_of_windows_others",
        {
            "count": 1,
            "total": 2,
            "others": "not computable: needs two days of returns that vary",
        },
    )
    assert merged["paper_trade_days"] == ("paper_unchecked", {"weeks": 2})
    assert merged["trades_per_day"][0] == "mean_of_windows"


def test_a_walk_forwards_mean_sends_the_other_windows_notes_coded() -> None:
    first = evaluate([outcome(0, 5.0), outcome(1, -2.0)], 3.0, 1.5, 10.0)
    empty = evaluate([], 0.0, None, 10.0)
    sharpe = next(c for c in mean_gates([first, empty, empty]) if c.name == "sharpe")
    assert [(n.code, n.params) for n in sharpe.others] == [("sharpe_not_computable", {})]
    assert sharpe.params["others"] == "; ".join(n.text for n in sharpe.others)
    for note in sharpe.others:
        assert english("gateNote", note.code, note.params) == note.text
    row = sharpe.to_dict()
    assert row["others"] == [
        {"text": sharpe.others[0].text, "code": "sharpe_not_computable", "params": {}}
    ]
    avg_r = next(c for c in mean_gates([first, empty]) if c.name == "max_drawdown_pct")
    assert avg_r.others == () and avg_r.to_dict()["others"] == []
