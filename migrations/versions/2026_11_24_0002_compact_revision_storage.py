"""Compact revision storage: bodies of older revisions become deltas (skip-deltas in blocks of 64).

The algorithm is copied here on purpose (see editorial/revisions/storage.py for the explanation):
a migration must keep doing what it did when it was written, whatever the code becomes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 03:57:00.181909+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from diff_match_patch import diff_match_patch

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BLOCK = 64
revisions = sa.table(
    "revisions",
    sa.column("id", sa.Integer),
    sa.column("article_id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("body_base", sa.Integer),
    sa.column("body_delta", sa.Text),
)


def _base(number: int) -> int | None:
    start = 1 + BLOCK * ((number - 1) // BLOCK)
    index = number - start
    return None if index == 0 else start + (index & (index - 1))


def _bodies_by_article(
    connection: sa.Connection,
) -> dict[int, dict[int, tuple[int, str | None, int | None, str | None]]]:
    articles: dict[int, dict[int, tuple[int, str | None, int | None, str | None]]] = {}
    query = sa.select(
        revisions.c.id,
        revisions.c.article_id,
        revisions.c.number,
        revisions.c.body,
        revisions.c.body_base,
        revisions.c.body_delta,
    ).order_by(revisions.c.article_id, revisions.c.number)
    for row_id, article_id, number, body, base, delta in connection.execute(query):
        articles.setdefault(article_id, {})[number] = (row_id, body, base, delta)
    return articles


def _rebuild(
    rows: dict[int, tuple[int, str | None, int | None, str | None]], engine: diff_match_patch
) -> dict[int, str]:
    bodies: dict[int, str] = {}
    for number in sorted(rows):
        _, body, base, delta = rows[number]
        bodies[number] = body if body is not None else engine.diff_text2(engine.diff_fromDelta(bodies[base], delta))
    return bodies


def upgrade() -> None:
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_base", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("body_delta", sa.Text(), nullable=True))
        batch_op.alter_column("body", existing_type=sa.Text(), nullable=True)
    connection = op.get_bind()
    engine = diff_match_patch()
    engine.Diff_Timeout = 1.0
    for rows in _bodies_by_article(connection).values():
        bodies = _rebuild(rows, engine)
        head = max(rows)
        for number, (row_id, _, _, _) in rows.items():
            base = _base(number)
            if number == head or base is None:
                continue
            delta = engine.diff_toDelta(engine.diff_main(bodies[base], bodies[number], True))
            if len(delta) < len(bodies[number]):
                connection.execute(
                    revisions.update()
                    .where(revisions.c.id == row_id)
                    .values(body=None, body_base=base, body_delta=delta)
                )


def downgrade() -> None:
    connection = op.get_bind()
    engine = diff_match_patch()
    for rows in _bodies_by_article(connection).values():
        for number, body in _rebuild(rows, engine).items():
            if rows[number][1] is None:
                connection.execute(
                    revisions.update().where(revisions.c.id == rows[number][0]).values(body=body, body_delta=None)
                )
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.alter_column("body", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("body_delta")
        batch_op.drop_column("body_base")
