"""Why the worklist slows down with the table, and a query shape that does not.

``GET /api/v1/worklist`` selects the articles in the caller's action scope (an OR over desk and
state, and authorship) ordered by ``state_changed_at`` and takes the first page. Neither SQLite nor
PostgreSQL can read that OR in index order, so both collect every matching row (for a news editor,
most news articles) and sort them before the LIMIT: the cost grows with the table.

The alternative takes the first page of each (desk, state) branch from the index
``ix_articles_desk_id_state_state_changed_at`` (already there) and sorts only those: at most
branches x (limit + 1) rows, whatever the table size. This script seeds a scratch database, prints
both plans, times both queries in-process and checks they return the same ids.

    python -m bench.worklist_plan [--articles 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

from sqlalchemy import Select, and_, select, text, union_all

from bench import seed
from bench.harness import backend, database, scratch_database
from editorial.articles.services import visible_clause
from editorial.auth.principal import Principal
from editorial.db.models import Article, ArticleAuthor, Revision
from editorial.desks.services import desk_workflows
from editorial.workflow import policy

LIMIT = 50


def current_query(principal: Principal, scope: policy.Scope) -> Select[Any]:
    """The statement ``editorial.workflow.services.worklist`` runs for the first page."""
    return (
        select(Article, Revision.title, Revision.authors)
        .join(Revision, and_(Revision.article_id == Article.id, Revision.number == Article.head_revision))
        .where(visible_clause(principal, scope))
        .order_by(Article.state_changed_at, Article.id)
        .limit(LIMIT + 1)
    )


def branch_query(principal: Principal, scope: policy.Scope) -> Select[Any]:
    """The same page: the first ``LIMIT + 1`` of each (desk, state) branch from the index, then sorted."""
    authored = select(ArticleAuthor.article_id).where(ArticleAuthor.user_id == principal.user_id)
    branches = []
    for by_authorship, states_by_desk in ((False, scope.by_role), (True, scope.by_authorship)):
        for desk_id, states in states_by_desk.items():
            for state in sorted(states, key=lambda s: s.value):
                if by_authorship and principal.user_id is None:
                    continue
                branch = select(Article.id, Article.state_changed_at).where(
                    Article.desk_id == desk_id, Article.state == state.value
                )
                if by_authorship:
                    branch = branch.where(Article.id.in_(authored))
                first = branch.order_by(Article.state_changed_at, Article.id).limit(LIMIT + 1).subquery()
                branches.append(select(first.c.id, first.c.state_changed_at))
    candidates = union_all(*branches).subquery("candidates")
    return (
        select(Article, Revision.title, Revision.authors)
        .join(candidates, candidates.c.id == Article.id)
        .join(Revision, and_(Revision.article_id == Article.id, Revision.number == Article.head_revision))
        .order_by(Article.state_changed_at, Article.id)
        .limit(LIMIT + 1)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worklist_plan", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--database-url", help="a PostgreSQL server to create a scratch database on")
    args = parser.parse_args(argv)
    with scratch_database(args.database_url) as url:
        db = database(url)
        people = seed.create_people(db)
        seed.bulk_articles(db, people, args.articles)
        seed.analyze(db)
        explain = "EXPLAIN QUERY PLAN " if backend(url) == "sqlite" else "EXPLAIN (ANALYZE, COSTS OFF) "
        with db.transaction(write=False) as session:
            editor = people["news_editor"].principal
            scope = policy.action_scope(editor, desk_workflows(session))
            results = {}
            for name, query in (("current", current_query(editor, scope)), ("branches", branch_query(editor, scope))):
                sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
                print(f"\n== {name} ({backend(url)}, {args.articles:,} articles)")
                for row in session.execute(text(explain + sql)):
                    print("  ", " ".join(str(v) for v in row))
                timings = []
                for _ in range(7):
                    started = time.perf_counter()
                    rows = session.execute(query).all()
                    timings.append((time.perf_counter() - started) * 1000)
                results[name] = [article.id for article, _, _ in rows]
                print(f"   {statistics.median(timings):.2f} ms (median of 7), {len(rows)} rows")
        db.dispose()
    same = results["current"] == results["branches"]
    print(f"\nsame page from both: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
