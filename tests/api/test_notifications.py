"""`POST /notifications/test` against the real app and a local fake Bot API: sent, failed
(with the reason in words) and disabled."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scalplab.api.app import create_app
from scalplab.notify.fake_bot_api import FakeBotApi
from tests.conftest import make_settings

TOKEN = "7000000002:AAHapiTestTokenNeverShown_77"
CHAT = 424242
CLIENT = {"X-ScalpLab-Client": "tests"}
"""A body-less POST must be non-simple (see `scalplab.api.auth`)."""


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi(TOKEN) as api:
        yield api


def telegram_client(data_dir: Path, tmp_path: Path, api_url: str, token: str = TOKEN) -> TestClient:
    settings = make_settings(
        data_dir,
        TELEGRAM_ENABLED=True,
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_CHAT_ID=str(CHAT),
        TELEGRAM_API_URL=api_url,
    )
    return TestClient(create_app(settings, web_dist=tmp_path / "no-dist"))


def wait_ready(client: TestClient) -> None:
    telegram = client.app.state.services.telegram  # type: ignore[attr-defined]
    for _ in range(500):
        if telegram.health().state != "starting":
            return
        time.sleep(0.01)
    raise AssertionError("the bot did not connect")


def test_disabled_telegram_says_so(client: TestClient) -> None:
    response = client.post("/notifications/test", headers=CLIENT)
    assert response.status_code == 200
    assert response.json() == {
        "status": "disabled",
        "detail": "Telegram is disabled: set TELEGRAM_ENABLED=true",
        "message_id": None,
    }


def test_a_test_message_is_sent_or_fails_with_the_reason(
    data_dir: Path, tmp_path: Path, fake: FakeBotApi
) -> None:
    with telegram_client(data_dir, tmp_path, fake.url) as client:
        wait_ready(client)
        sent = client.post("/notifications/test", headers=CLIENT).json()
        assert sent["status"] == "sent" and sent["detail"] == "delivered to Telegram"
        message = fake.message(sent["message_id"])
        assert message.chat_id == CHAT and message.text.startswith("✅ ScalpLab test message")

        fake.fail("sendMessage", 400, description="Bad Request: chat not found")
        failed = client.post("/notifications/test", headers=CLIENT)
        assert failed.json() == {
            "status": "failed",
            "detail": "Telegram refused the message: Chat not found",
            "message_id": None,
        }
        assert TOKEN not in failed.text


def test_a_refused_token_fails_in_words_without_the_token(
    data_dir: Path, tmp_path: Path, fake: FakeBotApi
) -> None:
    wrong = "7000000002:AAHnotTheTokenTheFakeKnows_00"
    with telegram_client(data_dir, tmp_path, fake.url, token=wrong) as client:
        wait_ready(client)
        response = client.post("/notifications/test", headers=CLIENT)
    assert response.json()["status"] == "failed"
    assert response.json()["detail"] == (
        "Telegram rejected the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN"
    )
    assert wrong not in response.text
