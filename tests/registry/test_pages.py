"""The public directory pages (TJ-5.6, TJ-6.1, TJ-6.2, EQ-1.3), rendered by the embedded hall."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from werkzeug.test import Client

from services.hall.embedded import Hall
from shared import clock
from tests import builders
from tests.builders import ok

PDF = b"%PDF-1.4\n% a form\n%%EOF\n"
MARRIAGE = {
    "name_zh": "婚姻登记",
    "name_en": "Marriage registration",
    "type": "confirmation",
    "case_kind": "on_the_spot",
    "legal_limit_days": 0,
    "promised_limit_days": 0,
    "extension_days": 0,
    "extension_note": "",
}


@pytest.fixture
def client(hall: Hall) -> Client:
    client = Client(hall.wsgi())
    builders.hall(client)
    builders.unit(client, "tj-hexi")
    builders.matter(client, "work-permit-long")
    builders.published_window(client, "tj-hexi", ["work-permit-long"])
    return client


@pytest.fixture
def two_windows(client: Client) -> Client:
    """A second, emergency window in another district, for another matter."""
    builders.unit(client, "tj-nankai", district="南开区 Nankai")
    builders.matter(client, "marriage", **MARRIAGE)
    builders.published_window(
        client,
        "tj-nankai",
        ["marriage"],
        name_zh="婚姻登记应急窗口",
        name_en="Marriage emergency window",
        type="emergency",
    )
    return client


def page(client: Client, url: str, status: int = 200, language: str | None = None) -> str:
    response = client.get(url, headers={"Accept-Language": language} if language else {})
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    return str(response.get_data(as_text=True))


def window_names(html: str) -> list[str]:
    return re.findall(r'<h3 id="window-\d+">\s*<a [^>]*>([^<]*)</a>', html)


def promised_limit(html: str) -> str:
    found = re.search(r'<dd class="limit">\s*([^<]*?)\s*</dd>', html)
    assert found, "the guide shows no promised time limit"
    return found[1]


def upload_form(client: Client, name: str = "申请表.pdf", data: bytes = PDF) -> int:
    response = client.post(
        "/registry/api/v1/forms",
        data={"file": (io.BytesIO(data), name)},
        headers=builders.AUTHORITY,
        content_type="multipart/form-data",
    )
    form_id: int = ok(response, 201)["id"]
    return form_id


def republish(client: Client, code: str, **changes: Any) -> None:
    body = {**builders.MATTER, **changes}
    ok(client.put(f"/registry/api/v1/matters/{code}", json=body, headers=builders.AUTHORITY))


def test_the_directory_lists_published_windows_only(client: Client) -> None:
    builders.application(client, "tj-hexi", name_zh="未公布窗口", name_en="Unpublished window")
    html = page(client, "/registry/")
    assert window_names(html) == ["外国人工作许可窗口"]
    assert "未公布窗口" not in html
    for shown in ("常设窗口", "tj-hexi 政务服务中心", "河西区 Hexi", "022-2345 6789", "正在受理"):
        assert shown in html
    assert 'href="/registry/matters/work-permit-long"' in html
    assert '<html lang="zh-CN">' in html


def test_search_by_matter_name_narrows_the_list(two_windows: Client) -> None:
    assert len(window_names(page(two_windows, "/registry/"))) == 2
    found = page(two_windows, "/registry/?q=婚姻")
    assert window_names(found) == ["婚姻登记应急窗口"]
    assert window_names(page(two_windows, "/registry/?q=work+permit")) == ["外国人工作许可窗口"]
    assert window_names(page(two_windows, "/registry/?q=no-such-thing")) == []


def test_filters_by_window_type_district_and_matter_type(two_windows: Client) -> None:
    emergency = page(two_windows, "/registry/?window_type=emergency")
    assert window_names(emergency) == ["婚姻登记应急窗口"]
    assert "暂不受理" in emergency  # a reserved window stays closed until opened (EQ-2.2c)
    nankai = page(two_windows, "/registry/?district=南开区 Nankai")
    assert window_names(nankai) == ["婚姻登记应急窗口"]
    licensing = page(two_windows, "/registry/?matter_type=licensing")
    assert window_names(licensing) == ["外国人工作许可窗口"]
    ignored = page(two_windows, "/registry/?window_type=bogus")
    assert len(window_names(ignored)) == 2


def test_upcoming_hall_closures_are_announced_on_top(client: Client) -> None:
    starts = (clock.today() + timedelta(days=10)).isoformat()
    notice = {"kind": "closure", "starts_on": starts, "message_zh": "系统升级停业一天"}
    ok(
        client.post("/registry/api/v1/halls/tj-hall/notices", json=notice, headers=builders.CENTER),
        201,
    )
    html = page(client, "/registry/")
    assert html.index("系统升级停业一天") < html.index("<h1>")
    assert "停业" in html and starts in html


def test_a_window_page_shows_its_standards_and_no_staff_yet(client: Client) -> None:
    html = page(client, "/registry/windows/1")
    assert html.count("<h1>") == 1 and "<h1>外国人工作许可窗口</h1>" in html
    for text in builders.DETAILS.values():
        assert text in html
    assert "暂无公布的在岗人员" in html
    assert "天津市政务服务中心" in html


def test_the_guide_shows_materials_flow_time_limits_and_forms(client: Client) -> None:
    form_id = upload_form(client)
    republish(client, "work-permit-long", forms=[form_id])
    html = page(client, "/registry/matters/work-permit-long")
    for text in ("申请表", "护照", "学历证明", "可选", "受理 Accept", "发证 Issue"):
        assert text in html
    assert "20 个工作日" in html and "10 个工作日" in html and "可延长 10 个工作日" in html
    assert "《外国人在中国就业管理规定》" in html
    assert f'href="/registry/forms/{form_id}"' in html
    assert 'href="/registry/windows/1"' in html


def test_an_earlier_version_is_shown_as_published(client: Client) -> None:
    republish(client, "work-permit-long", promised_limit_days=5, fees="100 元")
    current = page(client, "/registry/matters/work-permit-long")
    assert promised_limit(current) == "5 个工作日" and "100 元" in current
    old = page(client, "/registry/matters/work-permit-long?version=1")
    assert promised_limit(old) == "10 个工作日" and "100 元" not in old
    assert "较早的版本" in old
    page(client, "/registry/matters/work-permit-long?version=9", 404)


def test_english_by_parameter_or_by_the_browser(client: Client) -> None:
    english = page(client, "/registry/?lang=en&q=work")
    assert '<html lang="en">' in english
    assert "Foreign work permit window" in english and "Window directory" in english
    assert 'href="/registry/?lang=zh&amp;q=work"' in english  # the switch keeps the search
    browser = page(client, "/registry/matters/work-permit-long", language="en-US,en;q=0.9")
    assert '<html lang="en">' in browser and "20 working day(s)" in browser
    chosen = page(client, "/registry/?lang=zh", language="en")
    assert '<html lang="zh-CN">' in chosen


def test_pages_keep_their_own_parameters_and_refuse_a_nul(client: Client) -> None:
    """The API refuses query parameters it does not declare; pages are no API operations, and
    take theirs (lang, q, after, …). A NUL, which PostgreSQL's text refuses, is a 422."""
    assert "Foreign work permit window" in page(client, "/registry/?lang=en&q=work&after=0")
    refused = client.get("/registry/?q=a%00b")
    assert refused.status_code == 422 and "q" in refused.get_json()["errors"]


def test_unknown_or_unpublished_windows_and_matters_are_404_pages(client: Client) -> None:
    unpublished = builders.application(client, "tj-hexi")
    for url in (
        "/registry/windows/999",
        f"/registry/windows/{unpublished['id']}",
        "/registry/matters/no-such-matter",
        "/registry/matters/work-permit-long?version=x",
    ):
        assert "页面不存在" in page(client, url, 404)
    assert '<html lang="en">' in page(client, "/registry/windows/999?lang=en", 404)


def test_a_form_downloads_with_its_type_and_name(client: Client) -> None:
    form_id = upload_form(client)
    response = client.get(f"/registry/forms/{form_id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename*=UTF-8''%E7%94%B3%E8%AF%B7%E8%A1%A8.pdf"
    )
    assert response.data == PDF


def test_user_supplied_text_is_escaped(client: Client) -> None:
    builders.matter(client, "xss", name_zh="<script>alert(1)</script>")
    for url in ("/registry/", "/registry/matters/xss"):
        html = page(client, url)
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_pages_load_no_script_and_their_stylesheet_is_public(client: Client) -> None:
    response = client.get("/registry/")
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    css = client.get("/registry/assets/directory.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
