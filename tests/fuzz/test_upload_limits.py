"""Issue 11.5: what is too long, too many, too large or of the wrong type is refused with a 4xx
problem document that names the field: JSON strings and lists past their bounds, ids no table
can hold, registry's forms, inspection's evidence and staffing's attendance sheets."""

from __future__ import annotations

import io
from typing import Any

import pytest
from werkzeug.test import Client, TestResponse

from services.hall.embedded import Hall
from services.inspection.domain.evidence import MAX_EVIDENCE_BYTES
from services.registry.domain.forms import MAX_FORM_BYTES
from services.staffing.domain.attendance import MAX_SHEET_BYTES
from shared import problems
from shared.schemas import INT_MAX, LINE_MAX, MAX_ITEMS, TEXT_MAX
from tests.support import bearer

AUTHORITY = bearer("authority")
INSPECTOR = bearer("inspector")
CENTER = bearer("center")
FORMS = "/registry/api/v1/forms"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"


@pytest.fixture(scope="module")
def client(demo_hall: Hall) -> Client:
    return Client(demo_hall.wsgi())


def refused(response: TestResponse, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == problems.MEDIA_TYPE
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status and body["type"] and body["title"]
    if field is not None:
        assert field in body.get("errors", {}), body
    return body


def form(client: Client, data: bytes, name: str) -> TestResponse:
    return client.post(
        FORMS,
        headers=AUTHORITY,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_a_string_past_its_bound_is_refused_naming_it(client: Client) -> None:
    hall = {
        "code": "fuzz-hall",
        "name_zh": "长" * (LINE_MAX + 1),
        "name_en": "Hall",
        "address": "Road 1",
        "hours": "9-5",
    }
    refused(client.post("/registry/api/v1/halls", json=hall, headers=CENTER), 422, "name_zh")


def test_a_list_past_its_bound_is_refused_naming_it(client: Client) -> None:
    contact = {"name": "A", "phone": "12345678"}
    unit = {"code": "fuzz-unit", "name": "U", "district": "D", "contacts": [contact] * 101}
    assert len(unit["contacts"]) > MAX_ITEMS
    refused(client.post("/registry/api/v1/units", json=unit, headers=AUTHORITY), 422, "contacts")


def test_an_id_no_table_can_hold_is_not_found(client: Client) -> None:
    response = client.get(f"/registry/api/v1/windows/{INT_MAX + 1}", headers=AUTHORITY)
    refused(response, 404)
    counted = client.get(f"/registry/api/v1/cases?window_id={INT_MAX + 1}", headers=AUTHORITY)
    refused(counted, 422, "window_id")


def test_forms_of_a_wrong_type_or_too_large_are_refused(client: Client) -> None:
    assert form(client, PDF, "申请表.pdf").status_code == 201
    refused(form(client, b"MZ\x90\x00", "tool.exe"), 422, "file")
    refused(form(client, b"\x89PNG\r\n\x1a\n", "disguised.pdf"), 422, "file")
    refused(form(client, PDF + b"0" * MAX_FORM_BYTES, "big.pdf"), 413, "file")
    refused(form(client, PDF + b"0" * (MAX_FORM_BYTES + 128 * 1024), "bigger.pdf"), 413, "file")
    # Past what any service reads (MAX_CONTENT_LENGTH): refused before a view sees it.
    refused(form(client, PDF + b"0" * (16 * 1024 * 1024), "huge.pdf"), 413)


def test_evidence_of_a_wrong_type_too_large_or_with_a_long_description_is_refused(
    client: Client,
) -> None:
    findings = client.get("/inspection/api/v1/findings?limit=200", headers=INSPECTOR).get_json()
    finding = next(f for f in findings["items"] if f["status"] != "withdrawn")
    url = f"/inspection/api/v1/findings/{finding['id']}/evidence"

    def send(data: bytes, name: str, kind: str, description: str = "") -> TestResponse:
        fields = {"file": (io.BytesIO(data), name, kind), "description": description}
        return client.post(url, data=fields, headers=INSPECTOR)

    assert send(b"on site", "note.txt", "text/plain").status_code == 201
    refused(send(b"PK\x03\x04", "photos.zip", "application/zip"), 422, "file")
    refused(send(b"not a png", "photo.png", "image/png"), 422, "file")
    refused(send(b"a" * (MAX_EVIDENCE_BYTES + 1), "long.txt", "text/plain"), 413, "file")
    raw = client.post(
        url,
        data=b"a" * (MAX_EVIDENCE_BYTES + 128 * 1024),
        headers={**INSPECTOR, "Content-Type": "text/plain"},
    )
    refused(raw, 413, "file")
    refused(send(b"on site", "note.txt", "text/plain", "长" * (TEXT_MAX + 1)), 422, "description")


def test_attendance_sheets_too_large_or_of_a_wrong_type_are_refused(client: Client) -> None:
    url = "/staffing/api/v1/attendance/import"
    sheet = b"staff_id,day,status\n" + b"x" * MAX_SHEET_BYTES
    big = client.post(url, data=sheet, headers={**CENTER, "Content-Type": "text/csv"})
    refused(big, 413, "file")
    upload = {"file": (io.BytesIO(sheet + b"x" * 128 * 1024), "sheet.csv", "text/csv")}
    refused(client.post(url, data=upload, headers=CENTER), 413, "file")
    wrong = client.post(url, data=b"%PDF-", headers={**CENTER, "Content-Type": "application/pdf"})
    refused(wrong, 422, "Content-Type")
