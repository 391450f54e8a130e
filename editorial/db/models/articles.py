"""Articles, their immutable numbered revisions, and their authors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, literal_column
from sqlmodel import Field, SQLModel

from editorial.db.types import JSONType, UTCDateTime


class Article(SQLModel, table=True):
    """The workflow object: its state, and pointers to its head, signed and live revisions."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_desk_id_state_state_changed_at", "desk_id", "state", "state_changed_at"),
        Index("ix_articles_unpublish_at", "unpublish_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=200, unique=True)
    desk_id: str = Field(sa_column=Column(String(40), ForeignKey("desks.id"), nullable=False))
    state: str = Field(max_length=32)
    head_revision: int = 0
    signed_revision: int | None = None
    live_revision: int | None = None
    publish_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    publish_at_offset: int | None = None
    """Minutes east of UTC of the ``publish_at`` the scheduler was given, to show it as it was said."""
    unpublish_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    schedule_attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Failed scheduler attempts since the article was last scheduled (reset when one succeeds)."""
    schedule_retry_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """After a failure: not before this time."""
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    state_changed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_by_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))


SCHEDULED = Article.__table__.c.state == literal_column("'scheduled'")  # type: ignore[attr-defined]
"""SQL for "the article is scheduled", its state written out rather than bound: the condition of the
partial index below, which a plan made without the parameters' values (PostgreSQL's, for a statement
psycopg has prepared) can use only if the query states the condition itself."""
Index(
    "ix_articles_scheduled_publish_at",
    # ``state`` leads though the condition fixes it: SQLite's planner, which has no statistics, then
    # prices a range of due times as it did on the full index, above an OR over desks and states.
    Article.__table__.c.state,  # type: ignore[attr-defined]
    Article.__table__.c.publish_at,  # type: ignore[attr-defined]
    sqlite_where=SCHEDULED,
    postgresql_where=SCHEDULED,
)


class Revision(SQLModel, table=True):
    """One save of an article's content; never updated once written."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(sa_column=Column(Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False))
    number: int
    title: str = Field(max_length=300)
    dek: str = Field(default="", sa_column=Column(Text, nullable=False))
    body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """The full body (the head's), or null when it is packed in ``body_packed``."""
    body_base: int | None = None
    """The revision ``body_packed`` is a delta against; null when it is a snapshot."""
    body_packed: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    """A codec byte, then a snapshot or a delta (``editorial/revisions/packing.py``)."""
    tags: list[str] = Field(default_factory=list, sa_type=JSONType)
    authors: list[str] = Field(default_factory=list, sa_type=JSONType)
    saved_by_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    saved_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    message: str = Field(default="", max_length=1000)
    content_hash: str = Field(max_length=64)


class ArticleAuthor(SQLModel, table=True):
    """Authorship, a role held on one article: its creator and co-authors."""

    __tablename__ = "article_authors"

    article_id: int = Field(sa_column=Column(Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True))
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), primary_key=True, index=True))
