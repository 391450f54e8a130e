"""An injectable clock, so anything time-driven is testable without sleeping."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta


class Clock(ABC):
    """Tells the current time, always timezone-aware UTC."""

    @abstractmethod
    def now(self) -> datetime: ...


class SystemClock(Clock):
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that only moves when told to (tests, simulations)."""

    def __init__(self, at: datetime | None = None) -> None:
        self._now = (at or datetime(2026, 1, 1, 9, 0, tzinfo=UTC)).astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, at: datetime) -> None:
        self._now = at.astimezone(UTC)
