"""The diff endpoint as reviewers use it, and merging stale saves."""

from __future__ import annotations

from typing import Any

from editorial.revisions import services as revision_services
from tests.support import Actor

BODY = "The council met on Tuesday.\n\nRidership doubled since June.\n\nThe levy pays for the ferry."


def through_fact_check(newsroom: dict[str, Actor]) -> dict[str, Any]:
    writer, editor, checker = newsroom["writer"], newsroom["news_editor"], newsroom["fact_checker"]
    article = writer.create(body=BODY)
    writer.must(article, "submit")
    editor.must(article, "send_to_fact_check")
    return checker.must(article, "pass_fact_check")


def test_signoff_shortcut_shows_exactly_the_edit_since_the_pass(newsroom: dict[str, Actor]) -> None:
    article = through_fact_check(newsroom)
    editor = newsroom["news_editor"]
    editor.save(article, body=BODY.replace("doubled", "tripled"), message="late fix")
    diff = newsroom["fact_checker"].get(f"/api/v1/articles/{article['id']}/diff", params={"from": "signoff"}).json()
    assert (diff["old"]["revision"], diff["new"]["revision"]) == (1, 2)
    assert (diff["new"]["saved_by"], diff["new"]["message"]) == ("news-editor", "late fix")
    changes = [[op, text] for op, text in diff["fields"]["body"]["ops"] if op != 0]
    assert changes == [[-1, "doubled"], [1, "tripled"]]
    assert diff["stats"] == {"words_added": 1, "words_removed": 1, "fields_changed": 1}


def test_signoff_prefers_the_viewers_own_last_sign_off(newsroom: dict[str, Actor], db: Any, clock: Any) -> None:
    from tests.support import make_user

    article = through_fact_check(newsroom)
    editor, checker = newsroom["news_editor"], newsroom["fact_checker"]
    _, token = make_user(db, clock, "second-checker", "fact_checker")
    second = Actor(editor.client, "second-checker", token)
    editor.save(article, body=BODY + "\n\nA second edit.")
    editor.must(article, "send_to_fact_check")
    second.must(article, "pass_fact_check")
    editor.save(article, body=BODY + "\n\nA third edit.")
    url = f"/api/v1/articles/{article['id']}/diff"
    assert checker.get(url, params={"from": "signoff"}).json()["old"]["revision"] == 1
    assert second.get(url, params={"from": "signoff"}).json()["old"]["revision"] == 2
    assert editor.get(url, params={"from": "signoff"}).json()["old"]["revision"] == 2


def test_live_and_previous_shortcuts_and_defaults(newsroom: dict[str, Actor]) -> None:
    article = through_fact_check(newsroom)
    editor = newsroom["news_editor"]
    url = f"/api/v1/articles/{article['id']}/diff"
    assert editor.get(url, params={"from": "live"}).status_code == 422
    newsroom["publisher"].must(article, "publish")
    editor.save(article, title="A new headline")
    editor.save(article, dek="A new dek")
    live = editor.get(url, params={"from": "live"}).json()
    assert (live["old"]["revision"], live["new"]["revision"], live["stats"]["fields_changed"]) == (1, 3, 2)
    default = editor.get(url).json()
    assert (default["old"]["revision"], default["new"]["revision"]) == (2, 3)
    assert [name for name, f in default["fields"].items() if f["changed"]] == ["dek"]


