"""Each page shows only what the viewer may see and offers only what the viewer may do."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from editorial.auth import services as auth
from editorial.db import Database
from editorial.lib.clock import FrozenClock
from editorial.lib.errors import NotAuthenticated
from tests.web.support import Person, move, text_of, write_story


def _sections(html: str) -> dict[str, str]:
    """My work's groups: title -> the group's text."""
    parts = re.findall(r'<section class="group".*?<h2[^>]*>(.*?) <span.*?</h2>(.*?)</section>', html, re.S)
    return {title: text_of(body) for title, body in parts}


def test_my_work_groups_what_each_person_can_do(
    browser: Callable[..., Person], people: dict, db: Database, clock: FrozenClock
) -> None:
    draft = write_story(db, clock, people["writer"], title="Draft about trams")
    submitted = write_story(db, clock, people["writer"], title="Submitted about buses")
    move(db, clock, people["writer"], submitted, "submit")
    opinion = write_story(db, clock, people["writer"], desk="opinion", title="Opinion on ferries")
    move(db, clock, people["writer"], opinion, "submit")
    clock.advance(timedelta(hours=3, minutes=5))

    writer = _sections(browser(people["writer"]).get("/app").text)
    assert "Draft about trams" in writer["To write"]
    assert "3 h 5 min" in writer["To write"]
    assert "To edit" not in writer  # a writer does not edit

    news = _sections(browser(people["news_editor"]).get("/app").text)
    assert "Submitted about buses" in news["To edit"]
    assert "news" in news["To edit"]
    assert "Return to writer, Send to fact-check" in news["To edit"]  # the steps by their titles, not their ids
    assert "Opinion on ferries" not in str(news)
    assert "Draft about trams" not in str(news)

    opinion_editor = browser(people["opinion_editor"])
    groups = _sections(opinion_editor.get("/app").text)
    assert "Opinion on ferries" in groups["To edit"]
    assert "buses" not in str(groups)
    assert opinion_editor.get(f"/app/articles/{submitted}").status_code == 404  # not even visible
    assert opinion_editor.get(f"/app/articles/{draft}/edit").status_code == 404


def test_the_desk_filter_and_its_htmx_fragment(
    browser: Callable[..., Person], people: dict, db: Database, clock: FrozenClock
) -> None:
    for desk in ("news", "opinion"):
        move(
            db,
            clock,
            people["writer"],
            write_story(db, clock, people["writer"], desk=desk, title=f"On {desk}"),
            "submit",
        )
    admin = browser(people["admin"])
    assert "On news" in admin.get("/app").text
    filtered = admin.get("/app?desk=opinion").text
    assert "On opinion" in filtered
    assert "On news" not in filtered
    fragment = admin.get("/app?desk=news", headers={"HX-Request": "true"}).text
    assert fragment.lstrip().startswith('<div id="worklist">')
    assert "On news" in fragment
    assert "<html" not in fragment


def test_the_review_page_offers_only_the_viewers_transitions(
    browser: Callable[..., Person], people: dict, db: Database, clock: FrozenClock
) -> None:
    article = write_story(db, clock, people["writer"])
    writer = browser(people["writer"])
    page = writer.get(f"/app/articles/{article}").text
    assert f'action="/app/articles/{article}/workflow/submit"' in page
    assert "/workflow/send_to_fact_check" not in page
    move(db, clock, people["writer"], article, "submit")

    page = writer.get(f"/app/articles/{article}").text
    assert "/workflow/" not in page.split('<section aria-labelledby="changes"')[0]
    assert "There is nothing for you to do" in text_of(page)

    editor = browser(people["news_editor"]).get(f"/app/articles/{article}").text
    assert "/workflow/send_to_fact_check" in editor
    assert "/workflow/return_to_writer" in editor
    assert re.search(
        r'id="return_to_writer-comment" name="comment" rows="2" required', editor
    )  # asks for what it needs
    assert "/workflow/pass_fact_check" not in editor

    move(db, clock, people["news_editor"], article, "send_to_fact_check")
    checker = browser(people["fact_checker"]).get(f"/app/articles/{article}").text
    assert "/workflow/pass_fact_check" in checker
    assert "/workflow/fail_fact_check" in checker
    assert browser(people["outsider"]).get(f"/app/articles/{article}").status_code == 404


def test_the_editor_is_read_only_for_those_who_may_not_edit(
    browser: Callable[..., Person], people: dict, db: Database, clock: FrozenClock
) -> None:
    article = write_story(db, clock, people["writer"])
    move(db, clock, people["writer"], article, "submit")
    page = browser(people["writer"]).get(f"/app/articles/{article}/edit")
    assert page.status_code == 200
    assert "You cannot edit this article now: in editing, only editor may edit" in text_of(page.text)
    assert 'id="editor-form"' not in page.text
    tab = re.compile(rf'<a class="shrink" href="/app/articles/{article}/edit"[^>]*>(\w+)</a>')
    for url in (f"/app/articles/{article}", f"/app/articles/{article}/edit", f"/app/articles/{article}/history"):
        assert tab.search(browser(people["writer"]).get(url).text).group(1) == "Text", url  # not offered as an editor
        assert tab.search(browser(people["news_editor"]).get(url).text).group(1) == "Editor", url
    typed = {"base": "1", "title": "Mine now", "body": "My body", "authors": people["writer"]}
    refused = browser(people["writer"]).post(f"/app/articles/{article}/edit", typed)
    assert refused.status_code == 403
    assert "Mine now" in refused.text  # what they typed is still there


def test_review_diff_since_sign_off_inline_and_side_by_side(
    browser: Callable[..., Person], people: dict, db: Database, clock: FrozenClock
) -> None:
    article = write_story(db, clock, people["writer"])
    for who, step in (("writer", "submit"), ("news_editor", "send_to_fact_check"), ("fact_checker", "pass_fact_check")):
        move(db, clock, people[who], article, step)
    editor = browser(people["news_editor"])
    token = editor.csrf(f"/app/articles/{article}/edit")
    saved = editor.client.post(
        f"/app/articles/{article}/edit",
        data={
            "_csrf": token,
            "base": "1",
            "title": "Council extends ferry service",
            "dek": "The harbour ferry will run through the winter.",
            "body": "The city council voted on Wednesday to extend the ferry.\n\nRidership doubled since June.",
            "tags": "transport",
            "authors": people["writer"],
            "message": "day fixed",
        },
        follow_redirects=False,
    )
    assert saved.headers["location"] == f"/app/articles/{article}/edit?saved=2"
    checker = browser(people["fact_checker"])
    page = checker.get(f"/app/articles/{article}").text
    assert "Since your last sign-off" in text_of(page)
    assert "<del>Tuesday</del><ins>Wednesday</ins>" in page
    assert "1 word added 1 word removed 1 field changed" in text_of(page)
    assert "struck through" in page  # the legend
    side = checker.get(f"/app/articles/{article}?from=1&to=2&view=side").text
    assert side.count("<del>Tuesday</del><ins>Wednesday</ins>") == 2
    assert 'class="diff-old"' in side
    fragment = checker.get(
        f"/app/articles/{article}?from=1&view=inline", headers={"HX-Request": "true", "HX-Target": "diff"}
    )
    assert fragment.text.lstrip().startswith('<div id="diff"')


def test_history_lists_revisions_and_transitions_with_links_to_diffs(
    browser: Callable[..., Person], people: dict, db: Database, clock: FrozenClock
) -> None:
    article = write_story(db, clock, people["writer"])
    clock.advance(timedelta(minutes=5))
    move(db, clock, people["writer"], article, "submit", comment="ready for you")
    page = browser(people["news_editor"]).get(f"/app/articles/{article}/history").text
    text = text_of(page)
    assert text.index("Submit by writer") < text.index("Revision 1 saved by writer")  # newest first
    assert "“ready for you”" in text
    assert "Draft → Editing" in text


def test_schedule_week_shows_items_in_the_viewers_zone_and_the_health(
    browser: Callable[..., Person], people: dict, db: Database, clock: FrozenClock
) -> None:
    article = write_story(db, clock, people["writer"], title="Tram timetable")
    for who, step in (("writer", "submit"), ("news_editor", "send_to_fact_check"), ("fact_checker", "pass_fact_check")):
        move(db, clock, people[who], article, step)
    move(db, clock, people["news_editor"], article, "schedule", publish_at=datetime(2026, 1, 2, 23, 30, tzinfo=UTC))
    editor = browser(people["news_editor"])
    editor.client.cookies.set("editorial_tz", "Europe/Paris", path="/app")
    page = editor.get("/app/schedule?week=2026-01-01")
    text = text_of(page.text)
    assert "Week of 29 December 2025 (Europe/Paris)" in text
    assert "00:30 Publish: Tram timetable" in text  # Saturday 00:30 in Paris
    assert re.search(r"Sat 3 Jan</span>\s*<a class=\"item\"", page.text)
    assert "Scheduler: healthy" in text
    assert "Tram timetable" not in text_of(browser(people["opinion_editor"]).get("/app/schedule?week=2026-01-01").text)


def test_the_schedule_week_is_a_table_of_rows_with_today_named(
    browser: Callable[..., Person], people: dict, db: Database, clock: FrozenClock
) -> None:
    page = browser(people["news_editor"]).get("/app/schedule").text  # the clock's week: Thursday 1 January 2026
    table = page.split('role="table"')[1]
    assert table.count('role="row"') == 2  # the day names, then the one desk a news editor works on
    assert re.search(r'<div class="row-group" role="row">\s*<div class="head" role="rowheader">News ', table)
    assert "(nothing this week)" in table  # said where the empty days are hidden (a phone)
    assert ">Opinion<" not in table  # no role there: an empty row would only suggest they see it
    today = re.search(r'<div class="head today" role="columnheader" aria-current="date">(.*?)</div>', table, re.S)
    assert today is not None
    assert text_of(today.group(1)) == "Thu 1 Jan (today)"  # said in words, not only by the colour
    admin = browser(people["admin"]).get("/app/schedule").text.split('role="table"')[1]
    assert admin.count('role="row"') == 3


def test_only_admins_see_and_use_the_users_pages(
    browser: Callable[..., Person], people: dict, db: Database, clock: FrozenClock
) -> None:
    writer = browser(people["writer"])
    assert 'href="/app/users"' not in writer.get("/app").text
    assert writer.get("/app/users").status_code == 403
    assert writer.post("/app/users", {"username": "eve", "display_name": "Eve"}).status_code == 403
    admin = browser(people["admin"])
    assert 'href="/app/users"' in admin.get("/app").text
    created = admin.post(
        "/app/users",
        {"username": "carla", "display_name": "Carla", "password": "long enough", "role": "writer", "desk": "news"},
    )
    assert created.headers["location"] == "/app/users/carla"
    granted = admin.post(
        "/app/users/carla/roles", {"role": "editor", "desk": "opinion"}, headers={"HX-Target": "roles"}
    )
    assert granted.text.lstrip().startswith('<section id="roles"')
    assert "editor" in text_of(granted.text)
    revoked = admin.post("/app/users/carla/roles/revoke", {"role": "writer", "desk": "news"})
    assert "writer" not in text_of(revoked.text.split('id="roles"')[1].split("</table>")[0])
    issued = admin.post("/app/users/carla/tokens", {"name": "robot", "scopes": ["articles:read"]})
    secret = re.search(r'<code id="new-token">(edt_[^<]+)</code>', issued.text).group(1)
    with db.transaction(write=False) as session:
        assert auth.authenticate_token(session, secret, now=clock.now()).scopes == {"articles:read"}
    prefix = "_".join(secret.split("_")[:2])
    assert admin.post(f"/app/users/carla/tokens/{prefix}/revoke").status_code == 303
    with db.transaction(write=False) as session, pytest.raises(NotAuthenticated, match="revoked"):
        auth.authenticate_token(session, secret, now=clock.now())


def test_the_token_form_keeps_input_and_says_what_is_wrong(browser: Callable[..., Person], people: dict) -> None:
    admin = browser(people["admin"])
    typed = {"name": "publishing robot", "expires_in_days": "0", "scopes": ["articles:read", "publish:write"]}
    response = admin.post(f"/app/users/{people['robot']}/tokens", typed)
    assert response.status_code == 422
    assert 'id="f-expires_in_days" name="expires_in_days" type="number" value="0"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'value="publishing robot"' in response.text
    for scope in ("articles:read", "publish:write"):
        assert f'value="{scope}" checked' in response.text
    assert 'value="events:read" checked' not in response.text
    assert 'id="new-token"' not in response.text


def test_the_users_form_keeps_input_and_says_what_is_wrong(browser: Callable[..., Person], people: dict) -> None:
    admin = browser(people["admin"])
    response = admin.post("/app/users", {"username": "Not Valid!", "display_name": "Someone", "password": "short"})
    assert response.status_code == 422
    assert 'value="Someone"' in response.text
    assert 'value="Not Valid!"' in response.text
    assert "short" not in response.text.split('id="f-password"')[1].split(">")[0]  # never echo a password
    assert 'aria-invalid="true"' in response.text
