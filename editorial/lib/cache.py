"""A small thread-safe LRU cache for values derived from immutable data."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LRUCache(Generic[V]):
    """Keeps the ``size`` most recently used values; computes a missing one outside the lock."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> V | None:
        """The cached value (now the most recently used), or None."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
            return None

    def put(self, key: Hashable, value: V) -> None:
        """Keep ``value``, dropping the least recently used past ``size``."""
        if not self.size:
            return
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._items.pop(key, None)

    def get_or_compute(
        self, key: Hashable, compute: Callable[[], V], *, keep: Callable[[V], bool] = lambda _: True
    ) -> V:
        """The cached value, or ``compute()``'s, which is kept only if ``keep`` says so."""
        value = self.get(key)
        if value is not None:
            return value
        value = compute()
        if keep(value):
            self.put(key, value)
        return value
