"""The newsroom's paths through the workflows, end to end over HTTP."""

from __future__ import annotations

from datetime import timedelta

from tests.support import Actor


def history_of(actor: Actor, article_id: int) -> list[tuple[str, str, str, str, int]]:
    items = actor.get(f"/api/v1/articles/{article_id}/history").json()["items"]
    return [(h["actor"], h["transition"], h["from_state"], h["to_state"], h["revision"]) for h in items]


def test_news_path_draft_to_published(newsroom: dict[str, Actor]) -> None:
    writer, editor, checker, publisher = (newsroom[k] for k in ("writer", "news_editor", "fact_checker", "publisher"))
    article = writer.create()
    assert article["state"] == "draft"
    writer.must(article, "submit")
    editor.must(article, "send_to_fact_check")
    ready = checker.must(article, "pass_fact_check")
    assert ready["state"] == "ready"
    assert ready["signed_revision"] == 1
    published = publisher.must(article, "publish")
    assert published["state"] == "published"
    assert published["live_revision"] == 1
    assert published["published_at"] is not None
    assert history_of(editor, article["id"]) == [
        ("writer", "submit", "draft", "editing", 1),
        ("news-editor", "send_to_fact_check", "editing", "fact_check", 1),
        ("fact-checker", "pass_fact_check", "fact_check", "ready", 1),
        ("publisher", "publish", "ready", "published", 1),
    ]


def test_news_has_no_approve(newsroom: dict[str, Actor]) -> None:
    writer, editor = newsroom["writer"], newsroom["news_editor"]
    article = writer.create()
    writer.must(article, "submit")
    response = editor.fire(article, "approve")
    assert response.status_code == 404
    assert "approve" in response.json()["detail"]


def test_opinion_path_with_approve(newsroom: dict[str, Actor]) -> None:
    writer, editor = newsroom["writer"], newsroom["opinion_editor"]
    article = writer.create(desk="opinion", title="Why ferries matter")
    writer.must(article, "submit")
    approved = editor.must(article, "approve")
    assert (approved["state"], approved["signed_revision"]) == ("ready", 1)
    assert editor.must(article, "publish")["live_revision"] == 1


def test_opinion_may_still_be_fact_checked(newsroom: dict[str, Actor]) -> None:
    writer, editor, checker = newsroom["writer"], newsroom["opinion_editor"], newsroom["fact_checker"]
    article = writer.create(desk="opinion")
    writer.must(article, "submit")
    editor.must(article, "send_to_fact_check")
    assert checker.must(article, "pass_fact_check")["state"] == "ready"


def test_returned_draft_needs_a_comment_and_goes_back_to_the_writer(newsroom: dict[str, Actor]) -> None:
    writer, editor = newsroom["writer"], newsroom["news_editor"]
    article = writer.create()
    writer.must(article, "submit")
    missing = editor.fire(article, "return_to_writer", comment="   ")
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"field": "comment", "message": "return_to_writer requires comment"}]
    returned = editor.must(article, "return_to_writer", comment="Needs a second source.")
    assert returned["state"] == "draft"
    assert writer.save(article, body="Now with a second source.").status_code == 200
    assert history_of(writer, article["id"])[-1] == ("news-editor", "return_to_writer", "editing", "draft", 1)


def test_failed_fact_check_returns_to_editing_with_comment(newsroom: dict[str, Actor]) -> None:
    writer, editor, checker = newsroom["writer"], newsroom["news_editor"], newsroom["fact_checker"]
    article = writer.create()
    writer.must(article, "submit")
    editor.must(article, "send_to_fact_check")
    assert checker.fire(article, "fail_fact_check").status_code == 422
    failed = checker.must(article, "fail_fact_check", comment="The ridership figure is wrong.")
    assert failed["state"] == "editing"
    assert failed["signed_revision"] is None
    entries = editor.get(f"/api/v1/articles/{article['id']}/history").json()["items"]
    assert entries[-1]["comment"] == "The ridership figure is wrong."


def test_edit_after_sign_off_voids_it_and_returns_to_editing(newsroom: dict[str, Actor]) -> None:
    writer, editor, checker = newsroom["writer"], newsroom["news_editor"], newsroom["fact_checker"]
    article = writer.create()
    writer.must(article, "submit")
    editor.must(article, "send_to_fact_check")
    checker.must(article, "pass_fact_check")
    saved = editor.save(article, body="A late change nobody checked.")
    assert saved.status_code == 200
    after = saved.json()
    assert (after["state"], after["signed_revision"], after["revision"]) == ("editing", None, 2)
    assert history_of(editor, article["id"])[-1] == ("news-editor", "edit", "ready", "editing", 2)
    refused = editor.fire(article, "publish")
    assert refused.status_code == 409


def test_what_was_signed_off_is_what_goes_live(newsroom: dict[str, Actor], clock) -> None:
    writer, editor, checker, publisher = (newsroom[k] for k in ("writer", "news_editor", "fact_checker", "publisher"))
    article = writer.create()
    writer.save(article, body="Second draft.")
    writer.must(article, "submit")
    editor.save(article, body="Edited copy.")
    editor.must(article, "send_to_fact_check")
    signed = checker.must(article, "pass_fact_check")
    assert signed["signed_revision"] == 3
    scheduled = publisher.must(article, "schedule", publish_at=(clock.now() + timedelta(hours=1)).isoformat())
    assert scheduled["state"] == "scheduled"
    assert editor.save(article, body="Sneaky change.").status_code == 403
    assert publisher.must(article, "unschedule")["state"] == "ready"
    live = publisher.must(article, "publish")
    assert live["live_revision"] == 3


