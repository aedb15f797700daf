"""The walking skeleton in the embedded mode: one process, SQLite, in-memory broker."""

from __future__ import annotations

from werkzeug.test import Client

from services.hall.embedded import Hall
from tests.support import bearer, wait_for

AUTHORITY = bearer("authority")
HEXI = {"code": "tj-hexi", "name": "河西区政务服务中心", "district": "河西区"}


def test_health_of_every_service(hall: Hall) -> None:
    client = Client(hall.wsgi())
    for name in ("registry", "staffing", "inspection", "notification"):
        assert client.get(f"/{name}/livez").status_code == 200
        ready = client.get(f"/{name}/readyz")
        assert ready.status_code == 200, ready.get_data(as_text=True)
        assert ready.json["checks"]["database"] == "ok"
        spec = client.get(f"/{name}/openapi.json")
        assert spec.status_code == 200 and spec.json["info"]["title"] == f"govhall {name}"


def test_a_registered_unit_reaches_every_service(hall: Hall) -> None:
    client = Client(hall.wsgi())
    created = client.post("/registry/api/v1/units", json=HEXI, headers=AUTHORITY)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.json["code"] == "tj-hexi"

    for service in ("staffing", "inspection"):
        copy = wait_for(
            lambda s=service: (
                client.get(f"/{s}/api/v1/units/tj-hexi", headers=AUTHORITY).json
                if client.get(f"/{s}/api/v1/units/tj-hexi", headers=AUTHORITY).status_code == 200
                else None
            ),
            timeout=2,
        )
        assert copy["name"] == "河西区政务服务中心" and copy["district"] == "河西区"

    notices = wait_for(
        lambda: client.get("/notification/api/v1/notices", headers=AUTHORITY).json["items"],
        timeout=2,
    )
    assert [n["subject"] for n in notices] == ["tj-hexi"]
    assert notices[0]["event_type"] == "govhall.registry.unit.registered.v1"
    unit_inbox = client.get("/notification/api/v1/notices", headers=bearer("unit", "tj-hexi"))
    assert unit_inbox.json["unread"] == 1
    other_unit = client.get("/notification/api/v1/notices", headers=bearer("unit", "tj-nankai"))
    assert other_unit.json == {"items": [], "next_cursor": None, "unread": 0}


def test_duplicate_code_is_a_conflict_and_changes_nothing(hall: Hall) -> None:
    client = Client(hall.wsgi())
    assert client.post("/registry/api/v1/units", json=HEXI, headers=AUTHORITY).status_code == 201
    again = client.post(
        "/registry/api/v1/units", json={**HEXI, "name": "Another name"}, headers=AUTHORITY
    )
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"
    assert again.json["errors"] == {"code": ["unit tj-hexi is registered already"]}
    assert (
        client.get("/registry/api/v1/units/tj-hexi", headers=AUTHORITY).json["name"] == HEXI["name"]
    )


def test_only_the_authority_registers_units(hall: Hall) -> None:
    client = Client(hall.wsgi())
    anonymous = client.post("/registry/api/v1/units", json=HEXI)
    assert anonymous.status_code == 401
    assert anonymous.json["type"] == "urn:govhall:problem:unauthorized"
    center = client.post("/registry/api/v1/units", json=HEXI, headers=bearer("center"))
    assert center.status_code == 403
    forged = client.post(
        "/registry/api/v1/units", json=HEXI, headers={"Authorization": "Bearer not.a.token"}
    )
    assert forged.status_code == 401
    assert client.get("/registry/api/v1/units", headers=AUTHORITY).json["items"] == []


def test_invalid_body_names_each_field(hall: Hall) -> None:
    client = Client(hall.wsgi())
    response = client.post(
        "/registry/api/v1/units", json={"code": "Bad Code!", "name": "x"}, headers=AUTHORITY
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert set(response.json["errors"]) == {"district"}
    response = client.post(
        "/registry/api/v1/units", json={**HEXI, "code": "Bad Code!"}, headers=AUTHORITY
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"code"}


def test_units_are_paginated(hall: Hall) -> None:
    client = Client(hall.wsgi())
    for i in range(5):
        body = {"code": f"unit-{i}", "name": f"Unit {i}", "district": "d"}
        assert (
            client.post("/registry/api/v1/units", json=body, headers=AUTHORITY).status_code == 201
        )
    first = client.get("/registry/api/v1/units?limit=2", headers=AUTHORITY).json
    assert [u["code"] for u in first["items"]] == ["unit-0", "unit-1"]
    rest = client.get(
        f"/registry/api/v1/units?limit=10&cursor={first['next_cursor']}", headers=AUTHORITY
    ).json
    assert [u["code"] for u in rest["items"]] == ["unit-2", "unit-3", "unit-4"]
    assert rest["next_cursor"] is None
    bad = client.get("/registry/api/v1/units?cursor=%%%", headers=AUTHORITY)
    assert bad.status_code == 422 and "cursor" in bad.json["errors"]


def test_metrics_show_requests_and_the_outbox(hall: Hall) -> None:
    client = Client(hall.wsgi())
    client.post("/registry/api/v1/units", json=HEXI, headers=AUTHORITY)
    wait_for(
        lambda: client.get("/staffing/api/v1/units/tj-hexi", headers=AUTHORITY).status_code == 200
    )
    text = client.get("/registry/metrics").get_data(as_text=True)
    assert (
        'govhall_http_requests_total{endpoint="/api/v1/units",method="POST",service="registry",status="201"}'
        in text
    )
    assert 'govhall_outbox_backlog{service="registry"} 0.0' in text
    assert (
        'govhall_events_published_total{service="registry",type="govhall.registry.unit.registered.v1"}'
        in text
    )
    assert "govhall_http_request_duration_seconds_bucket" in text
    staffing = client.get("/staffing/metrics").get_data(as_text=True)
    assert (
        'govhall_events_consumed_total{outcome="applied",service="staffing",type="govhall.registry.unit.registered.v1"}'
        in staffing
    )


def test_every_route_declares_who_may_call_it(hall: Hall) -> None:
    from shared import auth

    for name, app in hall.apps.items():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static" or rule.endpoint.startswith("api-docs."):
                continue
            view = app.view_functions[rule.endpoint]
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                handler = getattr(getattr(view, "view_class", None), method.lower(), view)
                assert hasattr(handler, auth.ACCESS_ATTR), f"{name} {method} {rule.rule}"
