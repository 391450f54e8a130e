"""Revisions over HTTP: the list (newest first, paged), one revision's content, and restoring an old one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from editorial.lib.clock import FrozenClock
from editorial.lib.paging import encode_cursor
from tests.articles.problems import assert_problem, error_fields
from tests.support import Actor

ARTICLES = "/api/v1/articles"


def saved_three_times(writer: Actor, clock: FrozenClock) -> dict[str, Any]:
    """An article with revisions 1 to 4, a minute apart, each with its own title and body."""
    article = writer.create(title="Title 1", body="Body 1", tags=["one"])
    for n in (2, 3, 4):
        clock.advance(timedelta(minutes=1))
        response = writer.put(
            f"{ARTICLES}/{article['id']}",
            json={"title": f"Title {n}", "body": f"Body {n}", "message": f"save {n}"},
            headers={"If-Match": f'"r{n - 1}"'},
        )
        assert response.status_code == 200, response.text
    return article


def test_revisions_are_listed_newest_first(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    writer = newsroom["writer"]
    article = saved_three_times(writer, clock)
    response = writer.get(f"{ARTICLES}/{article['id']}/revisions")
    assert response.status_code == 200
    page = response.json()
    assert page["next_cursor"] is None
    assert [(r["number"], r["title"], r["message"], r["saved_by"]) for r in page["items"]] == [
        (4, "Title 4", "save 4", "writer"),
        (3, "Title 3", "save 3", "writer"),
        (2, "Title 2", "save 2", "writer"),
        (1, "Title 1", "created", "writer"),
    ]
    assert [r["saved_at"] for r in page["items"]] == [f"2026-01-01T09:0{m}:00Z" for m in (3, 2, 1, 0)]
    assert len({r["content_hash"] for r in page["items"]}) == 4


def test_revisions_are_paged_without_gaps_or_repeats(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    writer = newsroom["writer"]
    article = saved_three_times(writer, clock)
    url = f"{ARTICLES}/{article['id']}/revisions"
    first = writer.get(url, params={"limit": 3}).json()
    assert [r["number"] for r in first["items"]] == [4, 3, 2]
    second = writer.get(url, params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [r["number"] for r in second["items"]] == [1]
    assert second["next_cursor"] is None


def test_revision_list_rejects_a_bad_cursor_and_limit(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    url = f"{ARTICLES}/{writer.create()['id']}/revisions"
    for cursor in ("nope", encode_cursor({"id": 2}), encode_cursor({"n": 2**40})):
        assert error_fields(assert_problem(writer.get(url, params={"cursor": cursor}), 422)) == ["cursor"]
    assert error_fields(assert_problem(writer.get(url, params={"limit": 201}), 422)) == ["limit"]


def test_one_revision_has_its_full_content(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    writer = newsroom["writer"]
    article = saved_three_times(writer, clock)
    response = writer.get(f"{ARTICLES}/{article['id']}/revisions/1")
    assert response.status_code == 200
    revision = response.json()
    assert {k: revision[k] for k in ("number", "title", "dek", "body", "tags", "authors", "saved_by", "message")} == {
        "number": 1,
        "title": "Title 1",
        "dek": article["dek"],
        "body": "Body 1",
        "tags": ["one"],
        "authors": ["writer"],
        "saved_by": "writer",
        "message": "created",
    }
    assert revision["saved_at"] == "2026-01-01T09:00:00Z"


def test_old_revisions_never_change(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    writer = newsroom["writer"]
    article = writer.create(title="Original", body="Original body")
    before = writer.get(f"{ARTICLES}/{article['id']}/revisions/1").json()
    writer.save(article, title="Changed", body="Changed body", authors=["writer", "writer2"])
    assert writer.get(f"{ARTICLES}/{article['id']}/revisions/1").json() == before


def test_unknown_revision_is_404(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    for number in ("5", "0", "-1", "2147483648", "99999999999999999999"):
        assert_problem(writer.get(f"{ARTICLES}/{article['id']}/revisions/{number}"), 404, "not-found")
        assert_problem(writer.post(f"{ARTICLES}/{article['id']}/revisions/{number}/restore"), 404, "not-found")


def test_revisions_of_an_unknown_article_are_404(newsroom: dict[str, Actor]) -> None:
    admin = newsroom["admin"]
    assert_problem(admin.get(f"{ARTICLES}/4242/revisions"), 404, "not-found")
    assert_problem(admin.get(f"{ARTICLES}/4242/revisions/1"), 404, "not-found")
    assert_problem(admin.post(f"{ARTICLES}/4242/revisions/1/restore"), 404, "not-found")


def test_a_revision_number_of_another_article_is_404(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    writer = newsroom["writer"]
    saved_three_times(writer, clock)
    other = writer.create(title="Other")
    assert_problem(writer.get(f"{ARTICLES}/{other['id']}/revisions/2"), 404, "not-found")


def test_restore_appends_a_revision_with_the_old_content(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    writer = newsroom["writer"]
    article = saved_three_times(writer, clock)
    clock.advance(timedelta(minutes=1))
    response = writer.post(f"{ARTICLES}/{article['id']}/revisions/2/restore", headers={"If-Match": '"r4"'})
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"r5"'
    restored = response.json()
    assert (restored["revision"], restored["title"], restored["body"]) == (5, "Title 2", "Body 2")
    old = writer.get(f"{ARTICLES}/{article['id']}/revisions/2").json()
    new = writer.get(f"{ARTICLES}/{article['id']}/revisions/5").json()
    assert new["content_hash"] == old["content_hash"]
    assert new["message"] == "restored revision 2"
    assert (new["saved_by"], new["saved_at"]) == ("writer", "2026-01-01T09:04:00Z")
    numbers = [r["number"] for r in writer.get(f"{ARTICLES}/{article['id']}/revisions").json()["items"]]
    assert numbers == [5, 4, 3, 2, 1]


def test_restore_brings_back_the_old_byline(newsroom: dict[str, Actor]) -> None:
    writer, outsider = newsroom["writer"], newsroom["outsider"]
    article = writer.create()
    writer.save(article, authors=["writer", "outsider"])
    assert outsider.get(f"{ARTICLES}/{article['id']}").status_code == 200
    restored = writer.post(f"{ARTICLES}/{article['id']}/revisions/1/restore").json()
    assert restored["authors"] == ["writer"]
    assert_problem(outsider.get(f"{ARTICLES}/{article['id']}"), 404, "not-found")


def test_restore_with_a_stale_if_match_is_412(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    writer = newsroom["writer"]
    article = saved_three_times(writer, clock)
    response = writer.post(f"{ARTICLES}/{article['id']}/revisions/1/restore", headers={"If-Match": '"r3"'})
    assert assert_problem(response, 412, "stale-revision")["current_revision"] == 4
    assert writer.get(f"{ARTICLES}/{article['id']}").json()["revision"] == 4


def test_restoring_the_head_revision_changes_nothing(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    response = writer.post(f"{ARTICLES}/{article['id']}/revisions/1/restore")
    assert response.status_code == 200
    assert response.json()["revision"] == 1
    assert len(writer.get(f"{ARTICLES}/{article['id']}/revisions").json()["items"]) == 1


def test_restore_needs_the_right_to_edit(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    writer = newsroom["writer"]
    article = saved_three_times(writer, clock)
    for who in ("writer2", "fact_checker"):
        response = newsroom[who].post(f"{ARTICLES}/{article['id']}/revisions/1/restore")
        assert_problem(response, 403, "not-permitted")
    assert writer.get(f"{ARTICLES}/{article['id']}").json()["revision"] == 4


def test_restore_by_a_desk_editor_is_recorded_as_theirs(newsroom: dict[str, Actor], clock: FrozenClock) -> None:
    writer, editor = newsroom["writer"], newsroom["news_editor"]
    article = saved_three_times(writer, clock)
    assert editor.post(f"{ARTICLES}/{article['id']}/revisions/1/restore").status_code == 200
    newest = writer.get(f"{ARTICLES}/{article['id']}/revisions", params={"limit": 1}).json()["items"][0]
    assert (newest["number"], newest["saved_by"]) == (5, "news-editor")
