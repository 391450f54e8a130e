"""The review page: what it shows when there is nothing to compare, what it says after a step, and refusals in words."""

from __future__ import annotations

from collections.abc import Callable

from editorial.db import Database
from editorial.lib.clock import FrozenClock
from tests.support import STORY
from tests.web.support import Person, move, text_of, write_story


def test_with_one_revision_the_review_page_shows_the_text(
    browser: Callable[..., Person], people: dict, db: Database, clock: FrozenClock
) -> None:
    article = write_story(db, clock, people["writer"], body="The *ferry* runs all winter.\n\nFares stay the same.")
    move(db, clock, people["writer"], article, "submit")
    page = browser(people["news_editor"]).get(f"/app/articles/{article}").text
    text = text_of(page.split('id="diff"')[1])
    assert "Nothing to compare: both ends are revision 1." in text
    assert STORY["title"] in text
    assert "The ferry runs all winter." in text
    assert "<em>ferry</em>" in page  # the body as it reads, Markdown rendered
    assert f"By {people['writer']}" in text
    assert "words added" not in text  # no statistics of a comparison that was not made
    changed = browser(people["news_editor"]).get(f"/app/articles/{article}?from=1&to=1").text
    assert "Fares stay the same." in text_of(changed)


def test_the_notice_after_a_step_names_only_a_real_step(
    browser: Callable[..., Person], people: dict, db: Database, clock: FrozenClock
) -> None:
    article = write_story(db, clock, people["writer"])
    writer = browser(people["writer"])
    assert "Done: Submit for editing." in text_of(writer.get(f"/app/articles/{article}?done=submit").text)
    crafted = writer.get(f"/app/articles/{article}?done=Your+password+has+expired").text
    assert "Your password has expired" not in crafted  # a link cannot put words on the page
    assert "Done:" not in text_of(crafted)
    notice = text_of(writer.get(f"/app/articles/{article}/edit?saved=Call+this+number").text)
    assert "Call this number" not in notice
    assert "Saved as revision 4." in text_of(writer.get(f"/app/articles/{article}/edit?saved=4").text)


def test_a_step_someone_else_took_first_is_explained(
    browser: Callable[..., Person], people: dict, db: Database, clock: FrozenClock
) -> None:
    article = write_story(db, clock, people["writer"])
    move(db, clock, people["writer"], article, "submit")
    editor = browser(people["news_editor"])
    editor.csrf(f"/app/articles/{article}")  # the page is open ...
    move(db, clock, people["admin"], article, "send_to_fact_check")  # ... when someone else moves it on
    late = editor.post(f"/app/articles/{article}/workflow/send_to_fact_check")
    assert late.status_code == 409
    text = text_of(late.text)
    assert "Nothing was done: the article moved on since this page was opened, and is now in Fact-check." in text
    assert "send_to_fact_check is not available" not in text
