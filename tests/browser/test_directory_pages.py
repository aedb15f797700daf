"""An applicant's visit in a real browser: `govhall up` as a child process, Debian's Chromium
driven by Playwright with JavaScript off (the pages must work without it)."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from shared import auth, clock
from tests import builders
from tests.support import free_port, processes, servers_required, wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FORM_NAME = "申请表.pdf"
FORM = b"%PDF-1.4\n% the application form\n%%EOF\n"
SCREENSHOT = Path("/tmp/directory.png")


def _playwright_or_skip() -> Any:
    """The sync Playwright entry point; skipped (failed under GOVHALL_REQUIRE_SERVERS=1) when
    the package or the browser is missing."""
    missing = [
        what
        for what, absent in (
            ("the playwright package", importlib.util.find_spec("playwright") is None),
            (CHROMIUM, not Path(CHROMIUM).exists()),
        )
        if absent
    ]
    if missing:
        reason = f"the browser test needs {' and '.join(missing)}"
        if servers_required():
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    return sync_playwright


class Api:
    """The hall's HTTP API with the operator's (authority) token."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, status: int, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.base}/registry/api/v1{path}", **kwargs)
        assert response.status_code == status, response.text
        return response.json()


@pytest.fixture
def hall_url(tmp_path: Path) -> Iterator[tuple[str, Api, str]]:
    """`govhall up` on a free port: its base URL, its API and its signing key."""
    port = free_port()
    var_dir = tmp_path / "var"
    argv = [sys.executable, "-m", "services.hall.cli", "up", "--port", str(port)]
    with processes(tmp_path) as start:
        up = start("govhall-up", [*argv, "--var-dir", str(var_dir)], {"JWT_SECRET": ""})
        wait_for(lambda: "operator token" in up.output(), timeout=60, interval=0.2)
        token = re.search(r"operator token.*\n\s+(\S+)", up.output())[1]  # type: ignore[index]
        base = f"http://127.0.0.1:{port}"
        yield base, Api(base, token), (var_dir / "jwt-secret").read_text().strip()


def publish_window_with_form(api: Api, secret: str) -> None:
    """A hall, a unit, a matter whose guide offers a form, and the unit's window, published."""
    api.call("POST", "/halls", 201, json=_hall())
    api.call(
        "POST", "/units", 201, json={"code": "tj-hexi", "name": "河西区", "district": "河西区"}
    )
    form = api.call("POST", "/forms", 201, files={"file": (FORM_NAME, FORM)})
    matter = {**builders.MATTER, "code": "work-permit-long", "forms": [form["id"]]}
    api.call("POST", "/matters", 201, json=matter)
    unit_token = auth.issue_token(secret, role="unit", unit="tj-hexi")
    window = api.call(
        "POST",
        "/windows",
        201,
        json=_application(),
        headers={"Authorization": f"Bearer {unit_token}"},
    )
    for step, body, status in _procedure(["work-permit-long"]):
        api.call("POST", f"/windows/{window['id']}/{step}", status, json=body)


def test_an_applicant_finds_a_guide_and_downloads_its_form(
    hall_url: tuple[str, Api, str],
) -> None:
    sync_playwright = _playwright_or_skip()
    from playwright.sync_api import expect

    base, api, secret = hall_url
    publish_window_with_form(api, secret)
    matter_name = builders.MATTER["name_zh"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            accept_downloads=True, java_script_enabled=False, locale="zh-CN"
        )
        page = context.new_page()
        page.goto(f"{base}/registry/")
        expect(page.get_by_role("heading", level=1)).to_have_text("窗口目录")
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="跳到主要内容")).to_be_focused()

        page.get_by_label("事项或窗口名称").fill("工作许可")
        page.get_by_role("button", name="查找").click()
        expect(page).to_have_url(re.compile(r"q=%E5%B7%A5%E4%BD%9C"))
        expect(page.get_by_role("status")).to_have_text("找到 1 个窗口")
        page.screenshot(path=str(SCREENSHOT), full_page=True)

        page.get_by_role("article").get_by_role("link", name=matter_name).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(matter_name)
        expect(page.locator("dd.limit")).to_have_text("10 个工作日")
        with page.expect_download() as arrived:
            page.get_by_role("link", name=f"下载：{FORM_NAME}").click()
        download = arrived.value
        assert download.suggested_filename == FORM_NAME
        assert Path(download.path()).read_bytes() == FORM
        browser.close()


def _hall() -> dict[str, str]:
    return {
        "code": "tj-hall",
        "name_zh": "天津市政务服务中心",
        "name_en": "Tianjin Service Hall",
        "address": "天津市河西区友谊路 1 号",
        "hours": "Mon–Fri 9:00–17:00",
        "phone": "022-12345",
    }


def _application() -> dict[str, Any]:
    return {
        "hall_code": "tj-hall",
        "name_zh": "外国人工作许可窗口",
        "name_en": "Foreign work permit window",
        "type": "permanent",
        "evidence": builders.EVIDENCE,
        "details": builders.DETAILS,
    }


def _days_ago(days: int) -> str:
    return (clock.today() - timedelta(days=days)).isoformat()


def _procedure(matters: list[str]) -> list[tuple[str, dict[str, Any] | None, int]]:
    return [
        (
            "inspection",
            {
                "inspected_on": _days_ago(0),
                "inspectors": ["市科技局 王", "市人社局 李"],
                "findings": "site meets the conditions",
                "passed": True,
            },
            200,
        ),
        (
            "review",
            {
                "held_on": _days_ago(0),
                "participants": ["市科技局"],
                "experts": ["张教授"],
                "opinion": "agreed",
                "passed": True,
            },
            200,
        ),
        ("letter", {"number": "津科函〔2026〕88号", "issued_on": _days_ago(0)}, 200),
        (
            "agreement",
            {
                "matters": matters,
                "duties": "handle delegated permits",
                "rights": "use of the municipal system",
                "requirements": "TJ-6 standards",
                "starts_on": _days_ago(0),
            },
            201,
        ),
        ("publication", None, 200),
    ]
