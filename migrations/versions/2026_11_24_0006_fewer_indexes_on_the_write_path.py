"""Fewer indexes on the write path: every transition wrote to four that few or no queries needed.

A transition changes an article's state, so every index over ``state`` takes a new entry each
time (a page in the commit on SQLite; an index entry on PostgreSQL, where such an update is never
HOT). ``ix_articles_state_state_changed_at`` served no query that the desk-led
``ix_articles_desk_id_state_state_changed_at`` does not (the worklist and the listings filter by
desk). ``ix_articles_state_publish_at`` served the scheduler, which asks only for scheduled articles:
it becomes ``ix_articles_scheduled_publish_at``, over scheduled articles only, which a transition
touches only on its way into or out of ``scheduled`` (``state`` still leads it, so that SQLite's
planner, without statistics, prefers it as it did the full index). And
``ix_history_article_id_actor_id_transition`` served nothing ``ix_history_article_id_id`` does not
(an article's history is read by article, and is short). Nor did any query read events by article
through ``ix_events_article_id_seq`` (the log is read by ``seq``), which every event wrote to.
See docs/performance.md.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 16:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEDULED = sa.text("state = 'scheduled'")


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_article_id_seq")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_state_state_changed_at")
        batch_op.drop_index("ix_articles_state_publish_at")
        batch_op.create_index(
            "ix_articles_scheduled_publish_at",
            ["state", "publish_at"],
            unique=False,
            sqlite_where=SCHEDULED,
            postgresql_where=SCHEDULED,
        )
    with op.batch_alter_table("history", schema=None) as batch_op:
        batch_op.drop_index("ix_history_article_id_actor_id_transition")


def downgrade() -> None:
    with op.batch_alter_table("history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_history_article_id_actor_id_transition", ["article_id", "actor_id", "transition"], unique=False
        )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_scheduled_publish_at")
        batch_op.create_index("ix_articles_state_publish_at", ["state", "publish_at"], unique=False)
        batch_op.create_index("ix_articles_state_state_changed_at", ["state", "state_changed_at"], unique=False)
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_article_id_seq", ["article_id", "seq"], unique=False)
