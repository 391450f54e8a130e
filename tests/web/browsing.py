"""Driving Debian's chromium with Playwright: launch arguments, marks, and what people do with a keyboard.

``make test`` installs the ``chromium`` package when missing; no browser build is ever downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.support import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (make test installs it)"
    ),
]


def expect(target: Any) -> Any:
    """Playwright's ``expect`` (imported late: without Playwright the browser tests skip, not fail to collect)."""
    return pytest.importorskip("playwright.sync_api").expect(target)


def sign_in(page: Any, username: str) -> None:
    """Sign in with the keyboard alone: type, Tab, type, Enter."""
    page.goto("/app/sign-in")
    page.get_by_label("Username").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My work")).to_be_visible()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
