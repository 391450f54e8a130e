"""Webhook subscriptions, one delivery per (subscription, event), and every attempt made."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from editorial.db.types import JSONType, UTCDateTime


class Webhook(SQLModel, table=True):
    __tablename__ = "webhooks"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    event_types: list[str] = Field(default_factory=list, sa_type=JSONType)
    """Empty: every type."""
    secret: str = Field(max_length=100)
    """``whsec_`` + base64 key (Standard Webhooks); needed to sign, so kept, and shown once."""
    description: str = Field(default="", max_length=500)
    active: bool = True
    disabled_reason: str | None = Field(default=None, max_length=500)
    consecutive_failures: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class WebhookDelivery(SQLModel, table=True):
    """An event owed to a subscription; delivered at least once, in order per article."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_webhook_id_article_id_seq", "webhook_id", "article_id", "seq"),
        Index("ix_webhook_deliveries_webhook_id_id", "webhook_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    webhook_id: int = Field(sa_column=Column(Integer, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False))
    event_id: int = Field(sa_column=Column(Integer, ForeignKey("events.id"), nullable=False))
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    article_id: int
    status: str = Field(max_length=20)
    """pending, delivered or failed (gave up; redeliver to try again)"""
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery_id_id", "delivery_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(
        sa_column=Column(Integer, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False)
    )
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    status_code: int | None = None
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    duration_ms: float = 0.0
