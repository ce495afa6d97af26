"""Request bodies of the case API (responses are documented in docs/certification.md)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class WebhookIn(BaseModel):
    url: str = Field(
        ..., max_length=500, description="通知先 URL (https、開発時のみ http://127.0.0.1)"
    )
