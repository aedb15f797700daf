"""One identifier rule everywhere (docs/architecture.md, "Identifiers"): a code a client
chooses is kept exactly as sent, and one not already canonical is refused with a 422 naming
the field, never rewritten; so every service finds a unit by the very code its client sent."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from services.hall.embedded import Hall
from tests import builders
from tests.builders import AUTHORITY, ok
from tests.support import bearer, wait_for

UNITS = "/registry/api/v1/units"
HALL = {
    "name_zh": "天津市政务服务中心",
    "name_en": "Tianjin Service Hall",
    "address": "天津市河西区友谊路 1 号",
    "hours": "Mon–Fri 9:00–17:00",
    "phone": "022-12345",
}


def _unit(code: str) -> dict[str, Any]:
    return {"code": code, "name": "第七单位 Unit 7", "district": "河西区 Hexi"}


def _field_of(response: Any) -> list[str]:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return sorted(response.json["errors"])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (UNITS, _unit("U07")),
        (UNITS, _unit(" u07")),
        ("/registry/api/v1/halls", {**HALL, "code": "Main-Hall"}),
        ("/registry/api/v1/matters", {**builders.MATTER, "code": "Biz-Licence"}),
    ],
)
def test_a_code_not_already_canonical_is_refused_naming_the_field(
    hall: Hall, path: str, body: dict[str, Any]
) -> None:
    client = Client(hall.wsgi())
    assert _field_of(client.post(path, json=body, headers=AUTHORITY)) == ["code"]
    # nothing was kept under another spelling
    assert ok(client.get(UNITS, headers=AUTHORITY))["items"] == []


def _found(client: Client, path: str) -> Any:
    answer = client.get(path, headers=AUTHORITY)
    return answer.json if answer.status_code == 200 else None


def test_every_service_finds_a_unit_by_the_code_its_client_sent(hall: Hall) -> None:
    client = Client(hall.wsgi())
    assert _field_of(client.post(UNITS, json=_unit("U07"), headers=AUTHORITY)) == ["code"]
    assert client.get(f"{UNITS}/u07", headers=AUTHORITY).status_code == 404

    sent = ok(client.post(UNITS, json=_unit("u07"), headers=AUTHORITY), 201)
    assert sent["code"] == "u07"
    for service in ("registry", "staffing", "inspection"):
        found = wait_for(lambda s=service: _found(client, f"/{s}/api/v1/units/u07"))
        assert found["code"] == "u07", service
    # notification told the unit under the same code, and its token reads that inbox
    [told] = wait_for(
        lambda: ok(client.get("/notification/api/v1/notices", headers=bearer("unit", "u07")))[
            "items"
        ]
    )
    assert told["recipient"] == "unit:u07"
    assert told["subject"] == "u07"
    # and no service knows the spelling it refused
    for service in ("registry", "staffing", "inspection"):
        assert client.get(f"/{service}/api/v1/units/U07", headers=AUTHORITY).status_code == 404
