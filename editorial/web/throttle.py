"""Sign-in throttling: failures counted per username and per client address, with a lock-out.

Counted in process, not in the database: a failed sign-in then writes nothing (on SQLite a
stream of them would otherwise queue behind the single writer), and no table is needed. The
price: each server process counts on its own, and a restart forgets. With N processes an
attacker gets at most N times the allowance, still a few guesses per quarter hour.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MAX_KEYS = 10_000
"""Keys kept at most; beyond that the ones with no recent failure are dropped first."""


@dataclass(slots=True)
class _Record:
    failures: deque[datetime] = field(default_factory=deque)
    locked_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Limit:
    failures: int
    """Failures within ``window`` that lock the key."""
    window: timedelta
    lockout: timedelta


class LoginThrottle:
    """Counts failed sign-ins; a key with too many recent failures is locked for a while."""

    def __init__(
        self,
        per_username: Limit = Limit(5, timedelta(minutes=15), timedelta(minutes=15)),
        per_address: Limit = Limit(20, timedelta(minutes=15), timedelta(minutes=15)),
    ) -> None:
        self.limits = {"user": per_username, "address": per_address}
        self._records: dict[tuple[str, str], _Record] = {}
        self._lock = threading.Lock()

    @staticmethod
    def keys(username: str, address: str) -> list[tuple[str, str]]:
        return [("user", username.strip().lower()), ("address", address)]

    def locked_for(self, username: str, address: str, now: datetime) -> timedelta | None:
        """How long sign-in stays refused for this username or address, or None."""
        with self._lock:
            waits = []
            for key in self.keys(username, address):
                record = self._records.get(key)
                if record and record.locked_until and record.locked_until > now:
                    waits.append(record.locked_until - now)
            return max(waits, default=None)

    def failed(self, username: str, address: str, now: datetime) -> None:
        """Count a failure; lock a key that reached its limit."""
        with self._lock:
            if len(self._records) >= MAX_KEYS:
                self._prune(now)
            for key in self.keys(username, address):
                limit = self.limits[key[0]]
                record = self._records.setdefault(key, _Record())
                record.failures.append(now)
                while record.failures and record.failures[0] <= now - limit.window:
                    record.failures.popleft()
                if len(record.failures) >= limit.failures:
                    record.locked_until = now + limit.lockout
                    record.failures.clear()

    def succeeded(self, username: str) -> None:
        """A correct password clears the username's count (not the address's)."""
        with self._lock:
            self._records.pop(("user", username.strip().lower()), None)

    def _prune(self, now: datetime) -> None:
        longest = max(limit.window + limit.lockout for limit in self.limits.values())
        for key, record in list(self._records.items()):
            last = record.failures[-1] if record.failures else None
            if (record.locked_until is None or record.locked_until <= now) and (last is None or last < now - longest):
                del self._records[key]
        while len(self._records) >= MAX_KEYS:
            del self._records[next(iter(self._records))]
