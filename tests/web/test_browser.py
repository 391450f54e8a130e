"""The newsroom in headless Chromium: people sign in, write, review, check, schedule; the scheduler publishes.

Debian's ``chromium`` driven by Playwright (see ``browsing``). The tests keep screenshots of the
main pages in docs/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from editorial.db import Database
from editorial.lib.clock import FrozenClock
from editorial.scheduling.services import fire_due
from tests.web.browsing import MARKS, expect, shot, sign_in
from tests.web.support import move, write_story

pytestmark = MARKS
pytest.importorskip("playwright.sync_api")


def test_the_whole_newsroom(
    open_page: Callable[..., Any], people: dict, db: Database, clock: FrozenClock, live_server: str
) -> None:
    # A writer signs in, drafts and submits.
    writer = open_page()
    writer.goto("/app/sign-in")
    shot(writer, "sign-in")
    sign_in(writer, people["writer"])
    writer.keyboard.press("Tab")
    expect(writer.get_by_role("link", name="Skip to content")).to_be_focused()  # the first stop for a keyboard
    writer.get_by_role("link", name="New article").click()
    writer.get_by_label("Desk").select_option("news")
    writer.get_by_label("Headline").fill("Tram line approved")
    writer.get_by_label("Body").fill("The council approved the tram line on Tuesday.\n\nWork starts in spring.")
    writer.get_by_label("Tags").fill("transport, trams")
    writer.get_by_role("button", name="Start the article").click()
    expect(writer.get_by_role("status")).to_contain_text("Saved as revision 1")
    writer.get_by_label("Body").fill("The council approved the **tram line** on Tuesday.\n\nWork starts in spring.")
    expect(writer.locator("#preview strong")).to_have_text("tram line")  # the HTMX preview
    writer.get_by_label("What did you change?").fill("bold")
    writer.get_by_role("button", name="Save revision").click()
    expect(writer.get_by_role("status")).to_contain_text("Saved as revision 2")
    article = int(re.search(r"/app/articles/(\d+)/edit", writer.url).group(1))
    writer.get_by_role("link", name="Review", exact=True).click()
    writer.get_by_role("button", name="Submit for editing").click()
    expect(writer.get_by_role("status")).to_contain_text("Done: Submit for editing")

    # The news editor finds it in their work, reviews the diff, edits, and sends it to fact-check.
    editor = open_page()
    sign_in(editor, people["news_editor"])
    expect(editor.locator("#group-draft")).to_have_count(0)
    expect(editor.locator("section.group", has_text="To edit")).to_contain_text("Tram line approved")
    shot(editor, "my-work")
    editor.get_by_role("link", name="Tram line approved").click()
    editor.get_by_role("link", name="Editor", exact=True).click()
    body = editor.get_by_label("Body")
    body.fill(body.input_value().replace("Tuesday", "Wednesday"))
    editor.get_by_label("What did you change?").fill("the vote was on Wednesday")
    shot(editor, "editor")
    editor.get_by_role("button", name="Save revision").click()
    expect(editor.get_by_role("status")).to_contain_text("Saved as revision 3")
    editor.get_by_role("link", name="Review", exact=True).click()
    editor.get_by_label("From").select_option("2")  # HTMX swaps the diff in place
    expect(editor.locator("#diff > p").first).to_contain_text("revision 2 (writer")
    expect(editor.locator("#diff .diff-field del")).to_have_text("Tuesday")
    expect(editor.locator("#diff .diff-field ins")).to_have_text("Wednesday")
    editor.get_by_label("Side by side").check()
    expect(editor.locator("#diff .diff-new .diff-field ins")).to_be_visible()
    expect(editor.locator("#diff .diff-old .diff-field ins")).to_be_hidden()
    shot(editor, "review")
    editor.get_by_role("button", name="Send to fact-check").click()
    expect(editor.get_by_role("status")).to_contain_text("Done: Send to fact-check")

    # The fact-checker sees what changed since nobody signed it off, and passes it.
    checker = open_page()
    sign_in(checker, people["fact_checker"])
    checker.goto(f"/app/articles/{article}")
    expect(checker.locator("#diff")).to_contain_text("Since the first revision")
    checker.get_by_role("button", name="Pass fact-check").click()
    expect(checker.get_by_role("status")).to_contain_text("Done: Pass fact-check")

    # The editor schedules it for 11:30 in Paris (the browser's zone, chosen for them): 10:30 UTC.
    editor.goto(f"/app/articles/{article}")
    expect(editor.locator("#schedule-zone")).to_have_value("Europe/Paris")
    editor.locator("#schedule-publish_at").fill("2026-01-01T11:30")
    editor.get_by_role("button", name="Schedule").click()
    expect(editor.get_by_role("status")).to_contain_text("Done: Schedule")
    editor.get_by_role("link", name="History", exact=True).click()
    expect(editor.locator(".timeline")).to_contain_text("Schedule by news-editor")
    shot(editor, "history")
    editor.get_by_role("link", name="Schedule", exact=True).click()
    expect(editor.locator(".week")).to_contain_text("11:30 Publish: Tram line approved")
    shot(editor, "schedule")

    # The scheduler publishes it when it falls due; the public page shows it.
    clock.advance(timedelta(minutes=90))  # 10:30 UTC, the minute it falls due
    outcomes = fire_due(db, clock, worker="browser-test")
    assert [(o.article_id, o.outcome) for o in outcomes] == [(article, "on_time")]
    reader = open_page()
    response = reader.goto(f"{live_server}/public/articles/tram-line-approved")
    assert response.status == 200
    expect(reader.locator("body")).to_contain_text("Tram line approved")
    expect(reader.locator("body")).to_contain_text("Wednesday")

    phone = open_page(width=390)
    sign_in(phone, people["news_editor"])
    phone.goto(f"/app/articles/{article}")
    shot(phone, "review-phone")


def test_an_opinion_editor_has_no_news_to_act_on(
    open_page: Callable[..., Any], people: dict, db: Database, clock: FrozenClock
) -> None:
    news = write_story(db, clock, people["writer"], title="News about trams")
    opinion = write_story(db, clock, people["writer"], desk="opinion", title="Trams are good")
    for article in (news, opinion):
        move(db, clock, people["writer"], article, "submit")
    page = open_page()
    sign_in(page, people["opinion_editor"])
    expect(page.locator("#worklist")).to_contain_text("Trams are good")
    expect(page.locator("#worklist")).not_to_contain_text("News about trams")
    page.get_by_label("Desk").select_option("news")  # the HTMX desk filter
    expect(page.locator("#worklist")).to_contain_text("Nothing is waiting for you on this desk")
    response = page.goto(f"/app/articles/{news}")
    assert response.status == 404


def test_a_stale_edit_in_two_tabs_ends_in_a_merge(
    open_page: Callable[..., Any], people: dict, db: Database, clock: FrozenClock
) -> None:
    body = "First paragraph.\n\nSecond paragraph.\n\nThird paragraph."
    article = write_story(db, clock, people["writer"], body=body, title="Two tabs")
    first = open_page()
    sign_in(first, people["writer"])
    second = open_page(first.context)  # the same browser, another tab
    for tab in (first, second):
        tab.goto(f"/app/articles/{article}/edit")
    first.get_by_label("Body").fill(body.replace("First", "Opening"))
    first.get_by_role("button", name="Save revision").click()
    expect(first.get_by_role("status")).to_contain_text("Saved as revision 2")
    second.get_by_label("Body").fill(body.replace("Third", "Closing"))
    second.get_by_role("button", name="Save revision").click()
    expect(second.locator("#stale")).to_contain_text("Someone saved revision 2 after you opened revision 1")
    expect(second.get_by_label("Body")).to_have_value(body.replace("Third", "Closing"))
    second.get_by_role("button", name="Merge my changes and save").click()
    expect(second.get_by_role("status")).to_contain_text("merged with the newer changes and saved as revision 3")
    expect(second.get_by_label("Body")).to_have_value("Opening paragraph.\n\nSecond paragraph.\n\nClosing paragraph.")
