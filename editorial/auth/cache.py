"""Principals of recently used tokens, so a busy client is not looked up on every request.

An entry lives ``ttl`` seconds at most, never past its token's expiry, and is dropped at once
when this process commits a change to any token, user or grant (revocation, a disabled account,
a role taken away). Another process's change is seen within ``ttl`` (``auth_cache_seconds``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from itertools import chain
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from editorial.auth.principal import Principal
from editorial.db.models import ApiToken, RoleGrant, User
from editorial.lib.cache import LRUCache

_generation = 0
"""Bumped whenever this process changes identity rows; entries of an older generation are stale."""


def identity_changed() -> None:
    """Forget every cached principal (called on flush and again on commit of a change)."""
    global _generation
    _generation += 1


@event.listens_for(Session, "after_flush")
def _note_identity_change(session: Session, _context: Any) -> None:
    if any(isinstance(row, ApiToken | User | RoleGrant) for row in chain(session.new, session.dirty, session.deleted)):
        session.info["identity_changed"] = True
        identity_changed()


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    # Again at commit: a request that read the old rows between the flush and the commit may
    # have cached them under the generation of the flush.
    if session.info.pop("identity_changed", False):
        identity_changed()


class PrincipalCache:
    """Token secret (hashed) → principal, for ``ttl`` seconds, least recently used dropped past ``size``."""

    def __init__(self, ttl: float, size: int = 4096) -> None:
        self.ttl = timedelta(seconds=ttl)
        self._entries: LRUCache[tuple[Principal, datetime, int]] = LRUCache(size if ttl else 0)

    @staticmethod
    def generation() -> int:
        """Take this before reading a principal from the database, and give it to ``put``."""
        return _generation

    @staticmethod
    def _key(secret: str) -> bytes:
        return hashlib.sha256(secret.encode()).digest()

    def get(self, secret: str, now: datetime) -> Principal | None:
        key = self._key(secret)
        entry = self._entries.get(key)
        if entry is None:
            return None
        principal, valid_until, generation = entry
        if generation != _generation or now >= valid_until:
            self._entries.discard(key)
            return None
        return principal

    def put(self, secret: str, principal: Principal, now: datetime, generation: int) -> None:
        if generation != _generation:
            return
        valid_until = now + self.ttl
        if principal.expires_at is not None:
            valid_until = min(valid_until, principal.expires_at)
        self._entries.put(self._key(secret), (principal, valid_until, generation))
