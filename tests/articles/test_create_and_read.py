"""Creating and reading articles: the contract fields, the ETag, slugs, and who may create."""

from __future__ import annotations

from typing import Any

from tests.articles.problems import assert_problem, error_fields
from tests.support import STORY, Actor

ARTICLES = "/api/v1/articles"
CONTRACT_FIELDS = {
    "id",
    "slug",
    "desk",
    "state",
    "title",
    "dek",
    "body",
    "tags",
    "authors",
    "revision",
    "live_revision",
    "publish_at",
    "unpublish_at",
    "published_at",
    "created_at",
    "updated_at",
}


def test_create_returns_201_the_article_and_an_etag_naming_revision_1(newsroom: dict[str, Actor]) -> None:
    response = newsroom["writer"].post(ARTICLES, json=STORY)
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"r1"'
    article = response.json()
    assert set(article) >= CONTRACT_FIELDS
    assert {k: article[k] for k in ("desk", "title", "dek", "body", "tags")} == STORY
    assert article["state"] == "draft"
    assert article["authors"] == ["writer"]
    assert article["revision"] == 1
    assert (article["live_revision"], article["publish_at"], article["published_at"]) == (None, None, None)
    assert article["created_at"] == article["updated_at"] == "2026-01-01T09:00:00Z"


def test_create_with_only_the_required_fields(newsroom: dict[str, Actor]) -> None:
    response = newsroom["writer"].post(ARTICLES, json={"desk": "opinion", "title": "Bare", "body": "Only a body."})
    assert response.status_code == 201, response.text
    article = response.json()
    assert (article["desk"], article["slug"], article["dek"], article["tags"]) == ("opinion", "bare", "", [])


def test_duplicate_tags_are_kept_once_in_order(newsroom: dict[str, Actor]) -> None:
    article = newsroom["writer"].create(tags=["ferry", " harbour ", "ferry"])
    assert article["tags"] == ["ferry", "harbour"]


def test_get_returns_the_head_revision_with_its_etag(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    created = writer.create()
    response = writer.get(f"{ARTICLES}/{created['id']}")
    assert response.status_code == 200
    assert response.headers["etag"] == '"r1"'
    assert response.json() == created


def test_unknown_article_id_is_404(newsroom: dict[str, Actor]) -> None:
    body = assert_problem(newsroom["admin"].get(f"{ARTICLES}/4242"), 404, "not-found")
    assert "4242" in body["detail"]


def test_article_ids_out_of_any_range_are_404_not_500(newsroom: dict[str, Actor]) -> None:
    admin = newsroom["admin"]
    for article_id in ("0", "-1", "2147483648", "99999999999999999999"):
        assert_problem(admin.get(f"{ARTICLES}/{article_id}"), 404, "not-found")
        assert_problem(admin.put(f"{ARTICLES}/{article_id}", json={"title": "x"}, headers={"If-Match": '"r1"'}), 404)
        assert_problem(admin.get(f"{ARTICLES}/{article_id}/revisions"), 404, "not-found")


def test_non_numeric_article_id_is_404(newsroom: dict[str, Actor]) -> None:
    assert_problem(newsroom["admin"].get(f"{ARTICLES}/ferry"), 404)


def test_slug_is_generated_from_the_title(newsroom: dict[str, Actor]) -> None:
    article = newsroom["writer"].create(title="Café owners: 'We\u2019re  staying open!'")
    assert article["slug"] == "cafe-owners-were-staying-open"


def test_title_without_letters_gets_a_placeholder_slug(newsroom: dict[str, Actor]) -> None:
    assert newsroom["writer"].create(title="¡¿ — ?!")["slug"] == "article"


def test_same_title_gets_a_numbered_slug(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    slugs = [writer.create(title="Ferry news")["slug"] for _ in range(3)]
    assert slugs == ["ferry-news", "ferry-news-2", "ferry-news-3"]


def test_generated_slug_skips_a_suffix_taken_by_a_given_slug(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    assert writer.create(title="Ferry news")["slug"] == "ferry-news"
    assert writer.create(title="Other", slug="ferry-news-2")["slug"] == "ferry-news-2"
    assert writer.create(title="Ferry news")["slug"] == "ferry-news-3"


def test_given_slug_is_used(newsroom: dict[str, Actor]) -> None:
    assert newsroom["writer"].create(slug="ferry-2026")["slug"] == "ferry-2026"


def test_given_slug_that_is_taken_is_409(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    writer.create(slug="ferry")
    body = assert_problem(writer.post(ARTICLES, json={**STORY, "slug": "ferry"}), 409, "conflict")
    assert "ferry" in body["detail"]
    assert len(writer.get(ARTICLES).json()["items"]) == 1


def test_invalid_slug_is_422(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    for slug in ("Bad Slug", "UPPER", "trailing-", "-leading", "double--dash", "under_score", "", "x" * 201):
        body = assert_problem(writer.post(ARTICLES, json={**STORY, "slug": slug}), 422, "invalid-input")
        assert error_fields(body) == ["slug"], slug
    assert writer.get(ARTICLES).json()["items"] == []


def test_unknown_desk_is_422(newsroom: dict[str, Actor]) -> None:
    body = assert_problem(newsroom["admin"].post(ARTICLES, json={**STORY, "desk": "sports"}), 422, "invalid-input")
    assert body["errors"] == [{"field": "desk", "message": "unknown desk 'sports'"}]


def test_writers_editors_and_admins_may_create_on_their_desk(newsroom: dict[str, Actor]) -> None:
    for who in ("writer", "news_editor", "admin"):
        assert newsroom[who].create()["authors"] == [newsroom[who].username]


def test_other_roles_may_not_create(newsroom: dict[str, Actor]) -> None:
    for who in ("fact_checker", "publisher", "robot", "outsider", "opinion_editor"):
        body = assert_problem(newsroom[who].post(ARTICLES, json=STORY), 403, "not-permitted")
        assert "news" in body["detail"], who
    assert newsroom["admin"].get(ARTICLES).json()["items"] == []


def test_created_article_has_one_revision_by_its_creator(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    revisions = writer.get(f"{ARTICLES}/{article['id']}/revisions").json()["items"]
    assert [(r["number"], r["saved_by"], r["message"]) for r in revisions] == [(1, "writer", "created")]


def test_list_and_read_agree_on_the_summary_fields(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    [summary] = writer.get(ARTICLES).json()["items"]
    assert "body" not in summary
    assert summary == {k: v for k, v in article.items() if k != "body"}


def _read(actor: Actor, article_id: int) -> dict[str, Any]:
    response = actor.get(f"{ARTICLES}/{article_id}")
    assert response.status_code == 200, response.text
    return response.json()


def test_reads_do_not_change_the_article(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    assert _read(writer, article["id"]) == _read(newsroom["news_editor"], article["id"]) == article
