"""Scheduled publication: firing outcomes, worker heartbeats, retry state and due-time indexes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 04:08:51.466486+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import editorial.db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduler_workers",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("started_at", editorial.db.types.UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", editorial.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_workers")),
    )
    op.create_table(
        "schedule_firings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("due_at", editorial.db.types.UTCDateTime(), nullable=False),
        sa.Column("fired_at", editorial.db.types.UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("lateness_seconds", sa.Float(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_schedule_firings_article_id_articles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_firings")),
    )
    with op.batch_alter_table("schedule_firings", schema=None) as batch_op:
        batch_op.create_index("ix_schedule_firings_article_id_id", ["article_id", "id"], unique=False)
        batch_op.create_index("ix_schedule_firings_fired_at", ["fired_at"], unique=False)

    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("publish_at_offset", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("schedule_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("schedule_retry_at", editorial.db.types.UTCDateTime(), nullable=True))
        batch_op.create_index("ix_articles_state_publish_at", ["state", "publish_at"], unique=False)
        batch_op.create_index("ix_articles_unpublish_at", ["unpublish_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_unpublish_at")
        batch_op.drop_index("ix_articles_state_publish_at")
        batch_op.drop_column("schedule_retry_at")
        batch_op.drop_column("schedule_attempts")
        batch_op.drop_column("publish_at_offset")

    with op.batch_alter_table("schedule_firings", schema=None) as batch_op:
        batch_op.drop_index("ix_schedule_firings_fired_at")
        batch_op.drop_index("ix_schedule_firings_article_id_id")

    op.drop_table("schedule_firings")
    op.drop_table("scheduler_workers")