def test_html_and_unified_forms_by_accept(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create(body=BODY)
    writer.save(article, body=BODY.replace("Tuesday", "<b>Monday</b>"))
    url = f"/api/v1/articles/{article['id']}/diff"
    page = writer.get(url, headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "<del>Tuesday</del><ins>&lt;b&gt;Monday&lt;/b&gt;</ins>" in page.text
    assert 'class="diff-para changed"' in page.text
    unified = writer.get(url, headers={"Accept": "text/x-diff"})
    assert unified.headers["content-type"].startswith("text/x-diff")
    assert "-The council met on Tuesday.\n+The council met on <b>Monday</b>.\n" in unified.text
    assert unified.text.startswith("--- a/body\trevision 1\n+++ b/body\trevision 2\n")


def test_granularity_and_bad_requests(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create(body="approved")
    writer.save(article, body="approves")
    url = f"/api/v1/articles/{article['id']}/diff"
    char = writer.get(url, params={"granularity": "char"}).json()["fields"]["body"]["ops"]
    assert char == [[0, "approve"], [-1, "d"], [1, "s"]]
    assert writer.get(url, params={"granularity": "word"}).json()["fields"]["body"]["ops"] == [
        [-1, "approved"],
        [1, "approves"],
    ]
    assert writer.get(url, params={"granularity": "sentence"}).status_code == 422
    assert writer.get(url, params={"from": "yesterday"}).status_code == 422
    assert writer.get(url, params={"from": "7"}).status_code == 404
    assert writer.get(url, params={"from": "99999999999"}).status_code == 404
    assert newsroom["outsider"].get(url).status_code == 404


def test_repeated_diffs_are_served_from_the_cache(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create(body=BODY)
    writer.save(article, body=BODY + " More.")
    url = f"/api/v1/articles/{article['id']}/diff"
    first = writer.get(url).json()
    hits = revision_services._diffs.hits
    assert writer.get(url).json() == first
    assert revision_services._diffs.hits == hits + 1


def put(actor: Actor, article_id: int, body: dict[str, Any], etag: str, **kwargs: Any) -> Any:
    return actor.put(f"/api/v1/articles/{article_id}", json=body, headers={"If-Match": etag}, **kwargs)


def test_stale_save_with_merge_keeps_both_edits(newsroom: dict[str, Actor]) -> None:
    writer, editor = newsroom["writer"], newsroom["news_editor"]
    article = writer.create(body=BODY)
    editor.save(article, body=BODY.replace("The levy pays", "The transport levy pays"))
    stale = put(writer, article["id"], {"body": BODY.replace("Tuesday", "Monday")}, '"r1"')
    assert stale.status_code == 412
    assert stale.json()["current_revision"] == 2
    merged = put(writer, article["id"], {"body": BODY.replace("Tuesday", "Monday")}, '"r1"', params={"merge": "true"})
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["merged"] == {"base": 1, "head": 2}
    assert body["revision"] == 3
    assert merged.headers["etag"] == '"r3"'
    assert body["body"] == BODY.replace("Tuesday", "Monday").replace("The levy pays", "The transport levy pays")
    revisions = writer.get(f"/api/v1/articles/{article['id']}/revisions").json()["items"]
    assert revisions[0]["message"] == "merged an edit of revision 1 onto revision 2"


def test_prefer_merge_header_and_preference_applied(newsroom: dict[str, Actor]) -> None:
    writer, editor = newsroom["writer"], newsroom["news_editor"]
    article = writer.create(body=BODY, tags=["a"])
    editor.save(article, title="Updated headline")
    merged = writer.put(
        f"/api/v1/articles/{article['id']}", json={"tags": ["a", "b"]}, headers={"If-Match": '"r1"', "Prefer": "merge"}
    )
    assert merged.status_code == 200, merged.text
    assert merged.headers["preference-applied"] == "merge"
    assert (merged.json()["title"], merged.json()["tags"]) == ("Updated headline", ["a", "b"])


def test_overlapping_stale_edit_is_409_with_each_sides_span_and_saves_nothing(newsroom: dict[str, Actor]) -> None:
    writer, editor = newsroom["writer"], newsroom["news_editor"]
    article = writer.create(body=BODY)
    editor.save(article, body=BODY.replace("doubled", "tripled"))
    response = put(writer, article["id"], {"body": BODY.replace("doubled", "halved")}, '"r1"', params={"merge": "1"})
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "/problems/edit-conflict"
    assert problem["current_revision"] == 2
    [conflict] = problem["conflicts"]
    assert (conflict["field"], conflict["base"], conflict["mine"], conflict["theirs"]) == (
        "body",
        "doubled",
        "halved",
        "tripled",
    )
    assert len(writer.get(f"/api/v1/articles/{article['id']}/revisions").json()["items"]) == 2


def test_merge_is_still_subject_to_the_workflow(newsroom: dict[str, Actor]) -> None:
    article = through_fact_check(newsroom)
    newsroom["publisher"].must(article, "schedule", publish_at="2026-01-02T00:00:00Z")
    refused = put(newsroom["news_editor"], article["id"], {"body": "x"}, '"r1"', params={"merge": "true"})
    assert refused.status_code == 403


def test_non_ascii_digits_and_shortcuts_in_to_are_422(newsroom: dict[str, Actor]) -> None:
    writer = newsroom["writer"]
    article = writer.create(body=BODY)
    url = f"/api/v1/articles/{article['id']}/diff"
    assert writer.get(url, params={"from": "²"}).status_code == 422
    assert writer.get(url, params={"from": "\u0661"}).status_code == 422  # ARABIC-INDIC DIGIT ONE
    refused = writer.get(url, params={"to": "live"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "to"


def test_a_diff_cut_short_by_the_budget_is_not_cached(newsroom: dict[str, Actor], monkeypatch: Any) -> None:
    from editorial.revisions import diffing

    writer = newsroom["writer"]
    article = writer.create(body=BODY + " Budget test.")
    writer.save(article, body=BODY + " Budget test, cut short.")
    url = f"/api/v1/articles/{article['id']}/diff"
    real = diffing.diff_text
    monkeypatch.setattr(
        revision_services, "diff_text", lambda *a, **k: diffing.TextDiff(real(*a, **k).ops, coarsened=True)
    )
    assert writer.get(url).json()["coarsened"] is True
    monkeypatch.setattr(revision_services, "diff_text", real)
    assert writer.get(url).json()["coarsened"] is False
