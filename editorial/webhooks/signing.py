"""Messages per the Standard Webhooks specification: the secret, the body and the signed headers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime
from typing import Any

from editorial import __version__

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24


def new_secret() -> str:
    """A new signing secret: ``whsec_`` and the base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def message_id(seq: int) -> str:
    """The ``webhook-id`` of an event: the same on every attempt and redelivery, so receivers can deduplicate."""
    return f"evt_{seq}"


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def document(
    seq: int, kind: str, occurred_at: datetime, article_id: int, actor: str, data: dict[str, Any]
) -> dict[str, Any]:
    """The JSON document sent for an event: its type, when it happened, and what it says."""
    return {
        "type": kind,
        "timestamp": _iso(occurred_at),
        "data": {"id": seq, "article_id": article_id, "actor": actor, **data},
    }


def encode(document: dict[str, Any]) -> bytes:
    """The request body: the document as compact UTF-8 JSON (the exact bytes that are signed)."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, msg_id: str, timestamp: int, content: bytes) -> str:
    """``v1,`` and the base64 HMAC-SHA256 of ``id.timestamp.body`` under the secret's key."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(signed).decode()


def headers(secret: str, msg_id: str, timestamp: int, content: bytes) -> dict[str, str]:
    """The request headers of one attempt."""
    return {
        "content-type": "application/json",
        "user-agent": f"editorial-webhooks/{__version__}",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id, timestamp, content),
    }
