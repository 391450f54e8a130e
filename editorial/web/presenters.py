"""Shaping what the services return into what the pages show: groups, timelines, weeks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from editorial.revisions.schemas import RevisionSummary
from editorial.scheduling.schemas import ScheduledItem
from editorial.workflow.schemas import HistoryRead, WorklistItem

WORK_GROUPS = (
    ("draft", "To write"),
    ("editing", "To edit"),
    ("fact_check", "To fact-check"),
    ("ready", "Ready to publish"),
    ("scheduled", "Scheduled"),
    ("published", "Published"),
    ("unpublished", "Taken down"),
)


@dataclass(slots=True)
class Group:
    key: str
    title: str
    items: list[WorklistItem] = field(default_factory=list)


def group_work(items: Iterable[WorklistItem]) -> list[Group]:
    """Worklist items grouped by what can be done with them (their state), in workflow order."""
    groups = {key: Group(key, title) for key, title in WORK_GROUPS}
    for item in items:
        groups.setdefault(item.state, Group(item.state, item.state)).items.append(item)
    return [group for group in groups.values() if group.items]


@dataclass(frozen=True, slots=True)
class Moment:
    """One line of an article's history: a saved revision or a transition."""

    at: datetime
    kind: str
    revision: RevisionSummary | None = None
    transition: HistoryRead | None = None


def timeline(revisions: Iterable[RevisionSummary], transitions: Iterable[HistoryRead]) -> list[Moment]:
    """Revisions and transitions in one list, newest first.

    Ties in time (one request, or a frozen clock) are broken by what the rows record: a transition
    names the revision it was taken at, so it follows that revision's save and precedes the next.
    """
    moments = [Moment(r.saved_at, "revision", revision=r) for r in revisions]
    moments += [Moment(t.at, "transition", transition=t) for t in transitions]

    def key(moment: Moment) -> tuple[datetime, int, int, int]:
        if moment.revision is not None:
            return (moment.at, moment.revision.number, 0, 0)
        assert moment.transition is not None
        return (moment.at, moment.transition.revision, 1, moment.transition.id)

    return sorted(moments, key=key, reverse=True)


@dataclass(slots=True)
class Week:
    """Seven days from ``start`` (a Monday, in ``zone``), with items per desk and day."""

    start: date
    zone: ZoneInfo
    desks: list[str]
    cells: dict[tuple[str, date], list[ScheduledItem]]

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(7)]

    def has_items(self, desk: str) -> bool:
        return any(items for (row, _), items in self.cells.items() if row == desk)

    def bounds(self) -> tuple[datetime, datetime]:
        return week_bounds(self.start, self.zone)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_bounds(start: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The week's first and last instants, in local time (so a DST change week is 167 or 169 hours)."""
    first = datetime.combine(start, time(0), zone)
    return first, datetime.combine(start + timedelta(days=7), time(0), zone)


def week_of(start: date, zone: ZoneInfo, desks: Iterable[str], items: Iterable[ScheduledItem]) -> Week:
    """Put each item in its desk's row and its local day's column."""
    cells: dict[tuple[str, date], list[Any]] = {}
    rows = list(desks)
    for item in items:
        if item.desk not in rows:
            rows.append(item.desk)
        cells.setdefault((item.desk, item.due_at.astimezone(zone).date()), []).append(item)
    return Week(start, zone, rows, cells)
