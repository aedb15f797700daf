"""One status for one kind of conflict (issue 17, docs/errors.md): a step taken out of order — a
state the resource is not in, a step repeated, a step after the end — is a 409 with the problem
type `state-conflict` in every service, naming the rule that orders the steps where one does."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from werkzeug.test import Client

from services.hall.embedded import Hall
from shared import clock
from tests import builders
from tests.builders import ok
from tests.inspection.test_sanctions_api import finding, known_window, order
from tests.registry.conftest import client  # noqa: F401  (a hall, units and a matter ready)
from tests.staffing import builders as staffing
from tests.staffing.test_absences_api import appoint_chief, decide, report
from tests.support import bearer

STATE_CONFLICT = "urn:govhall:problem:state-conflict"
AUTHORITY = bearer("authority")
HEXI = bearer("unit", "tj-hexi")
MONDAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def monday(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: MONDAY)
    monkeypatch.delenv("SANCTION_RECTIFICATION_DAYS", raising=False)


def out_of_order(response: Any, rule: str | None) -> None:
    assert response.status_code == 409, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] == STATE_CONFLICT and response.json["status"] == 409
    assert response.json.get("rule") == rule


def test_every_service_answers_a_step_out_of_order_with_409_state_conflict(
    client: Client,  # noqa: F811  (the fixture imported above)
    hall: Hall,
) -> None:
    # registry: the window's setup procedure, a step skipped and a step repeated (TJ-5.x)
    applied = builders.application(client, "tj-hexi")
    url = f"/registry/api/v1/windows/{applied['id']}"
    out_of_order(client.post(f"{url}/publication", headers=AUTHORITY), "TJ-5.6")
    # registry: a case's chain, a step skipped (EQ-4.3)
    window = known_window(client, hall)
    body = {"window_id": window["id"], "matter_code": "work-permit-long", "applicant": "李娜"}
    case = ok(
        client.post("/registry/api/v1/cases", json={**body, "staff_id": "s-zhang"}, headers=HEXI),
        201,
    )
    skipped = {"stage": "approved", "staff_id": "s-li"}
    steps = f"/registry/api/v1/cases/{case['id']}/steps"
    out_of_order(client.post(steps, json=skipped, headers=HEXI), "EQ-4.3")
    # staffing: an absence decided twice (EQ-3.2.5)
    _, _, a, _ = staffing.staffed_post(client)
    chief = appoint_chief(client)
    absence = report(client, a["id"], MONDAY + timedelta(days=1))
    ok(decide(client, absence["id"], chief["id"]))
    out_of_order(decide(client, absence["id"], chief["id"], "rejection"), "EQ-3.2.5")
    # inspection: an order verified before it is reported (TJ-8.1)
    made = order(client, window, [finding(client, window)])
    verify = f"/inspection/api/v1/sanctions/orders/{made['id']}/verification"
    out_of_order(client.post(verify, json={"accepted": True}, headers=AUTHORITY), "TJ-8.1")
