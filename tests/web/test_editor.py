"""The forms: typed input survives errors, stale saves are merged or refused, Markdown is sanitised."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from editorial.articles import reading
from editorial.db import Database
from editorial.lib.clock import FrozenClock
from tests.web.support import Person, as_user, move, text_of, write_story

BODY = "First paragraph about the ferry.\n\nSecond paragraph about the council.\n\nThird paragraph about the levy."


def _form(person: Person, article: int, **changes: Any) -> dict[str, Any]:
    """The editor form of ``article`` as the page fills it, with ``changes`` typed in."""
    page = person.get(f"/app/articles/{article}/edit").text
    base = int(page.split('name="base" value="')[1].split('"')[0])
    with_values = {"base": str(base), "title": "Ferry", "dek": "", "body": BODY, "tags": "", "authors": "writer"}
    return {**with_values, **changes}


def _head(db: Database, article: int) -> Any:
    with db.transaction(write=False) as session:
        return reading.get(session, as_user(db, "admin"), article)


def test_a_new_article_form_keeps_input_on_errors_then_creates(
    browser: Callable[..., Person], people: dict, db: Database
) -> None:
    writer = browser(people["writer"])
    typed = {"desk": "news", "title": "", "dek": "A dek", "body": "Typed *body*", "tags": "ferry, council"}
    response = writer.post("/app/articles/new", typed)
    assert response.status_code == 422
    assert "Typed *body*" in response.text
    assert 'value="ferry, council"' in response.text
    assert 'id="f-title-error"' in response.text
    created = writer.post("/app/articles/new", {**typed, "title": "Ferry news"})
    assert created.status_code == 303
    article = int(created.headers["location"].split("/")[3])
    assert _head(db, article).tags == ["ferry", "council"]


def test_the_editor_keeps_input_on_validation_errors(browser: Callable[..., Person], people: dict, db, clock) -> None:
    article = write_story(db, clock, people["writer"], body=BODY)
    writer = browser(people["writer"])
    typed = _form(writer, article, title="", body="My new body, typed with care", authors="writer, nobody-here")
    response = writer.post(f"/app/articles/{article}/edit", {**typed, "action": "save"})
    assert response.status_code == 422
    assert "My new body, typed with care" in response.text
    assert 'aria-invalid="true"' in response.text
    assert _head(db, article).revision == 1
    unknown = writer.post(f"/app/articles/{article}/edit", {**typed, "title": "Fine", "action": "save"})
    assert unknown.status_code == 422
    assert "unknown users: nobody-here" in text_of(unknown.text)
    assert "My new body, typed with care" in unknown.text


def test_a_stale_save_offers_the_merge_and_merges(browser: Callable[..., Person], people: dict, db, clock) -> None:
    article = write_story(db, clock, people["writer"], body=BODY, title="Ferry")
    first, second = browser(people["writer"]), browser(people["writer"])
    mine = _form(second, article, body=BODY.replace("Third", "Last"), message="third paragraph")
    theirs = _form(first, article, body=BODY.replace("First", "Opening"), message="first paragraph")
    assert first.post(f"/app/articles/{article}/edit", {**theirs, "action": "save"}).status_code == 303
    stale = second.post(f"/app/articles/{article}/edit", {**mine, "action": "save"})
    assert stale.status_code == 412
    assert "Someone saved revision 2 after you opened revision 1." in text_of(stale.text)
    assert 'name="action" value="merge"' in stale.text
    assert "Last paragraph about the levy." in stale.text  # what they typed is still in the form
    assert _head(db, article).revision == 2
    merged = second.post(f"/app/articles/{article}/edit", {**mine, "action": "merge"})
    assert merged.headers["location"] == f"/app/articles/{article}/edit?merged=3"
    body = _head(db, article).body
    assert "Opening paragraph" in body
    assert "Last paragraph" in body
    assert "merged with the newer changes" in second.get(merged.headers["location"]).text


def test_an_overlapping_stale_edit_shows_the_conflict_and_saves_nothing(
    browser: Callable[..., Person], people: dict, db, clock
) -> None:
    article = write_story(db, clock, people["writer"], body=BODY, title="Ferry")
    first, second = browser(people["writer"]), browser(people["writer"])
    mine = _form(second, article, body=BODY.replace("about the council", "about the mayor"))
    theirs = _form(first, article, body=BODY.replace("about the council", "about the harbour board"))
    first.post(f"/app/articles/{article}/edit", {**theirs, "action": "save"})
    conflict = second.post(f"/app/articles/{article}/edit", {**mine, "action": "merge"})
    assert conflict.status_code == 409
    text = text_of(conflict.text)
    assert "Your edit overlaps changes made in revision 2; nothing was saved." in text
    assert "You wrote: mayor" in text
    assert "They wrote: harbour board" in text
    assert "Second paragraph about the mayor." in conflict.text  # still in the form
    head = _head(db, article)
    assert head.revision == 2
    assert "harbour board" in head.body


def test_the_markdown_preview_is_sanitised(browser: Callable[..., Person], people: dict, db, clock) -> None:
    hostile = (
        "<script>alert('x')</script>\n\n[click](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n"
        '<a href="https://example.org" onclick="steal()">link</a>\n\n**bold**'
    )
    article = write_story(db, clock, people["writer"], body=hostile)
    writer = browser(people["writer"])
    fragment = writer.post("/app/articles/preview", {"body": hostile}).text
    editor_page = writer.get(f"/app/articles/{article}/edit").text
    for html in (fragment, editor_page.split('id="preview"')[1]):
        assert "<script" not in html
        assert "<img" not in html  # raw HTML in Markdown comes out as text
        assert 'href="javascript' not in html
        assert '<a href="https://example.org" onclick' not in html
    assert "<strong>bold</strong>" in fragment
    assert "&lt;script&gt;" in fragment


def test_transition_forms_keep_input_and_say_what_is_missing(
    browser: Callable[..., Person], people: dict, db, clock
) -> None:
    article = write_story(db, clock, people["writer"])
    move(db, clock, people["writer"], article, "submit")
    editor = browser(people["news_editor"])
    response = editor.post(f"/app/articles/{article}/workflow/return_to_writer", {"comment": "   "})
    assert response.status_code == 422
    assert 'id="return_to_writer-comment-error">This step needs a comment (say why).</p>' in response.text
    assert "return_to_writer requires comment" not in response.text  # the API's words, not a person's
    assert _head(db, article).state == "editing"


def test_scheduling_reads_the_time_in_the_chosen_zone(
    browser: Callable[..., Person], people: dict, db, clock: FrozenClock
) -> None:
    article = write_story(db, clock, people["writer"])
    for who, step in (("writer", "submit"), ("news_editor", "send_to_fact_check"), ("fact_checker", "pass_fact_check")):
        move(db, clock, people[who], article, step)
    editor = browser(people["news_editor"])
    past = editor.post(
        f"/app/articles/{article}/workflow/schedule",
        {"publish_at": "2025-12-31T08:00", "zone": "America/New_York", "comment": "too early"},
    )
    assert past.status_code == 422
    assert "must be in the future" in text_of(past.text)
    assert 'value="2025-12-31T08:00"' in past.text
    assert "<option selected>America/New_York</option>" in past.text
    assert "too early" in past.text
    gap = editor.post(
        f"/app/articles/{article}/workflow/schedule", {"publish_at": "2026-03-29T02:30", "zone": "Europe/Paris"}
    )
    assert gap.status_code == 422
    assert "does not exist in Europe/Paris" in text_of(gap.text)
    done = editor.post(
        f"/app/articles/{article}/workflow/schedule", {"publish_at": "2026-01-02T06:00", "zone": "Europe/Paris"}
    )
    assert done.headers["location"] == f"/app/articles/{article}?done=schedule"
    head = _head(db, article)
    assert head.state == "scheduled"
    assert head.publish_at == datetime(2026, 1, 2, 5, 0, tzinfo=UTC)
    assert "Done: Schedule." in text_of(editor.get(done.headers["location"]).text)
