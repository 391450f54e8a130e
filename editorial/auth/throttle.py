"""Token guessing: failed token authentications counted per client address, refused for a while past a limit.

Counted in process, like the web app's sign-in throttle: a failure writes nothing, and each
server process counts on its own (N processes allow N times the limit). Only a token that was
sent and refused counts; a request with no token at all guesses nothing.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, deque
from datetime import datetime, timedelta

MAX_ADDRESSES = 10_000
"""Addresses tracked at most; the least recently failing are forgotten first."""


class TokenThrottle:
    """At most ``limit`` failures per address within ``window``; then 429 until the oldest leaves it."""

    def __init__(self, limit: int, window: timedelta) -> None:
        self.limit = limit
        self.window = window
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, address: str, now: datetime) -> deque[datetime] | None:
        failures = self._failures.get(address)
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if failures is not None and not failures:
            del self._failures[address]
            return None
        return failures

    def retry_after(self, address: str, now: datetime) -> int | None:
        """Whole seconds until ``address`` may try a token again, or None if it may now."""
        with self._lock:
            failures = self._recent(address, now)
            if failures is None or len(failures) < self.limit:
                return None
            wait = (failures[-self.limit] + self.window - now).total_seconds()
            return max(1, math.ceil(wait))

    def failed(self, address: str, now: datetime) -> None:
        """Count a refused token from ``address``."""
        with self._lock:
            failures = self._recent(address, now)
            if failures is None:
                failures = self._failures[address] = deque(maxlen=self.limit)
            failures.append(now)
            self._failures.move_to_end(address)
            while len(self._failures) > MAX_ADDRESSES:
                self._failures.popitem(last=False)
