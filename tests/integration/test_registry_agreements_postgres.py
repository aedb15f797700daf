"""Agreements and the window procedure through registry's API on the real PostgreSQL: renewal
without a gap, impossible dates refused, a window without an agreement in force not shown as
accepting cases (docs/registry.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from services.registry import create_app
from shared import clock
from shared.service import ServiceRuntime
from tests import builders
from tests.builders import AUTHORITY, ok
from tests.support import Namespace, bearer

HEXI = bearer("unit", "tj-hexi")


def _client(namespace: Namespace, runtime: Callable[..., ServiceRuntime]) -> Client:
    runtime("registry")  # migrated on PostgreSQL by the owner role
    app = create_app(namespace.settings("registry"))
    client = Client(DispatcherMiddleware(app, {"/registry": app}))
    builders.hall(client)
    builders.unit(client, "tj-hexi")
    builders.matter(client, "work-permit-long")
    return client


def _agreement(client: Client, window: dict[str, Any]) -> Any:
    url = f"/registry/api/v1/windows/{window['id']}/agreement"
    return ok(client.get(url, headers=AUTHORITY))


def test_agreements_and_the_procedure_on_postgres(
    namespace: Namespace, runtime: Callable[..., ServiceRuntime]
) -> None:
    client = _client(namespace, runtime)
    today = clock.today()

    # An early renewal: the old term runs to its end, the window keeps taking cases.
    window = builders.application(client, "tj-hexi")
    started = today.replace(year=today.year - 3) + timedelta(days=40)
    builders.procedure(client, window["id"], ["work-permit-long"], starts_on=started.isoformat())
    old = _agreement(client, window)[0]
    url = f"/registry/api/v1/agreements/{old['id']}"
    assessment = {"assessed_on": today.isoformat(), "passed": True, "summary": "good"}
    ok(client.post(f"{url}/assessment", headers=AUTHORITY, json=assessment))
    renewed = ok(client.post(f"{url}/renewal", headers=AUTHORITY), 201)
    assert date.fromisoformat(renewed["starts_on"]) == date.fromisoformat(old["ends_on"]) + (
        timedelta(days=1)
    )
    entry = ok(client.get(f"/registry/api/v1/directory/windows/{window['id']}"))
    assert entry["is_open"] is True and [m["code"] for m in entry["matters"]] == [
        "work-permit-long"
    ]
    case = {
        "window_id": window["id"],
        "matter_code": "work-permit-long",
        "applicant": "John Smith",
        "staff_id": "s-zhang",
    }
    ok(client.post("/registry/api/v1/cases", json=case, headers=HEXI), 201)

    # Impossible dates: refused naming the rule and the field.
    fresh = builders.application(client, "tj-hexi")
    inspection = {
        "inspected_on": "2031-01-01",
        "inspectors": ["a", "b"],
        "findings": "ok",
        "passed": True,
    }
    refused = client.post(
        f"/registry/api/v1/windows/{fresh['id']}/inspection", json=inspection, headers=AUTHORITY
    )
    assert refused.status_code == 422 and refused.json["rule"] == "TJ-5.2"
    assert list(refused.json["errors"]) == ["inspected_on"]
    builders.procedure(client, fresh["id"], ["work-permit-long"], until="letter")
    terms = {
        "matters": ["work-permit-long"],
        "duties": "d",
        "rights": "r",
        "requirements": "q",
        "starts_on": "2040-01-01",
    }
    far = client.post(
        f"/registry/api/v1/windows/{fresh['id']}/agreement", json=terms, headers=AUTHORITY
    )
    assert far.status_code == 422 and far.json["rule"] == "TJ-5.5"

    # Published with an agreement starting next month: listed, not as accepting cases.
    later = {**terms, "starts_on": (today + timedelta(days=30)).isoformat()}
    ok(
        client.post(
            f"/registry/api/v1/windows/{fresh['id']}/agreement", json=later, headers=AUTHORITY
        ),
        201,
    )
    ok(client.post(f"/registry/api/v1/windows/{fresh['id']}/publication", headers=AUTHORITY))
    listed = ok(client.get("/registry/api/v1/directory"))["items"]
    shown = {e["id"]: (e["is_open"], len(e["matters"])) for e in listed}
    assert shown == {window["id"]: (True, 1), fresh["id"]: (False, 0)}
