"""`PATCH /backtests/{id}` (notes and tags), the list's labels and filters, and
`GET /backtests/compare`, over real stored runs of the bundled sample."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from scalplab.config import Settings
from scalplab.orders.runs import RunRequest
from tests.api.conftest import store_result


def _store(settings: Settings, pair: str, params: dict[str, object]) -> dict[str, Any]:
    start, end = datetime(2025, 6, 17, tzinfo=UTC), datetime(2025, 6, 20, tzinfo=UTC)
    return store_result(settings, RunRequest(pair, "sma_cross", "1h", start, end, params))


def test_labels_are_patched_listed_and_filtered(client: TestClient, settings: Settings) -> None:
    eth = _store(settings, "ETHUSDT", {})
    btc = _store(settings, "BTCUSDT", {"fast": 5})
    [row] = [r for r in client.get("/backtests").json() if r["id"] == eth["id"]]
    assert (row["notes"], row["tags"], row["created_at"]) == ("", [], eth["created_at"])
    assert row["metrics"]["sharpe"] == eth["metrics"]["sharpe"]

    answer = client.patch(
        f"/backtests/{eth['id']}", json={"notes": "  looks robust ", "tags": ["keep", "Keep", "v2"]}
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["notes"], answer.json()["tags"]) == ("looks robust", ["keep", "v2"])
    assert client.patch(f"/backtests/{eth['id']}", json={"tags": ["v3"]}).json()["notes"] == (
        "looks robust"
    )
    listed = {r["id"]: r for r in client.get("/backtests").json()}
    assert (listed[eth["id"]]["notes"], listed[eth["id"]]["tags"]) == ("looks robust", ["v3"])
    assert client.get(f"/backtests/{eth['id']}").json()["result"] == eth  # file untouched

    def ids(**filters: str) -> list[str]:
        response = client.get("/backtests", params=filters)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()]

    assert ids(tag="V3") == [eth["id"]]
    assert ids(q="robust") == [eth["id"]]
    assert ids(q="btcusdt") == [btc["id"]]
    newest_first = ids()
    assert sorted(newest_first) == sorted([btc["id"], eth["id"]])
    assert ids(q="sma_cross") == newest_first
    assert ids(q="sma_cross", limit="1", offset="1") == newest_first[1:]
    assert ids(tag="v3", q="btc") == []
    assert ids(tag="") == newest_first
    assert client.get("/backtests", params={"tag": "x" * 33}).status_code == 422


def test_bad_labels_are_422_with_the_reason_and_unknown_ids_404(
    client: TestClient, settings: Settings
) -> None:
    result = _store(settings, "ETHUSDT", {})
    url = f"/backtests/{result['id']}"
    refusals: list[tuple[dict[str, object], str]] = [
        ({"notes": "n" * 2001}, "notes must be at most 2,000 characters, not 2,001"),
        ({"tags": [f"t{i}" for i in range(11)]}, "a backtest takes at most 10 tags, not 11"),
        ({"tags": ["two words"]}, "tag 'two words' must be 1 to 32 letters, digits"),
        ({"tags": ["x" * 33]}, "must be 1 to 32 letters"),
        ({"notes": "bell\u0007"}, "notes must not contain control characters"),
    ]
    for body, reason in refusals:
        answer = client.patch(url, json=body)
        assert answer.status_code == 422, body
        assert reason in answer.json()["detail"]
    malformed: list[dict[str, object]] = [{"tags": "keep"}, {"notes": 5}, {"colour": "red"}]
    for wrong in malformed:
        answer = client.patch(url, json=wrong)
        assert answer.status_code == 422 and answer.json()["detail"], wrong
    assert client.get("/backtests").json()[0]["notes"] == ""  # nothing written
    missing = client.patch("/backtests/nope", json={"notes": "n"})
    assert (missing.status_code, missing.json()) == (404, {"detail": "no backtest with id 'nope'"})


def test_compare_answers_metrics_and_normalised_curves(
    client: TestClient, settings: Settings
) -> None:
    first = _store(settings, "ETHUSDT", {})
    second = _store(settings, "BTCUSDT", {"fast": 5})
    client.patch(f"/backtests/{second['id']}", json={"tags": ["fast"]})
    answer = client.get("/backtests/compare", params={"ids": f"{second['id']}, {first['id']}"})
    assert answer.status_code == 200, answer.text
    runs = answer.json()
    assert [run["summary"]["id"] for run in runs] == [second["id"], first["id"]]
    assert runs[0]["summary"]["tags"] == ["fast"] and runs[1]["summary"]["pair"] == "ETHUSDT"
    listed = {row["id"]: row for row in client.get("/backtests").json()}
    assert runs[1]["summary"] == listed[first["id"]]  # the list row, as listed
    for run, result in zip(runs, (second, first), strict=True):
        assert run["metrics"]["return_pct"] == result["metrics"]["return_pct"]
        assert run["equity"][0] == [result["equity"][0][0], 100.0]
        last = result["equity"][-1][1] / result["equity"][0][1] * 100
        assert abs(run["equity"][-1][1] - last) < 1e-9

    for ids, status, reason in (
        (first["id"], 422, "2 to 6 backtest ids, not 1"),
        (",".join([first["id"]] * 2), 422, "listed twice"),
        (",".join(["a", "b", "c", "d", "e", "f", "g"]), 422, "not 7"),
        (f"{first['id']},ghost", 404, "no backtest with id 'ghost'"),
    ):
        refused = client.get("/backtests/compare", params={"ids": ids})
        assert refused.status_code == status and reason in refused.json()["detail"], ids
    assert client.get("/backtests/compare").status_code == 422
