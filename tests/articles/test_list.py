"""Listing articles: the state, desk, author and text filters, and cursor paging with a capped limit."""

from __future__ import annotations

from typing import Any

from editorial.lib.paging import encode_cursor
from tests.articles.problems import assert_problem, error_fields
from tests.support import Actor

ARTICLES = "/api/v1/articles"


def ids(actor: Actor, **params: Any) -> list[int]:
    response = actor.get(ARTICLES, params=params)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return [item["id"] for item in response.json()["items"]]


def all_pages(actor: Actor, **params: Any) -> list[list[int]]:
    pages: list[list[int]] = []
    cursor = None
    while True:
        response = actor.get(ARTICLES, params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append([item["id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "paging does not end"


def test_list_is_newest_first(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    created = [writer.create(title=f"Story {n}")["id"] for n in range(3)]
    assert ids(writer) == list(reversed(created))


def test_filter_by_state(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    draft, submitted = writer.create(), writer.create()
    writer.must(submitted, "submit")
    assert ids(writer, state="editing") == [submitted["id"]]
    assert ids(writer, state="draft") == [draft["id"]]
    assert ids(writer, state="published") == []


def test_unknown_state_value_is_422(newsroom: dict[str, Actor]) -> None:
    body = assert_problem(newsroom["writer"].get(ARTICLES, params={"state": "archived"}), 422, "invalid-input")
    assert "archived" in body["detail"]
    assert error_fields(body) == ["state"]


def test_filter_by_desk(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    news, opinion = writer.create(), writer.create(desk="opinion")
    assert ids(writer, desk="news") == [news["id"]]
    assert ids(writer, desk="opinion") == [opinion["id"]]
    assert ids(writer, desk="sports") == []


def test_filter_by_author(newsroom: dict[str, Actor]) -> None:
    writer, writer2 = newsroom["writer"], newsroom["writer2"]
    mine, theirs = writer.create(), writer2.create()
    assert ids(writer, author="writer") == [mine["id"]]
    assert ids(writer, author="writer2") == [theirs["id"]]
    assert ids(writer, author="nobody") == []


def test_text_search_looks_in_title_dek_and_body_ignoring_case(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    in_title = writer.create(title="Harbour FERRY extended", dek="", body="Nothing here.")
    in_dek = writer.create(title="Council", dek="About the ferry.", body="Nothing here.")
    in_body = writer.create(title="Council", dek="", body="The Ferry runs on.")
    writer.create(title="Buses", dek="", body="Routes change.")
    assert sorted(ids(writer, q="ferry")) == sorted([in_title["id"], in_dek["id"], in_body["id"]])


def test_text_search_treats_percent_and_underscore_literally(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    percent = writer.create(title="Rates rise 5% in May", body="x")
    underscore = writer.create(title="The snake_case debate", body="x")
    writer.create(title="Rates rise 50 points", body="x")
    writer.create(title="The snakes case", body="x")
    assert ids(writer, q="5%") == [percent["id"]]
    assert ids(writer, q="%") == [percent["id"]]
    assert ids(writer, q="e_c") == [underscore["id"]]
    assert ids(writer, q="_") == [underscore["id"]]
    assert ids(writer, q="\\") == []


def test_filters_combine(newsroom: dict[str, Actor]) -> None:
    writer, writer2 = newsroom["writer"], newsroom["writer2"]
    target = writer.create(desk="opinion", title="Ferry column")
    writer.create(desk="news", title="Ferry story")
    writer2.create(desk="opinion", title="Ferry reply")
    writer.must(target, "submit")
    assert ids(writer, desk="opinion", author="writer", state="editing", q="ferry") == [target["id"]]


def test_cursor_paging_covers_every_article_once(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    created = [writer.create(title=f"Story {n}")["id"] for n in range(7)]
    pages = all_pages(writer, limit=3)
    assert [len(page) for page in pages] == [3, 3, 1]
    flat = [article_id for page in pages for article_id in page]
    assert flat == list(reversed(created))


def test_a_page_that_fills_exactly_has_no_next_cursor(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    for n in range(4):
        writer.create(title=f"Story {n}")
    assert [len(page) for page in all_pages(writer, limit=2)] == [2, 2]


def test_paging_keeps_the_filters(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    news = [writer.create(title=f"News {n}")["id"] for n in range(5)]
    for n in range(3):
        writer.create(desk="opinion", title=f"Opinion {n}")
    flat = [article_id for page in all_pages(writer, limit=2, desk="news") for article_id in page]
    assert flat == list(reversed(news))


def test_paging_is_stable_when_articles_are_added_between_pages(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    created = [writer.create(title=f"Story {n}")["id"] for n in range(4)]
    first = writer.get(ARTICLES, params={"limit": 2}).json()
    writer.create(title="Late arrival")
    second = writer.get(ARTICLES, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    seen = [a["id"] for a in first["items"] + second["items"]]
    assert seen == list(reversed(created))


def test_limit_outside_1_to_200_is_422(newsroom: dict[str, Actor]) -> None:
    for limit in ("201", "0", "-1", "many", "1.5"):
        body = assert_problem(newsroom["writer"].get(ARTICLES, params={"limit": limit}), 422, "invalid-input")
        assert error_fields(body) == ["limit"], limit


def test_limit_of_200_is_accepted(newsroom: dict[str, Actor]) -> None:
    assert newsroom["writer"].get(ARTICLES, params={"limit": 200}).status_code == 200


def test_a_cursor_this_endpoint_did_not_make_is_422(newsroom: dict[str, Actor]) -> None:
    for cursor in (
        "garbage!!",
        "x" * 201,
        encode_cursor({"n": 3}),
        encode_cursor({"id": "3"}),
        encode_cursor({"id": True}),
        encode_cursor({"id": 1.5}),
        encode_cursor({"id": 3, "extra": 1}),
        encode_cursor({"id": 10**20}),
        "W10",
        "_-_-",
    ):
        body = assert_problem(newsroom["writer"].get(ARTICLES, params={"cursor": cursor}), 422, "invalid-input")
        assert error_fields(body) == ["cursor"], cursor


def test_empty_cursor_means_the_first_page(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create()
    assert [a["id"] for a in writer.get(ARTICLES, params={"cursor": ""}).json()["items"]] == [article["id"]]


def test_overlong_text_query_is_422(newsroom: dict[str, Actor]) -> None:
    body = assert_problem(newsroom["writer"].get(ARTICLES, params={"q": "x" * 201}), 422, "invalid-input")
    assert error_fields(body) == ["q"]
