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

    def get_or_compute(
        self, key: Hashable, compute: Callable[[], V], *, keep: Callable[[V], bool] = lambda _: True
    ) -> V:
        """The cached value, or ``compute()``'s, which is kept only if ``keep`` says so."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
        value = compute()
        if self.size and keep(value):
            with self._lock:
                self._items[key] = value
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return value
