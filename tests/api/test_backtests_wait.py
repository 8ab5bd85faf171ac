"""`GET /backtests/{id}?wait=`: a long poll that answers the moment the job ends."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from scalplab.api.app import create_app
from scalplab.config import Settings
from scalplab.data.samples import import_samples
from tests.api.conftest import api_client
from tests.api.test_backtests import RUN
from tests.conftest import make_settings


@pytest.fixture(scope="module")
def wait_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The real app and worker process over the bundled sample."""
    data_dir = tmp_path_factory.mktemp("wait") / "data"
    import_samples(data_dir)
    settings: Settings = make_settings(data_dir)
    app = create_app(settings, web_dist=tmp_path_factory.mktemp("no-dist"))
    with api_client(app) as client:
        yield client


def test_a_long_poll_answers_with_the_result_as_soon_as_the_job_ends(
    wait_client: TestClient,
) -> None:
    job_id = wait_client.post("/backtests", json=RUN).json()["id"]
    started = time.monotonic()
    body = wait_client.get(f"/backtests/{job_id}", params={"wait": 10}).json()
    waited = time.monotonic() - started
    assert (body["status"], body["progress"], body["error"]) == ("done", 1.0, None)
    assert waited < 9.0  # woken by the job's end, not by the 10 s limit
    assert body == wait_client.get(f"/backtests/{job_id}").json()  # same body as a plain GET
    services = wait_client.app.state.services  # type: ignore[attr-defined]
    assert services.backtests.ends.waiting() == 0  # the waiter is gone
    # Sent as stored from the first answer on: the fresh file is what decoding it (with the
    # store's upgrades on read) and encoding it compact gives back.
    store = services.backtests.store
    decoded = json.dumps(store.job(job_id).result, separators=(",", ":"), ensure_ascii=False)
    assert decoded == store.result_text(job_id)
    assert body["result"] == json.loads(decoded)

    started = time.monotonic()
    again = wait_client.get(f"/backtests/{job_id}", params={"wait": 10})
    assert again.status_code == 200
    assert time.monotonic() - started < 2.0  # already ended: no waiting at all
    assert again.json() == body


def test_a_long_poll_checks_its_bounds_and_the_id(wait_client: TestClient) -> None:
    for wait in ("11", "-1", "soon"):
        response = wait_client.get("/backtests/20250101T000000-00000000", params={"wait": wait})
        assert response.status_code == 422, response.text
        assert "wait" in response.text
    missing = wait_client.get("/backtests/20250101T000000-00000000", params={"wait": 1})
    assert missing.status_code == 404
    services = wait_client.app.state.services  # type: ignore[attr-defined]
    assert services.backtests.ends.waiting() == 0
