"""What the pages are made of: timelines, groups, weeks, durations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from editorial.revisions.schemas import RevisionSummary
from editorial.scheduling.schemas import ScheduledItem
from editorial.web.presenters import group_work, timeline, week_bounds, week_of
from editorial.web.rendering import duration
from editorial.workflow.schemas import HistoryRead, WorklistItem

AT = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def _revision(number: int) -> RevisionSummary:
    return RevisionSummary(number=number, title="t", saved_by="w", saved_at=AT, message="", content_hash="h")


def _step(step_id: int, name: str, revision: int) -> HistoryRead:
    return HistoryRead(
        id=step_id, at=AT, actor="a", transition=name, from_state="x", to_state="y", comment="", correction=None,
        revision=revision,
    )  # fmt: skip


def test_a_timeline_of_simultaneous_moments_follows_the_revisions_they_name() -> None:
    moments = timeline([_revision(2), _revision(1)], [_step(1, "submit", 1), _step(2, "send", 2), _step(3, "pass", 2)])
    order = [m.revision.number if m.revision else m.transition.transition for m in moments]
    assert order == ["pass", "send", 2, "submit", 1]


def test_work_is_grouped_in_workflow_order() -> None:
    def item(state: str) -> WorklistItem:
        return WorklistItem(
            id=1, slug="s", desk="news", state=state, title="t", authors=[], revision=1, state_changed_at=AT,
            seconds_in_state=0, transitions=[],
        )  # fmt: skip

    groups = group_work([item("ready"), item("draft"), item("scheduled"), item("draft")])
    assert [(g.title, len(g.items)) for g in groups] == [("To write", 2), ("Ready to publish", 1), ("Scheduled", 1)]


def test_a_week_is_local_days_even_across_a_clock_change() -> None:
    paris = ZoneInfo("Europe/Paris")
    first, last = week_bounds(date(2026, 3, 23), paris)
    assert (last.astimezone(UTC) - first.astimezone(UTC)).total_seconds() == 167 * 3600  # clocks go forward 29 March
    late = ScheduledItem(
        article=1, slug="s", desk="opinion", title="t", state="scheduled", action="publish",
        due_at=datetime(2026, 3, 24, 23, 30, tzinfo=UTC), due_at_local=None,
    )  # fmt: skip
    week = week_of(date(2026, 3, 23), paris, ["news"], [late])
    assert week.desks == ["news", "opinion"]
    assert week.cells[("opinion", date(2026, 3, 25))] == [late]  # 00:30 on Wednesday in Paris


def test_durations_read_like_a_person_would_say_them() -> None:
    assert duration(30) == "under a minute"
    assert duration(12 * 60) == "12 min"
    assert duration(2 * 3600 + 5 * 60) == "2 h 5 min"
    assert duration(3 * 86400 + 4 * 3600 + 59) == "3 d 4 h"
