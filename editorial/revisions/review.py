"""What a reviewer asks for: the diff between two revisions named by number or by shortcut."""

from __future__ import annotations

from sqlmodel import Session

from editorial.articles import reading
from editorial.auth.principal import Principal
from editorial.db.types import MAX_INTEGER
from editorial.lib.errors import InvalidInput, NotFound
from editorial.revisions import services
from editorial.revisions.diffing import Granularity
from editorial.revisions.schemas import DiffRead

SHORTCUTS = ("previous", "live", "signoff", "head")


def resolve(session: Session, principal: Principal, loaded: reading.Loaded, spec: str, *, to: int) -> int:
    """A revision number from ``N``, ``head``, ``previous`` (before ``to``), ``live`` or ``signoff``."""
    article = loaded.article
    assert article.id is not None
    if spec.isascii() and spec.isdigit():
        if not 1 <= int(spec) <= MAX_INTEGER:
            raise NotFound(f"article {article.id} has no revision {spec}")
        return int(spec)
    if spec == "head":
        return article.head_revision
    if spec == "previous":
        return max(to - 1, 1)
    if spec == "live":
        if article.live_revision is None:
            raise InvalidInput.field("from", "the article has no live revision")
        return article.live_revision
    if spec == "signoff":
        sign_offs = {t.id for t in loaded.workflow.transitions if "sign_off" in t.effects}
        mine = services.last_signed_revision(session, article.id, sign_offs, principal.user_id)
        anyone = mine or services.last_signed_revision(session, article.id, sign_offs, None)
        return anyone or 1
    raise InvalidInput.field("from", f"a revision number or one of {', '.join(SHORTCUTS)}")


def review_diff(
    session: Session,
    principal: Principal,
    article_id: int,
    *,
    old: str | None,
    new: str | None,
    granularity: Granularity,
) -> DiffRead:
    """The diff a reviewer asked for; by default from the previous revision to the head."""
    loaded = reading.load(session, principal, article_id)
    new = new or "head"
    if new != "head" and not (new.isascii() and new.isdigit()):
        raise InvalidInput.field("to", "a revision number or 'head'")
    new_number = resolve(session, principal, loaded, new, to=loaded.article.head_revision)
    old_number = resolve(session, principal, loaded, old or "previous", to=new_number)
    return services.diff_revisions(session, article_id, old_number, new_number, granularity)
