"""Schemas of `/notifications`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class NotificationTestPublic(BaseModel):
    """What became of the test message."""

    model_config = ConfigDict(from_attributes=True)

    status: Literal["sent", "failed", "disabled"] = Field(
        description="sent: Telegram accepted it; failed: see detail; disabled: "
        "TELEGRAM_ENABLED is false"
    )
    detail: str = Field(description="the outcome in words (why it failed, when it did)")
    message_id: int | None = Field(None, description="Telegram's id of the message sent")
