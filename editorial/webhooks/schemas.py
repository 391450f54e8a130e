"""Request and response shapes for webhooks and their deliveries."""

from __future__ import annotations

from datetime import datetime

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from editorial.events.outbox import TYPES


def _known_types(value: list[str] | None) -> list[str] | None:
    unknown = sorted(set(value or ()) - set(TYPES))
    if unknown:
        raise ValueError(f"unknown event types {', '.join(unknown)}; any of {', '.join(TYPES)}")
    return None if value is None else sorted(set(value))


class WebhookCreate(SQLModel):
    url: str = Field(min_length=1, max_length=2000, description="an http or https URL")
    event_types: list[str] = Field(default_factory=list, description="the event types to send; empty: every type")
    description: str = Field(default="", max_length=500)

    @field_validator("event_types")
    @classmethod
    def _event_types(cls, value: list[str]) -> list[str]:
        return _known_types(value) or []


class WebhookUpdate(SQLModel):
    active: bool | None = Field(default=None, description="true re-enables a disabled webhook")
    event_types: list[str] | None = None
    description: str | None = Field(default=None, max_length=500)

    @field_validator("event_types")
    @classmethod
    def _event_types(cls, value: list[str] | None) -> list[str] | None:
        return _known_types(value)


class WebhookRead(SQLModel):
    id: int
    url: str
    event_types: list[str]
    description: str
    active: bool
    disabled_reason: str | None
    consecutive_failures: int
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="the signing secret; shown once, keep it")


class AttemptRead(SQLModel):
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: float


class DeliveryRead(SQLModel):
    id: int
    webhook_id: int
    message_id: str = Field(description="the webhook-id header: the same on every attempt and redelivery")
    event_type: str
    seq: int
    article_id: int
    status: str = Field(description="pending, delivered or failed (gave up; redeliver to try again)")
    next_attempt_at: datetime | None = Field(description="when it is next tried, while pending")
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempts: list[AttemptRead] = Field(description="every attempt, oldest first")
