"""The user's labels of stored backtests (notes, tags, filters) and the comparison of
several results (metrics, normalised and thinned equity curves): real runs, real SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scalplab.backtests.compare import (
    MAX_CURVE_POINTS,
    compare_results,
    normalised_curve,
    numeric_metrics,
)
from scalplab.backtests.labels import clean_notes, clean_tags, label_backtest, matches
from scalplab.backtests.runner import run_backtest
from scalplab.backtests.storage import ResultStore
from scalplab.errors import ConflictError, InputError, NotFoundError
from scalplab.orders.runs import RunRequest
from tests.conftest import make_settings

START = datetime(2025, 6, 17, tzinfo=UTC)
END = datetime(2025, 6, 24, tzinfo=UTC)


@pytest.fixture(scope="module")
def results(real_week_dir: Path) -> list[dict[str, Any]]:
    """Two real sma_cross runs of the real week (different params, so different curves)."""
    settings = make_settings(real_week_dir)
    return [
        run_backtest(RunRequest("BTCUSDT", "sma_cross", "15m", START, END, params), settings)
        for params in ({"fast": 5}, {"fast": 8, "slow": 30})
    ]


@pytest.fixture
def store(tmp_path: Path, results: list[dict[str, Any]]) -> Iterator[ResultStore]:
    result_store = ResultStore(make_settings(tmp_path / "data"))
    for result in results:
        result_store.save(result)
    yield result_store
    result_store.close()


def test_labels_are_bounded_and_tags_deduplicated_in_order() -> None:
    assert clean_tags(["trend", "BTC-1", "v2.1", "Trend", "under_score", "trend"]) == [
        "trend",
        "BTC-1",
        "v2.1",
        "under_score",
    ]
    assert clean_tags(["тренд", "x" * 32]) == ["тренд", "x" * 32]  # letters of any script
    assert clean_tags([]) == []
    for bad, reason in (
        ([""], "must be 1 to 32 letters"),
        (["two words"], "'two words' must be 1 to 32"),
        (["x" * 33], "must be 1 to 32"),
        (["a/b"], "'a/b'"),
        ([f"t{i}" for i in range(11)], "at most 10 tags, not 11"),
    ):
        with pytest.raises(InputError, match=reason):
            clean_tags(bad)
    assert clean_tags([f"t{i}" for i in range(10)] + ["T0"]) == [f"t{i}" for i in range(10)]
    assert clean_notes("line 1\n\tline 2") == "line 1\n\tline 2"
    assert clean_notes("n" * 2000) == "n" * 2000
    with pytest.raises(InputError, match="at most 2,000 characters, not 2,001"):
        clean_notes("n" * 2001)
    with pytest.raises(InputError, match="control characters"):
        clean_notes("bell\x07")


def test_labels_persist_on_the_row_and_never_touch_the_result(
    store: ResultStore, results: list[dict[str, Any]]
) -> None:
    first, second = (result["id"] for result in results)
    summary = label_backtest(store, first, notes="fast=5 overfit?", tags=["baseline", "BTC"])
    assert (summary.notes, summary.tags) == ("fast=5 overfit?", ["baseline", "BTC"])
    assert label_backtest(store, first, tags=["x"]).notes == "fast=5 overfit?"  # kept
    assert label_backtest(store, first, notes="").tags == ["x"]
    listed = {s.id: s for s in store.list()}
    assert (listed[first].notes, listed[first].tags) == ("", ["x"])
    assert (listed[second].notes, listed[second].tags) == ("", [])
    assert store.get(first) == results[0]  # the result file is left as it was

    store.save(results[0])  # storing the result again keeps the labels
    assert store.summary(first).tags == ["x"]
    with pytest.raises(NotFoundError, match="no backtest with id 'nope'"):
        label_backtest(store, "nope", notes="n")
    with pytest.raises(InputError, match="at most 10 tags"):
        label_backtest(store, first, notes="dropped", tags=[f"t{i}" for i in range(11)])
    assert store.summary(first).notes == ""  # nothing written when a label is refused


def test_matches_filters_by_tag_and_text(store: ResultStore, results: list[dict[str, Any]]) -> None:
    label_backtest(store, results[0]["id"], notes="Trend follower", tags=["Keep"])
    one, other = (store.summary(result["id"]) for result in results)
    assert matches(one, tag="keep") and not matches(other, tag="keep")
    assert matches(one, text="trend") and not matches(other, text="trend")
    assert matches(one, text="sma_") and matches(other, text="btcusdt")
    assert matches(other, text="15M") and not matches(other, text="ethusdt")
    assert matches(one, tag="KEEP", text="follow") and not matches(one, tag="keep", text="eth")
    assert matches(other) and matches(other, tag="", text="")


def test_compare_gives_metrics_and_curves_normalised_to_100(
    store: ResultStore, results: list[dict[str, Any]]
) -> None:
    ids = [results[1]["id"], results[0]["id"]]
    label_backtest(store, ids[0], tags=["slow"])
    runs = compare_results(store, ids)
    assert [run.summary.id for run in runs] == ids  # in the order asked
    for run, result in zip(runs, (results[1], results[0]), strict=True):
        assert run.summary == store.summary(result["id"])  # its list entry
        assert (run.summary.pair, run.summary.timeframe) == ("BTCUSDT", "15m")
        assert run.metrics["net_pnl"] == result["metrics"]["net_pnl"]
        assert run.metrics["sharpe"] == result["metrics"]["sharpe"]
        assert "exits" not in run.metrics  # nested counts are left out
        equity = result["equity"]
        assert run.equity[0] == (equity[0][0], 100.0)
        assert run.equity[-1][0] == equity[-1][0]
        assert run.equity[-1][1] == pytest.approx(equity[-1][1] / equity[0][1] * 100)
        assert len(run.equity) == min(len(equity), MAX_CURVE_POINTS)
    assert runs[0].summary.tags == ["slow"]

    for bad, message in (
        (ids[:1], "2 to 6 backtest ids, not 1"),
        ([*ids, "a", "b", "c", "d", "e"], "not 7"),
        ([ids[0], ids[0]], "listed twice"),
        ([ids[0], ""], "empty"),
    ):
        with pytest.raises(InputError, match=message):
            compare_results(store, bad)
    with pytest.raises(NotFoundError, match="no backtest with id 'missing'"):
        compare_results(store, [ids[0], "missing"])


def test_compare_refuses_a_run_without_a_result(tmp_path: Path) -> None:
    store = ResultStore(make_settings(tmp_path / "data"))
    try:
        queued = [
            store.create_job(RunRequest("BTCUSDT", "sma_cross", "15m", START, END, {}))
            for _ in range(2)
        ]
        with pytest.raises(ConflictError, match="is queued"):
            compare_results(store, queued)
    finally:
        store.close()


def test_curves_are_thinned_and_odd_points_skipped() -> None:
    long = [[f"t{i}", 1000.0 + i] for i in range(5000)]
    thinned = normalised_curve(long)
    assert len(thinned) == MAX_CURVE_POINTS
    assert thinned[0] == ("t0", 100.0)
    assert thinned[-1][0] == "t4999"
    assert thinned[-1][1] == pytest.approx(5999 / 1000 * 100)
    assert normalised_curve([["a", "x"], ["b", 50.0], ["c"], ["d", 60.0], ["d", 75.0]]) == [
        ("b", 100.0),
        ("d", 150.0),
    ]
    assert normalised_curve([["a", 0.0], ["b", 10.0]]) == []  # no positive start
    assert normalised_curve(None) == [] and normalised_curve([]) == []
    assert numeric_metrics({"a": 1, "b": float("nan"), "c": None, "d": True, "e": {}}) == {
        "a": 1,
        "b": None,
        "c": None,
    }