def test_update_to_published_article_keeps_live_revision_online(newsroom: dict[str, Actor]) -> None:
    writer, editor, checker, publisher = (newsroom[k] for k in ("writer", "news_editor", "fact_checker", "publisher"))
    article = writer.create()
    writer.must(article, "submit")
    editor.must(article, "send_to_fact_check")
    checker.must(article, "pass_fact_check")
    publisher.must(article, "publish")
    updated = editor.save(article, body="Corrected: ridership rose 80%, not doubled.").json()
    assert (updated["state"], updated["live_revision"], updated["revision"]) == ("editing", 1, 2)
    # The update goes through fact-check again (news), and the live pointer moves only on publish.
    assert editor.fire(article, "publish").status_code == 409
    editor.must(article, "send_to_fact_check")
    assert editor.get(f"/api/v1/articles/{article['id']}").json()["live_revision"] == 1
    checker.must(article, "pass_fact_check")
    republished = publisher.must(article, "publish", correction="An earlier version overstated ridership.")
    assert (republished["state"], republished["live_revision"]) == ("published", 2)
    entries = editor.get(f"/api/v1/articles/{article['id']}/history").json()["items"]
    assert entries[-1]["correction"] == "An earlier version overstated ridership."


def test_unpublish_needs_comment_and_republish_restores_the_same_revision(newsroom: dict[str, Actor]) -> None:
    writer, editor = newsroom["writer"], newsroom["opinion_editor"]
    article = writer.create(desk="opinion")
    writer.must(article, "submit")
    editor.must(article, "approve")
    editor.must(article, "publish")
    assert editor.fire(article, "unpublish").status_code == 422
    down = editor.must(article, "unpublish", comment="Legal asked us to take it down.")
    assert (down["state"], down["live_revision"]) == ("unpublished", None)
    back = editor.must(article, "republish")
    assert (back["state"], back["live_revision"]) == ("published", 1)


def test_desk_editors_are_refused_on_the_other_desk(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    news = writer.create()
    opinion = writer.create(desk="opinion", title="A column")
    writer.must(news, "submit")
    writer.must(opinion, "submit")
    # A news editor cannot see opinion pieces at all (404), and the reverse.
    assert newsroom["news_editor"].fire(opinion, "approve").status_code == 404
    assert newsroom["opinion_editor"].fire(news, "send_to_fact_check").status_code == 404
    assert newsroom["opinion_editor"].get(f"/api/v1/articles/{news['id']}").status_code == 404


def test_editor_who_is_author_cannot_approve(newsroom: dict[str, Actor], db, clock) -> None:
    from tests.support import make_user

    _, token = make_user(db, clock, "columnist-editor", "writer:opinion", "editor:opinion")
    both = Actor(newsroom["writer"].client, "columnist-editor", token)
    article = both.create(desk="opinion")
    both.must(article, "submit")
    refused = both.fire(article, "approve")
    assert refused.status_code == 403
    assert "author" in refused.json()["detail"]
    explained = both.get(f"/api/v1/articles/{article['id']}/workflow?explain=true").json()
    assert "approve" not in [t["id"] for t in explained["transitions"]]
    assert any(u["id"] == "approve" and "author" in u["reason"] for u in explained["unavailable"])
    assert newsroom["opinion_editor"].must(article, "approve")["state"] == "ready"


def test_fact_checker_who_is_coauthor_cannot_pass(newsroom: dict[str, Actor], db, clock) -> None:
    writer, editor, checker = newsroom["writer"], newsroom["news_editor"], newsroom["fact_checker"]
    article = writer.create()
    assert writer.save(article, authors=["writer", "fact-checker"]).status_code == 200
    writer.must(article, "submit")
    editor.must(article, "send_to_fact_check")
    assert checker.fire(article, "pass_fact_check").status_code == 403
    # ...but may still fail it, which needs no sign-off.
    assert checker.must(article, "fail_fact_check", comment="I co-wrote this; someone else must check.")


def test_transition_from_wrong_state_is_409_with_what_is_allowed(newsroom: dict[str, Actor]) -> None:
    article = newsroom["writer"].create()
    response = newsroom["publisher"].fire(article, "publish")
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "submit" in response.json()["detail"]


def test_a_live_article_can_be_taken_down_while_its_update_is_in_progress(newsroom: dict[str, Actor]) -> None:
    writer, editor, checker, publisher = (newsroom[k] for k in ("writer", "news_editor", "fact_checker", "publisher"))
    article = writer.create()
    writer.must(article, "submit")
    editor.must(article, "send_to_fact_check")
    checker.must(article, "pass_fact_check")
    publisher.must(article, "publish")
    assert editor.save(article, body="An update under way.").json()["state"] == "editing"
    down = editor.must(article, "unpublish", comment="Legal: take it down now.")
    assert (down["state"], down["live_revision"], down["revision"]) == ("unpublished", None, 2)
    assert editor.must(article, "republish")["live_revision"] == 1
    # Never live, nothing to take down.
    fresh = writer.create()
    writer.must(fresh, "submit")
    refused = editor.fire(fresh, "unpublish", comment="No.")
    assert refused.status_code == 403
    assert "not live" in refused.json()["detail"]
