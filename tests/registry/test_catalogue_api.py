"""Matters, forms and halls through the API: public to read, the authority's to change."""

from __future__ import annotations

import io
from datetime import timedelta

from werkzeug.test import Client

from shared import clock
from tests import builders
from tests.builders import AUTHORITY, CENTER, MATTER, ok
from tests.support import bearer

PDF = b"%PDF-1.4\n% govhall test form\n"


def upload(client: Client, name: str = "申请表.pdf", data: bytes = PDF) -> dict:
    return ok(
        client.post(
            "/registry/api/v1/forms",
            data={"file": (io.BytesIO(data), name)},
            headers=AUTHORITY,
            content_type="multipart/form-data",
        ),
        201,
    )


def test_guides_are_public_and_versions_keep_what_applicants_saw(client: Client) -> None:
    form = upload(client)
    second = ok(
        client.put(
            "/registry/api/v1/matters/work-permit-long",
            headers=AUTHORITY,
            json={**MATTER, "promised_limit_days": 8, "forms": [form["id"]]},
        )
    )
    assert second["version"] == 2
    current = ok(client.get("/registry/api/v1/matters/work-permit-long"))  # no token: EQ-1.3
    assert (current["promised_limit_days"], current["forms"]) == (8, [form["id"]])
    first = ok(client.get("/registry/api/v1/matters/work-permit-long/versions/1"))
    assert (first["promised_limit_days"], first["forms"]) == (10, [])
    found = ok(client.get("/registry/api/v1/matters?q=Work%20permit"))["items"]
    assert [m["code"] for m in found] == ["work-permit-long"]
    assert ok(client.get("/registry/api/v1/matters?type=confirmation"))["items"] == []
    assert ok(client.get("/registry/api/v1/matters?q=%25"))["items"] == []  # `%` is literal


def test_only_the_authority_publishes_guides(client: Client) -> None:
    body = {**MATTER, "code": "x-matter"}
    for token in (CENTER, bearer("unit", "tj-hexi"), {}):
        assert client.post("/registry/api/v1/matters", json=body, headers=token).status_code in (
            401,
            403,
        )
    refused = client.post(
        "/registry/api/v1/matters", headers=AUTHORITY, json={**body, "promised_limit_days": 30}
    )
    assert refused.status_code == 422 and refused.json["rule"] == "EQ-4.4c"
    assert refused.json["errors"] == {"promised_limit_days": [refused.json["detail"]]}
    bad_type = client.post(
        "/registry/api/v1/matters", json={**body, "type": "tax"}, headers=AUTHORITY
    )
    assert bad_type.status_code == 422 and "type" in bad_type.json["errors"]
    assert client.get("/registry/api/v1/matters/x-matter").status_code == 404


def test_forms_are_served_back_as_uploaded(client: Client) -> None:
    form = upload(client)
    download = client.get(f"/registry/api/v1/forms/{form['id']}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"] == (
        "attachment; filename*=UTF-8''%E7%94%B3%E8%AF%B7%E8%A1%A8.pdf"
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disguised = client.post(
        "/registry/api/v1/forms",
        headers=AUTHORITY,
        data={"file": (io.BytesIO(b"<script>"), "form.pdf")},
        content_type="multipart/form-data",
    )
    assert disguised.status_code == 422 and "file" in disguised.json["errors"]
    missing = client.post(
        "/registry/api/v1/forms", headers=AUTHORITY, data={}, content_type="multipart/form-data"
    )
    assert missing.status_code == 422


def test_closures_are_announced_in_advance_and_shown(client: Client) -> None:
    tomorrow = clock.today() + timedelta(days=1)
    late = client.post(
        "/registry/api/v1/halls/tj-hall/notices",
        headers=CENTER,
        json={"kind": "closure", "starts_on": clock.today().isoformat(), "message_zh": "闭馆"},
    )
    assert late.status_code == 422 and late.json["rule"] == "EQ-4.5"
    ok(
        client.post(
            "/registry/api/v1/halls/tj-hall/notices",
            headers=CENTER,
            json={
                "kind": "move",
                "starts_on": tomorrow.isoformat(),
                "ends_on": (tomorrow + timedelta(days=2)).isoformat(),
                "new_address": "二七区行政服务中心",
                "message_zh": "搬迁",
                "message_en": "Moving",
            },
        ),
        201,
    )
    hall = ok(client.get("/registry/api/v1/halls/tj-hall"))
    assert [n["kind"] for n in hall["notices"]] == ["move"]
    assert hall["notices"][0]["starts_on"] == tomorrow.isoformat()


def test_units_keep_their_contacts(client: Client) -> None:
    contacts = [{"name": "王主任", "phone": "022-1234 5678", "role": "chief representative"}]
    ok(
        client.patch(
            "/registry/api/v1/units/tj-hexi",
            json={"contacts": contacts},
            headers=bearer("unit", "tj-hexi"),
        )
    )
    assert (
        ok(client.get("/registry/api/v1/units/tj-hexi", headers=AUTHORITY))["contacts"][0]["name"]
        == "王主任"
    )
    bad = client.patch(
        "/registry/api/v1/units/tj-hexi",
        headers=AUTHORITY,
        json={"contacts": [{"name": "x", "phone": "call me"}]},
    )
    assert bad.status_code == 422 and "contacts.0.phone" in bad.json["errors"]
    builders.unit(client, "tj-binhai")


def test_the_hall_calendar_shows_holidays_make_up_days_and_closures(client: Client) -> None:
    days = ok(client.get("/registry/api/v1/halls/tj-hall/calendar?from=2026-09-30&days=12"))
    by_date = {d["date"]: d for d in days}
    assert by_date["2026-09-30"]["workday"] is True
    assert by_date["2026-10-01"]["workday"] is False  # National Day
    assert by_date["2026-10-10"]["workday"] is True  # a Saturday worked in exchange
    tomorrow = clock.today() + timedelta(days=1)
    ok(
        client.post(
            "/registry/api/v1/halls/tj-hall/notices",
            headers=CENTER,
            json={"kind": "closure", "starts_on": tomorrow.isoformat(), "message_zh": "系统升级"},
        ),
        201,
    )
    shut = ok(client.get(f"/registry/api/v1/halls/tj-hall/calendar?from={tomorrow}&days=1"))[0]
    assert shut == {
        "date": tomorrow.isoformat(),
        "workday": False,
        "closed": True,
        "reason": "系统升级",
    }
    assert client.get("/registry/api/v1/halls/tj-hall/calendar?days=400").status_code == 422
