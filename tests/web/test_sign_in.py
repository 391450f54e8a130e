"""Signing in and out, throttling, CSRF, and the security headers on every /app response."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from editorial.lib.clock import FrozenClock
from tests.web.support import Person, text_of, write_story


def test_pages_need_a_signed_in_person(browser: Callable[..., Person]) -> None:
    anonymous = browser()
    response = anonymous.client.get("/app/schedule?week=2026-01-05", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/app/sign-in?next=%2Fapp%2Fschedule%3Fweek%3D2026-01-05"
    htmx = anonymous.client.get("/app", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers["hx-redirect"].startswith("/app/sign-in")


def test_sign_in_sets_a_session_cookie_and_goes_where_asked(browser: Callable[..., Person], people: dict) -> None:
    person = browser()
    token = person.csrf()
    response = person.client.post(
        "/app/sign-in",
        data={
            "username": people["writer"],
            "password": "correct horse battery",
            "_csrf": token,
            "next": "/app/schedule",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/app/schedule"
    cookie = response.headers["set-cookie"]
    assert "editorial_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/app" in cookie
    assert "Secure" not in cookie  # plain http: a Secure cookie would never come back
    assert "Writer" in person.get("/app").text


def test_cookies_are_secure_over_https(browser: Callable[..., Person], people: dict) -> None:
    person = browser(base_url="https://testserver.local")
    response = person.sign_in(people["writer"])
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_only_our_own_pages_are_redirect_targets(browser: Callable[..., Person], people: dict) -> None:
    person = browser()
    for target in ("https://evil.example/", "//evil.example/app", "/api/v1/me", "/app\r\nSet-Cookie: x=1"):
        response = person.post(
            "/app/sign-in", {"username": people["writer"], "password": "correct horse battery", "next": target}
        )
        assert response.headers["location"] == "/app", target


def test_wrong_credentials_get_a_clear_message_and_keep_the_username(
    browser: Callable[..., Person], people: dict
) -> None:
    person = browser()
    for username in (people["writer"], "nobody-at-all"):
        response = person.sign_in(username, "wrong password")
        assert response.status_code == 401
        assert "That username and password do not match an active account." in text_of(response.text)
        assert f'value="{username}"' in response.text
        assert "editorial_session" not in response.headers.get("set-cookie", "")


def test_failed_sign_ins_lock_the_username_for_a_while(
    browser: Callable[..., Person], people: dict, clock: FrozenClock
) -> None:
    person = browser()
    for _ in range(5):
        assert person.sign_in(people["writer"], "wrong").status_code == 401
    locked = person.sign_in(people["writer"])  # even the right password, while locked
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    assert browser().sign_in(people["writer2"]).status_code == 303  # other accounts are not affected
    clock.advance(timedelta(minutes=16))
    assert person.sign_in(people["writer"]).status_code == 303


def test_failed_sign_ins_from_one_address_lock_that_address(
    browser: Callable[..., Person], people: dict, clock: FrozenClock
) -> None:
    person = browser()
    for n in range(20):
        person.sign_in(f"guess-{n}", "wrong")  # a different name each time: only the address limit applies
    assert person.sign_in(people["news_editor"]).status_code == 429
    clock.advance(timedelta(minutes=16))
    assert person.sign_in(people["news_editor"]).status_code == 303


def test_posts_without_the_csrf_token_are_refused(
    browser: Callable[..., Person], people: dict, db, clock: FrozenClock
) -> None:
    article = write_story(db, clock, people["writer"])
    anonymous = browser()
    refused = anonymous.post(
        "/app/sign-in", {"username": people["writer"], "password": "correct horse battery"}, csrf=False
    )
    assert refused.status_code == 403
    writer = browser(people["writer"])
    for extra in ({}, {"_csrf": "0" * 64}):
        response = writer.client.post(f"/app/articles/{article}/workflow/submit", data=extra, follow_redirects=False)
        assert response.status_code == 403
        assert "did not come from this site" in response.text
    assert "Submit for editing" in writer.get(f"/app/articles/{article}").text  # still a draft
    # Another browser's token does not work with this browser's cookies.
    other = browser(people["writer2"])
    stolen = other.csrf("/app")
    response = writer.client.post(
        f"/app/articles/{article}/workflow/submit", data={"_csrf": stolen}, follow_redirects=False
    )
    assert response.status_code == 403
    # HTMX sends the token in a header.
    header = writer.client.post(
        "/app/articles/preview", data={"body": "*hi*"}, headers={"X-CSRF-Token": writer.csrf("/app")}
    )
    assert header.status_code == 200
    assert "<em>hi</em>" in header.text


def test_sign_out_ends_the_session_on_the_server(browser: Callable[..., Person], people: dict) -> None:
    person = browser(people["writer"])
    session_cookie = person.client.cookies.get("editorial_session")
    response = person.post("/app/sign-out")
    assert response.status_code == 303
    assert response.headers["location"] == "/app/sign-in?signed_out=true"
    assert person.get("/app", follow_redirects=False).status_code == 303
    replay = browser()
    replay.client.cookies.set("editorial_session", session_cookie, path="/app")
    assert replay.get("/app", follow_redirects=False).status_code == 303  # revoked, not just forgotten


def test_a_web_session_is_not_an_api_token(browser: Callable[..., Person], people: dict) -> None:
    person = browser(people["admin"])
    secret = person.client.cookies.get("editorial_session")
    response = person.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403


def test_security_headers_on_pages_errors_and_static_files(browser: Callable[..., Person], people: dict) -> None:
    person = browser(people["writer"])
    for url in ("/app/sign-in", "/app", "/app/articles/999999", "/app/static/app.css"):
        headers = person.get(url).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
    assert person.get("/app").headers["cache-control"] == "no-store"
    page = person.get("/app").text
    assert "<script>" not in page  # no inline scripts: every script has a src
    assert " on" + "click=" not in page


def test_the_root_links_to_the_app(browser: Callable[..., Person]) -> None:
    response = browser().get("/")
    assert response.status_code == 200
    assert 'href="/app"' in response.text
