"""Who may see an article: authors, anyone with a role on its desk, admins; everyone else gets 404, never 403."""

from __future__ import annotations

import pytest

from editorial.db import Database
from editorial.lib.clock import FrozenClock
from tests.articles.problems import assert_problem
from tests.support import Actor, make_user

ARTICLES = "/api/v1/articles"
NEWS_VIEWERS = ["writer", "writer2", "news_editor", "fact_checker", "publisher", "robot", "admin"]
NOT_NEWS = ["outsider", "opinion_editor"]


def test_desk_members_global_roles_and_admins_see_a_news_draft(newsroom: dict[str, Actor]) -> None:
    article = newsroom["writer"].create()
    for who in NEWS_VIEWERS:
        response = newsroom[who].get(f"{ARTICLES}/{article['id']}")
        assert response.status_code == 200, (who, response.text)
        assert response.json()["id"] == article["id"]
        assert [a["id"] for a in newsroom[who].get(ARTICLES).json()["items"]] == [article["id"]], who


@pytest.mark.parametrize("who", NOT_NEWS)
def test_users_without_a_role_on_the_desk_get_404_like_an_unknown_id(newsroom: dict[str, Actor], who: str) -> None:
    article = newsroom["writer"].create()
    actor = newsroom[who]
    hidden = assert_problem(actor.get(f"{ARTICLES}/{article['id']}"), 404, "not-found")
    unknown = assert_problem(actor.get(f"{ARTICLES}/{article['id'] + 1000}"), 404, "not-found")
    assert hidden["detail"].replace(str(article["id"]), "N") == unknown["detail"].replace(
        str(article["id"] + 1000), "N"
    )
    assert actor.get(ARTICLES).json()["items"] == []
    assert actor.get(ARTICLES, params={"desk": "news"}).json()["items"] == []


@pytest.mark.parametrize("who", NOT_NEWS)
def test_revisions_of_a_hidden_article_are_404(newsroom: dict[str, Actor], who: str) -> None:
    article = newsroom["writer"].create()
    actor = newsroom[who]
    assert_problem(actor.get(f"{ARTICLES}/{article['id']}/revisions"), 404, "not-found")
    assert_problem(actor.get(f"{ARTICLES}/{article['id']}/revisions/1"), 404, "not-found")
    assert_problem(actor.post(f"{ARTICLES}/{article['id']}/revisions/1/restore"), 404, "not-found")


def test_an_author_without_a_desk_role_sees_only_their_own(newsroom: dict[str, Actor]) -> None:
    writer, outsider = newsroom["writer"], newsroom["outsider"]
    shared, private = writer.create(title="Shared"), writer.create(title="Private")
    writer.save(shared, authors=["writer", "outsider"])
    assert outsider.get(f"{ARTICLES}/{shared['id']}").status_code == 200
    assert_problem(outsider.get(f"{ARTICLES}/{private['id']}"), 404, "not-found")
    assert [a["id"] for a in outsider.get(ARTICLES).json()["items"]] == [shared["id"]]


def test_a_writer_on_one_desk_keeps_seeing_their_article_on_another(newsroom: dict[str, Actor]) -> None:
    news_editor, opinion_editor = newsroom["news_editor"], newsroom["opinion_editor"]
    article = news_editor.create(title="An editor writes")
    news_editor.save(article, authors=["news-editor", "opinion-editor"])
    assert opinion_editor.get(f"{ARTICLES}/{article['id']}").status_code == 200
    assert [a["id"] for a in opinion_editor.get(ARTICLES).json()["items"]] == [article["id"]]


def test_opinion_desk_members_see_opinion_but_not_news(newsroom: dict[str, Actor]) -> None:
    writer, opinion_editor = newsroom["writer"], newsroom["opinion_editor"]
    news, opinion = writer.create(), writer.create(desk="opinion")
    assert [a["id"] for a in opinion_editor.get(ARTICLES).json()["items"]] == [opinion["id"]]
    assert opinion_editor.get(f"{ARTICLES}/{opinion['id']}").status_code == 200
    assert_problem(opinion_editor.get(f"{ARTICLES}/{news['id']}"), 404, "not-found")


def test_a_role_granted_later_makes_the_desk_visible_at_once(newsroom: dict[str, Actor]) -> None:
    article = newsroom["writer"].create()
    outsider = newsroom["outsider"]
    assert_problem(outsider.get(f"{ARTICLES}/{article['id']}"), 404, "not-found")
    granted = newsroom["admin"].post("/api/v1/users/outsider/roles", json={"role": "fact_checker", "desk": "news"})
    assert granted.status_code == 201
    assert outsider.get(f"{ARTICLES}/{article['id']}").status_code == 200


def test_a_desk_scoped_admin_grant_does_not_reach_other_desks(
    newsroom: dict[str, Actor], db: Database, clock: FrozenClock
) -> None:
    article = newsroom["writer"].create()
    _, token = make_user(db, clock, "opinion-admin", "admin:opinion")
    opinion_admin = Actor(newsroom["writer"].client, "opinion-admin", token)
    assert_problem(opinion_admin.get(f"{ARTICLES}/{article['id']}"), 404, "not-found")
