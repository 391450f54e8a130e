"""Packed revision bodies: older bodies become compressed snapshots and deltas in ``body_packed``.

Every revision but each article's head moves from ``body`` (text) or ``body_delta`` (a
diff-match-patch delta, text) to ``body_packed`` (bytes: a codec byte, then a snapshot or a delta
of code-point operations, deflated; see editorial/revisions/packing.py). Nothing is diffed again:
each delta keeps its base and its edits, only their encoding changes, so the conversion is exact
and quick. The format is copied here on purpose: a migration must keep doing what it did when it
was written, whatever the code becomes. The downgrade writes the 0004 representation back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 06:50:00.000000+00:00
"""

import json
import zlib
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op
from diff_match_patch import diff_match_patch

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RAW, DEFLATE, LEVEL, DICTIONARY_CHARS = 0, 1, 6, 32_768
EQUAL, DELETE = diff_match_patch.DIFF_EQUAL, diff_match_patch.DIFF_DELETE


def _pack(data: bytes, dictionary: bytes | None) -> bytes:
    engine = (
        zlib.compressobj(LEVEL, zlib.DEFLATED, -15, zdict=dictionary)
        if dictionary
        else zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    )
    deflated = engine.compress(data) + engine.flush()
    return bytes([DEFLATE]) + deflated if len(deflated) < len(data) else bytes([RAW]) + data


def _unpack(packed: bytes, dictionary: bytes | None) -> bytes:
    codec, payload = packed[0], bytes(packed[1:])
    if codec == RAW:
        return payload
    if codec != DEFLATE:
        raise ValueError(f"unknown body codec {codec}")
    engine = zlib.decompressobj(-15, zdict=dictionary) if dictionary else zlib.decompressobj(-15)
    return engine.decompress(payload) + engine.flush()


def _dictionary(base: str) -> bytes:
    return base[-DICTIONARY_CHARS:].encode()


def _pack_delta(base: str, diffs: list[tuple[int, str]]) -> bytes:
    operations = [len(text) if op == EQUAL else -len(text) if op == DELETE else text for op, text in diffs]
    return _pack(json.dumps(operations, ensure_ascii=False, separators=(",", ":")).encode(), _dictionary(base))


def _delta_diffs(base: str, packed: bytes) -> list[tuple[int, str]]:
    """The packed delta as diff-match-patch diffs of ``base`` (each kept or deleted span's text included)."""
    diffs, at = [], 0
    for operation in json.loads(_unpack(packed, _dictionary(base))):
        if isinstance(operation, str):
            diffs.append((diff_match_patch.DIFF_INSERT, operation))
        elif operation >= 0:
            diffs.append((EQUAL, base[at : at + operation]))
            at += operation
        else:
            diffs.append((DELETE, base[at : at - operation]))
            at -= operation
    return diffs


def _articles(connection: sa.Connection, revisions: sa.TableClause) -> Iterator[list[sa.Row]]:
    """Each article's revisions in number order, one article at a time (a large database need not fit in memory)."""
    ids = connection.execute(sa.select(revisions.c.article_id).distinct().order_by(revisions.c.article_id)).scalars()
    for article_id in list(ids):
        query = sa.select(revisions).where(revisions.c.article_id == article_id).order_by(revisions.c.number)
        yield list(connection.execute(query))


REVISIONS = sa.table(
    "revisions",
    sa.column("id", sa.Integer),
    sa.column("article_id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("body_base", sa.Integer),
    sa.column("body_delta", sa.Text),
    sa.column("body_packed", sa.LargeBinary),
)
"""The columns both directions read and write, as they are while both formats' columns exist."""


def upgrade() -> None:
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_packed", sa.LargeBinary(), nullable=True))
    revisions = REVISIONS
    connection = op.get_bind()
    engine = diff_match_patch()
    for rows in _articles(connection, revisions):
        bodies: dict[int, str] = {}
        changes = []
        for row in rows:
            if row.body is not None:
                bodies[row.number] = row.body
                if row.number == rows[-1].number:
                    continue  # the head stays whole
                packed, base = _pack(row.body.encode(), None), None
            else:
                base = row.body_base
                diffs = engine.diff_fromDelta(bodies[base], row.body_delta)
                bodies[row.number] = engine.diff_text2(diffs)
                packed = _pack_delta(bodies[base], diffs)
                snapshot = _pack(bodies[row.number].encode(), None)
                if len(snapshot) <= len(packed):
                    packed, base = snapshot, None
            changes.append({"row_id": row.id, "base": base, "packed": packed})
        if changes:
            connection.execute(
                revisions.update()
                .where(revisions.c.id == sa.bindparam("row_id"))
                .values(body=None, body_base=sa.bindparam("base"), body_delta=None, body_packed=sa.bindparam("packed")),
                changes,
            )
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_column("body_delta")


def downgrade() -> None:
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_delta", sa.Text(), nullable=True))
    revisions = REVISIONS
    connection = op.get_bind()
    engine = diff_match_patch()
    for rows in _articles(connection, revisions):
        bodies: dict[int, str] = {}
        changes = []
        for row in rows:
            if row.body is not None:
                bodies[row.number] = row.body
                continue
            if row.body_base is None:
                bodies[row.number] = body = _unpack(row.body_packed, None).decode()
                changes.append({"row_id": row.id, "body": body, "delta": None})
                continue
            diffs = _delta_diffs(bodies[row.body_base], row.body_packed)
            bodies[row.number] = engine.diff_text2(diffs)
            changes.append({"row_id": row.id, "body": None, "delta": engine.diff_toDelta(diffs)})
        if changes:
            connection.execute(
                revisions.update()
                .where(revisions.c.id == sa.bindparam("row_id"))
                .values(body=sa.bindparam("body"), body_delta=sa.bindparam("delta"), body_packed=None),
                changes,
            )
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_column("body_packed")
