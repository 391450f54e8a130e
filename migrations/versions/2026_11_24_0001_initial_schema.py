"""Initial schema: identity, desks (news and opinion), articles, revisions, history.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 03:23:50.478545+00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import editorial.db.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "desks",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("workflow", sa.String(length=40), nullable=False),
        sa.Column("created_at", editorial.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desks")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", editorial.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("scopes", editorial.db.types.JSONType, nullable=True),
        sa.Column("created_at", editorial.db.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", editorial.db.types.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", editorial.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_tokens_prefix")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("desk_id", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("head_revision", sa.Integer(), nullable=False),
        sa.Column("signed_revision", sa.Integer(), nullable=True),
        sa.Column("live_revision", sa.Integer(), nullable=True),
        sa.Column("publish_at", editorial.db.types.UTCDateTime(), nullable=True),
        sa.Column("unpublish_at", editorial.db.types.UTCDateTime(), nullable=True),
        sa.Column("published_at", editorial.db.types.UTCDateTime(), nullable=True),
        sa.Column("state_changed_at", editorial.db.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", editorial.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", editorial.db.types.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_articles_created_by_id_users")),
        sa.ForeignKeyConstraint(["desk_id"], ["desks.id"], name=op.f("fk_articles_desk_id_desks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("slug", name=op.f("uq_articles_slug")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_articles_desk_id_state_state_changed_at",
            ["desk_id", "state", "state_changed_at"],
            unique=False,
        )
        batch_op.create_index("ix_articles_state_state_changed_at", ["state", "state_changed_at"], unique=False)

    op.create_table(
        "role_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("desk_id", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["desk_id"], ["desks.id"], name=op.f("fk_role_grants_desk_id_desks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_role_grants_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grants")),
        sa.UniqueConstraint("user_id", "role", "desk_id", name=op.f("uq_role_grants_user_id_role_desk_id")),
    )
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_grants_user_id"), ["user_id"], unique=False)

    op.create_table(
        "article_authors",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_authors_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_article_authors_user_id_users")),
        sa.PrimaryKeyConstraint("article_id", "user_id", name=op.f("pk_article_authors")),
    )
    with op.batch_alter_table("article_authors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_authors_user_id"), ["user_id"], unique=False)

    op.create_table(
        "history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("at", editorial.db.types.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("transition", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=False),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("correction", sa.Text(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_history_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_history_article_id_articles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history")),
    )
    with op.batch_alter_table("history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_history_article_id_actor_id_transition",
            ["article_id", "actor_id", "transition"],
            unique=False,
        )
        batch_op.create_index("ix_history_article_id_id", ["article_id", "id"], unique=False)

    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("dek", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", editorial.db.types.JSONType, nullable=False),
        sa.Column("authors", editorial.db.types.JSONType, nullable=False),
        sa.Column("saved_by_id", sa.Integer(), nullable=False),
        sa.Column("saved_at", editorial.db.types.UTCDateTime(), nullable=False),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_revisions_article_id_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["saved_by_id"], ["users.id"], name=op.f("fk_revisions_saved_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisions")),
        sa.UniqueConstraint("article_id", "number", name=op.f("uq_revisions_article_id_number")),
    )

    desks = sa.table(
        "desks",
        sa.column("id", sa.String),
        sa.column("title", sa.String),
        sa.column("workflow", sa.String),
        sa.column("created_at", editorial.db.types.UTCDateTime()),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        desks,
        [
            {"id": "news", "title": "News", "workflow": "news", "created_at": now},
            {"id": "opinion", "title": "Opinion", "workflow": "opinion", "created_at": now},
        ],
    )


def downgrade() -> None:
    op.drop_table("revisions")
    with op.batch_alter_table("history", schema=None) as batch_op:
        batch_op.drop_index("ix_history_article_id_id")
        batch_op.drop_index("ix_history_article_id_actor_id_transition")

    op.drop_table("history")
    with op.batch_alter_table("article_authors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_authors_user_id"))

    op.drop_table("article_authors")
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_grants_user_id"))

    op.drop_table("role_grants")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_state_state_changed_at")
        batch_op.drop_index("ix_articles_desk_id_state_state_changed_at")

    op.drop_table("articles")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("desks")
