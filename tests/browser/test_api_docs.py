"""/docs in a real browser, with no network but the hall's: Swagger UI comes from the service
itself (no CDN), renders under its CSP, and "Try it out" sends the token to the prefixed URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.browser.test_directory_pages import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Api,
    _playwright_or_skip,
    hall_url,
)

__all__ = ["hall_url"]  # the fixture: `govhall up` as a child process

PROTECTED = "/api/v1/dead-letters"  # authority and center only; empty on a new hall


def test_swagger_ui_works_offline_and_tries_a_protected_call_with_the_token(
    hall_url: tuple[str, Api, str],
) -> None:
    sync_playwright = _playwright_or_skip()
    from playwright.sync_api import expect

    base, api, _secret = hall_url
    token = api.session.headers["Authorization"].removeprefix("Bearer ")
    elsewhere: list[str] = []
    problems: list[str] = []
    sent: list[Any] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()

        def only_the_hall(route: Any) -> None:
            if urlsplit(route.request.url).netloc == urlsplit(base).netloc:
                route.continue_()
            else:  # as offline: nothing but the hall answers
                elsewhere.append(route.request.url)
                route.abort()

        context.route("**/*", only_the_hall)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: PROTECTED in r.url and sent.append(r))

        page.goto(f"{base}/registry/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("govhall registry")
        operation = page.locator(f'.opblock-get:has([data-path="{PROTECTED}"])').first
        expect(operation).to_be_visible()

        page.locator(".scheme-container button.authorize").click()
        dialog = page.locator(".dialog-ux")
        dialog.locator("input").first.fill(token)
        dialog.locator("button.authorize").click()
        dialog.locator("button.btn-done").click()

        operation.locator(".opblock-summary").click()
        operation.locator("button.try-out__btn").click()
        operation.locator("button.execute").click()
        status = operation.locator(".live-responses-table tbody .response-col_status").first
        expect(status).to_have_text("200")
        page.screenshot(path="/tmp/api-docs.png", full_page=False)
        browser.close()

    assert not elsewhere, f"the docs reached beyond the hall: {elsewhere}"
    assert not problems, f"the page logged errors (CSP?): {problems}"
    (request,) = sent
    assert request.url.split("?")[0] == f"{base}/registry{PROTECTED}"
    assert request.headers["authorization"] == f"Bearer {token}"
