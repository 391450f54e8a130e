"""In headless Chromium: the main path by keyboard alone, pages that fit a phone, controls that can be seen."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from editorial.db import Database
from editorial.lib.clock import FrozenClock
from tests.web.browsing import MARKS, expect, sign_in
from tests.web.support import move, write_story

pytestmark = MARKS
pytest.importorskip("playwright.sync_api")

FOCUSED = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  return {text: (e.innerText || e.value || e.getAttribute("aria-label") || "").trim(), label: e.labels && e.labels[0]
    ? e.labels[0].innerText.trim() : "", outline: s.outlineStyle, width: parseFloat(s.outlineWidth)};
}"""


def tab_to(page: Any, name: str, *, most: int = 40) -> None:
    """Press Tab until the control called ``name`` has the focus, checking that every stop on the way shows it."""
    for _ in range(most):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused["outline"] != "none", f"no visible focus on {focused}"
        assert focused["width"] >= 2, f"a thin focus ring on {focused}"
        if name in (focused["text"], focused["label"]):
            return
    raise AssertionError(f"{name!r} is not reached with Tab")


def follow(page: Any) -> None:
    """Press Enter on the focused link or button, and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_main_path_by_keyboard_alone(
    open_page: Callable[..., Any], people: dict, db: Database, clock: FrozenClock
) -> None:
    writer = open_page()
    sign_in(writer, people["writer"])
    tab_to(writer, "New article")
    follow(writer)
    tab_to(writer, "Headline")
    writer.keyboard.type("Ferry fares frozen")
    tab_to(writer, "Body")
    writer.keyboard.type("Fares stay the same until spring.")
    tab_to(writer, "Start the article")
    follow(writer)
    expect(writer.get_by_role("status")).to_contain_text("Saved as revision 1")
    tab_to(writer, "Review")
    follow(writer)
    tab_to(writer, "Submit for editing")
    follow(writer)
    expect(writer.get_by_role("status")).to_contain_text("Done: Submit for editing")

    editor = open_page()
    sign_in(editor, people["news_editor"])
    tab_to(editor, "Ferry fares frozen")
    follow(editor)
    expect(editor.locator("#diff")).to_contain_text("Fares stay the same until spring.")
    tab_to(editor, "Send to fact-check")
    follow(editor)
    expect(editor.get_by_role("status")).to_contain_text("Done: Send to fact-check")


PHONE_PAGES = ["/app", "/app/articles", "/app/articles/new", "/app/schedule?week=2026-01-01", "/app/users"]


def test_every_page_fits_a_phone(open_page: Callable[..., Any], people: dict, db: Database, clock: FrozenClock) -> None:
    article = write_story(db, clock, people["writer"], title="A headline long enough to wrap on a narrow screen")
    for who, step in (("writer", "submit"), ("news_editor", "send_to_fact_check"), ("fact_checker", "pass_fact_check")):
        move(db, clock, people[who], article, step)
    move(db, clock, people["news_editor"], article, "schedule", publish_at=datetime(2026, 1, 2, 6, tzinfo=UTC))
    phone = open_page(width=390)
    sign_in(phone, people["admin"])
    article_pages = [f"/app/articles/{article}{tail}" for tail in ("", "?view=side", "/edit", "/history")]
    for url in [*PHONE_PAGES, *article_pages, f"/app/users/{people['writer']}"]:
        assert phone.goto(url).status == 200, url
        overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{url} is {overflow}px wider than the phone"


def _luminance(css: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css)[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    """WCAG's contrast ratio of two CSS ``rgb()`` colours."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_focus_rings_and_field_borders_stand_out(open_page: Callable[..., Any], people: dict) -> None:
    page = open_page()
    sign_in(page, people["writer"])
    bar = page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor")
    tab_to(page, "My work")  # a link in the dark top bar
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert contrast(ring, bar) >= 3, (ring, bar)  # WCAG 1.4.11: 3:1 for what shows where the focus is
    page.goto("/app/articles/new")
    field = page.get_by_label("Headline")
    border = field.evaluate("e => getComputedStyle(e).borderTopColor")
    panel = field.evaluate("e => getComputedStyle(e.closest('.panel')).backgroundColor")
    assert contrast(border, panel) >= 3, (border, panel)  # a field's edge is what shows it is a field
