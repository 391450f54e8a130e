"""The audit after a production run: the invariants, proved from the database, the load's records and the receivers.

Each check returns a row: what was checked, how many items, the violations (with the first few
named). ``table`` prints them; ``passed`` is true only when every row has none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlmodel import Session

from bench.production_load import Records, body_hash
from editorial.db import Database
from editorial.db.models import Article, Event, HistoryEntry, Revision, Webhook
from editorial.revisions.services import stored_content, verify_all
from editorial.webhooks.signing import message_id

SHOWN = 5
HistoryRow = tuple[int, int, str, str, str, int]
"""(id, article_id, transition, from_state, to_state, revision)"""


@dataclass
class Check:
    invariant: str
    checked: int
    violations: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.violations


@dataclass
class Audit:
    checks: list[Check]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    def table(self) -> str:
        width = max(len(c.invariant) for c in self.checks)
        rows = [f"{'invariant':{width}}  {'checked':>8}  {'violations':>10}  result", "-" * (width + 36)]
        for c in self.checks:
            rows.append(
                f"{c.invariant:{width}}  {c.checked:8}  {len(c.violations):10}  {'pass' if c.passed else 'FAIL'}"
            )
            rows.extend(f"    {v}" for v in c.violations[:SHOWN])
            if len(c.violations) > SHOWN:
                rows.append(f"    ... and {len(c.violations) - SHOWN} more")
        return "\n".join(rows)

    def counts(self) -> dict[str, int]:
        return {c.invariant: c.checked for c in self.checks}


def history_snapshot(db: Database) -> list[HistoryRow]:
    """Every history row as it stands now (taken mid-run, compared with the end)."""
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(
                HistoryEntry.id,
                HistoryEntry.article_id,
                HistoryEntry.transition,
                HistoryEntry.from_state,
                HistoryEntry.to_state,
                HistoryEntry.revision,
            )
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def run_audit(db: Database, records: Records, received: dict[int, Iterable[str]], snapshot: list[HistoryRow]) -> Audit:
    """Every check, once every process has stopped; ``received`` maps a webhook id to the webhook-ids it got."""
    with db.transaction(write=False) as session:
        return Audit(
            [
                _scheduled_published_once(session, records),
                _events_delivered(session, received),
                _revisions_intact(session),
                _history_append_only(session, snapshot),
                _no_lost_saves(session, records),
                _outbox_matches_writes(session),
                _only_clean_5xx(records),
            ]
        )


def _scheduled_published_once(session: Session, records: Records) -> Check:
    scheduled = set(session.scalars(select(HistoryEntry.article_id).where(HistoryEntry.transition == "schedule")))
    check = Check("every scheduled article published exactly once", len(scheduled))
    check.violations += [
        f"article {a}: scheduled (2xx) but no schedule in its history" for a in records.scheduled.keys() - scheduled
    ]
    publishes = dict(
        session.execute(
            select(HistoryEntry.article_id, func.count())
            .where(HistoryEntry.transition == "publish", HistoryEntry.article_id.in_(scheduled))
            .group_by(HistoryEntry.article_id)
        ).all()
    )
    states = dict(session.execute(select(Article.id, Article.state).where(Article.id.in_(scheduled))).all())
    for article_id in sorted(scheduled):
        if publishes.get(article_id, 0) != 1 or states[article_id] != "published":
            check.violations.append(
                f"article {article_id}: published {publishes.get(article_id, 0)} times, now {states[article_id]}"
            )
    return check


def _events_delivered(session: Session, received: dict[int, Iterable[str]]) -> Check:
    events = session.execute(select(Event.seq, Event.type).where(Event.seq.is_not(None))).all()
    check = Check("every event delivered at least once per subscription", 0)
    for webhook in session.scalars(select(Webhook).order_by(Webhook.id)):
        assert webhook.id is not None
        got = set(received.get(webhook.id, ()))
        wanted = [seq for seq, kind in events if not webhook.event_types or kind in webhook.event_types]
        check.checked += len(wanted)
        check.violations += [
            f"webhook {webhook.id}: event {seq} never arrived" for seq in wanted if message_id(seq) not in got
        ]
    return check


def _revisions_intact(session: Session) -> Check:
    checked, problems = verify_all(session)
    return Check("every revision readable, content hash intact", checked, problems)


def _history_append_only(session: Session, snapshot: list[HistoryRow]) -> Check:
    rows: list[HistoryRow] = [
        tuple(row)  # type: ignore[misc]
        for row in session.execute(
            select(
                HistoryEntry.id,
                HistoryEntry.article_id,
                HistoryEntry.transition,
                HistoryEntry.from_state,
                HistoryEntry.to_state,
                HistoryEntry.revision,
            ).order_by(HistoryEntry.article_id, HistoryEntry.id)
        )
    ]
    check = Check("history append-only (mid-run snapshot kept, chains unbroken)", len(rows))
    now = {row[0]: row for row in rows}
    check.violations += [
        f"history {old[0]} changed or gone since the snapshot" for old in snapshot if now.get(old[0]) != old
    ]
    last_in_snapshot: dict[int, int] = defaultdict(int)
    for row in snapshot:
        last_in_snapshot[row[1]] = max(last_in_snapshot[row[1]], row[0])
    snapshot_ids = {row[0] for row in snapshot}
    chains: dict[int, list[HistoryRow]] = defaultdict(list)
    for row in rows:
        chains[row[1]].append(row)
        if row[0] not in snapshot_ids and row[0] < last_in_snapshot[row[1]]:
            check.violations.append(f"history {row[0]} of article {row[1]} appeared before the snapshot's last entry")
    states = dict(session.execute(select(Article.id, Article.state)).all())
    for article_id, chain in chains.items():
        state = "draft"
        for row in chain:
            if row[3] != state:
                check.violations.append(f"article {article_id}: history {row[0]} starts from {row[3]}, not {state}")
            state = row[4]
        if states.get(article_id) != state:
            check.violations.append(
                f"article {article_id}: history ends in {state}, the article is {states.get(article_id)}"
            )
    return check


def _no_lost_saves(session: Session, records: Records) -> Check:
    check = Check("no lost saves (every 2xx save is that revision)", len(records.saves))
    for article_id, number, digest in records.saves:
        revision = session.scalar(select(Revision).where(Revision.article_id == article_id, Revision.number == number))
        if revision is None:
            check.violations.append(f"article {article_id} revision {number}: answered 2xx, not stored")
        elif body_hash(stored_content(session, revision)["body"]) != digest:
            check.violations.append(f"article {article_id} revision {number}: stored body is not the one saved")
    return check


def _outbox_matches_writes(session: Session) -> Check:
    """Nothing half-written: revisions 1..head with no gap, one event per revision and per transition."""
    heads = dict(session.execute(select(Article.id, Article.head_revision)).all())
    numbers: dict[int, list[int]] = defaultdict(list)
    for article_id, number in session.execute(select(Revision.article_id, Revision.number)):
        numbers[article_id].append(number)
    transitions = dict(
        session.execute(select(HistoryEntry.article_id, func.count()).group_by(HistoryEntry.article_id)).all()
    )
    events: dict[tuple[int, str], int] = defaultdict(int)
    for article_id, kind in session.execute(select(Event.article_id, Event.type)):
        events[article_id, kind] += 1
    check = Check("nothing half-written (revisions, history and events agree)", len(heads))
    for article_id, head in heads.items():
        if sorted(numbers[article_id]) != list(range(1, head + 1)):
            check.violations.append(f"article {article_id}: head {head}, revisions {sorted(numbers[article_id])}")
        if events[article_id, "article.created"] != 1 or events[article_id, "article.revised"] != head - 1:
            check.violations.append(f"article {article_id}: {head} revisions, events do not match")
        if events[article_id, "article.transitioned"] != transitions.get(article_id, 0):
            check.violations.append(
                f"article {article_id}: {transitions.get(article_id, 0)} transitions, events do not match"
            )
    return check


def _only_clean_5xx(records: Records) -> Check:
    return Check("no 5xx but 503 with Retry-After", records.count(), list(records.unexpected_5xx))
