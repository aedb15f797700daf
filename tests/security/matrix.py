"""The access matrix's material: real ids of the demo hall to fill every path with, the callers,
and how to send a request and tell whether it changed anything (tests/security)."""

from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cache
from typing import Any
from urllib.parse import quote

from flask import Flask
from werkzeug.test import Client, TestResponse

from services.hall import access_matrix
from services.hall.access_matrix import Route
from services.hall.demo.client import DemoClient
from services.hall.embedded import Hall
from shared import auth, clock
from tests.support import TEST_SECRET

OWNER = "tj-hexi"  # the unit whose objects fill the paths
STRANGER = "tj-teda"  # another unit of the same hall, with objects of its own
INTEGRATOR = "demo-integrator"  # the demo's integrator, whose subscription the paths name


@dataclass
class Demo:
    """Real ids from the demo hall; where an object belongs to a unit, to OWNER."""

    window_id: str = ""
    agreement_id: str = ""
    case_id: str = ""
    enquiry_id: str = ""
    slot_id: str = ""
    booking: str = ""
    form_id: str = ""
    hall: str = "tj-hall"
    matter: str = ""
    matter_version: str = "1"
    unit: str = OWNER
    staff_id: str = ""
    other_staff_id: str = ""  # OWNER's B at the same post
    stranger_staff_id: str = ""  # STRANGER's A at one of its posts
    chief_id: str = ""
    absence_id: str = ""
    assignment_id: str = ""
    post_id: str = ""
    seal_id: str = ""
    return_id: str = ""
    rotation_id: str = ""
    year: str = ""
    day: str = ""
    appeal_id: str = ""
    accountability_case_id: str = ""
    complaint_id: str = ""
    draw_id: str = ""
    draw_stranger: str = ""  # a unit none of whose cases the draw sampled
    evaluation_id: str = ""
    finding_id: str = ""
    evidence_id: str = ""
    visit_id: str = ""
    inspector_id: str = ""
    rule_id: str = ""
    proposal_id: str = ""
    month: str = ""
    task_id: str = ""
    sampling_plan_id: str = ""
    spot_check_id: str = ""
    sanction_id: str = ""
    order_id: str = ""
    notice_id: str = ""
    inbox_key: str = ""  # the inbox of one of OWNER's staff
    email_delivery_id: str = ""
    subscription_id: str = ""
    webhook_delivery_id: str = ""
    # Dead letters and e-mail deliveries the demo may lack: then ids that do not exist.
    registry_failed_id: str = "999999"
    staffing_failed_id: str = "999999"
    inspection_failed_id: str = "999999"
    notification_failed_id: str = "999999"


# How each path parameter is filled: (service, collection, name) → a field of Demo. The
# collection is the literal path before the parameter, less /api/v1 (Route.params).
FILL: dict[tuple[str, str, str], str] = {
    ("registry", "agreements", "agreement_id"): "agreement_id",
    ("registry", "bookings", "reference"): "booking",
    ("registry", "cases", "case_id"): "case_id",
    ("registry", "dead-letters", "failed_id"): "registry_failed_id",
    ("registry", "directory/windows", "window_id"): "window_id",
    ("registry", "enquiries", "enquiry_id"): "enquiry_id",
    ("registry", "forms", "form_id"): "form_id",
    ("registry", "halls", "code"): "hall",
    ("registry", "matters", "code"): "matter",
    ("registry", "matters/versions", "version"): "matter_version",
    ("registry", "slots", "slot_id"): "slot_id",
    ("registry", "units", "code"): "unit",
    ("registry", "windows", "window_id"): "window_id",
    ("staffing", "absences", "absence_id"): "absence_id",
    ("staffing", "assessments", "year"): "year",
    ("staffing", "assessments/appeals", "appeal_id"): "appeal_id",
    ("staffing", "assessments/windows", "window_id"): "window_id",
    ("staffing", "assessments/staff", "staff_id"): "staff_id",
    ("staffing", "assessments/units", "unit_code"): "unit",
    ("staffing", "assignments", "assignment_id"): "assignment_id",
    ("staffing", "attendance", "staff_id"): "staff_id",
    ("staffing", "attendance", "day"): "day",
    ("staffing", "chief-representatives", "unit_code"): "unit",
    ("staffing", "dead-letters", "failed_id"): "staffing_failed_id",
    ("staffing", "posts", "post_id"): "post_id",
    ("staffing", "returns", "return_id"): "return_id",
    ("staffing", "rotations", "rotation_id"): "rotation_id",
    ("staffing", "seals", "seal_id"): "seal_id",
    ("staffing", "staff", "staff_id"): "staff_id",
    ("staffing", "units", "code"): "unit",
    ("inspection", "accountability-cases", "case_id"): "accountability_case_id",
    ("inspection", "cases", "case_id"): "case_id",
    ("inspection", "complaints", "complaint_id"): "complaint_id",
    ("inspection", "dead-letters", "failed_id"): "inspection_failed_id",
    ("inspection", "draws", "draw_id"): "draw_id",
    ("inspection", "evaluations", "evaluation_id"): "evaluation_id",
    ("inspection", "findings", "finding_id"): "finding_id",
    ("inspection", "findings/evidence", "evidence_id"): "evidence_id",
    ("inspection", "guidance-visits", "visit_id"): "visit_id",
    ("inspection", "inspectors", "inspector_id"): "inspector_id",
    ("inspection", "local-rules", "rule_id"): "rule_id",
    ("inspection", "proposals", "proposal_id"): "proposal_id",
    ("inspection", "rankings", "month"): "month",
    ("inspection", "rectifications", "task_id"): "task_id",
    ("inspection", "sampling-plans", "plan_id"): "sampling_plan_id",
    ("inspection", "spot-checks", "plan_id"): "spot_check_id",
    ("inspection", "sanctions", "sanction_id"): "sanction_id",
    ("inspection", "sanctions/orders", "order_id"): "order_id",
    ("inspection", "units", "code"): "unit",
    ("inspection", "windows", "window_id"): "window_id",
    ("notification", "dead-letters", "failed_id"): "notification_failed_id",
    ("notification", "email/addresses", "inbox_key"): "inbox_key",
    ("notification", "email/deliveries", "delivery_id"): "email_delivery_id",
    ("notification", "notices", "notice_id"): "notice_id",
    ("notification", "webhooks/deliveries", "delivery_id"): "webhook_delivery_id",
    ("notification", "webhooks/subscriptions", "subscription_id"): "subscription_id",
}
# Objects several units share: the other unit is one with no part in them.
STRANGERS: dict[tuple[str, str, str], str] = {("inspection", "draws", "draw_id"): "draw_stranger"}


@dataclass(frozen=True)
class Send:
    """A request body: JSON, or raw bytes with their type and a query string."""

    json: Any = None
    data: bytes | None = None
    content_type: str | None = None
    query: str = ""


@dataclass(frozen=True)
class Caller:
    name: str
    role: str | None = None  # None: no token, or a token of no role that holds
    unit: str | None = None
    token: str | None = None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    @classmethod
    def of(cls, role: str, unit: str | None = None, sub: str | None = None) -> Caller:
        """A caller with a valid token of `role` (of `unit`, for a unit)."""
        token = auth.issue_token(TEST_SECRET, role=role, unit=unit, sub=sub or f"matrix-{role}")
        return cls(f"unit {unit}" if unit else role, role, unit, token)


EXPIRED = Caller(
    "expired token",
    token=auth.issue_token(TEST_SECRET, role="authority", ttl=timedelta(seconds=-60)),
)
FORGED = Caller(
    "bad signature",
    token=auth.issue_token("not-the-hall-secret-0123456789abcdef0123", role="authority"),
)
NOBODY = Caller("no token")


# The order matters for writes: the other unit first (it must change nothing), then the owner.
def callers(stranger: str) -> list[Caller]:
    return [
        NOBODY,
        EXPIRED,
        FORGED,
        Caller.of("unit", stranger),
        Caller.of("unit", OWNER),
        Caller.of("authority"),
        Caller.of("center"),
        Caller.of("inspector"),
        Caller.of("integrator", sub=INTEGRATOR),
    ]


def _items(body: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = body["items"] if isinstance(body, dict) else body
    return items


def _first(rows: list[dict[str, Any]], what: str, test: Callable[[dict[str, Any]], bool]) -> Any:
    for row in rows:
        if test(row):
            return row
    raise AssertionError(f"the demo hall has no {what}; the access matrix needs one")


def gather(client: DemoClient) -> Demo:
    d = Demo()
    registry, staffing = "/registry/api/v1", "/staffing/api/v1"
    inspection, notification = "/inspection/api/v1", "/notification/api/v1"
    get: Callable[..., Any] = lambda path, **kw: client.call("GET", path, **kw)  # noqa: E731
    today = clock.today()
    d.year, d.day = str(today.year), today.isoformat()

    windows = _items(get(f"{registry}/windows?limit=200"))
    window = _first(
        windows, "active window", lambda w: w["unit_code"] == OWNER and w["state"] == "active"
    )
    assert not window["co_units"], "the owner's window must serve the owner alone"
    d.window_id = str(window["id"])
    (agreement, *_) = get(f"{registry}/windows/{d.window_id}/agreement")
    d.agreement_id, d.matter = str(agreement["id"]), agreement["matters"][0]
    cases = _items(get(f"{registry}/cases?limit=200&window_id={d.window_id}"))
    d.case_id = str(_first(cases, "case", lambda c: c["unit_code"] == OWNER)["id"])

    seats = get(f"{staffing}/posts?window_id={d.window_id}")
    seat = _first(seats, "post with A and B", lambda s: s["a"] and s["b"])
    d.post_id, d.staff_id, d.other_staff_id = str(seat["post_id"]), seat["a"], seat["b"]
    d.chief_id = get(f"{staffing}/chief-representatives/{OWNER}")["staff_id"]
    theirs = get(f"{staffing}/posts", role="unit", unit=STRANGER)
    d.stranger_staff_id = _first(theirs, "post of the other unit", lambda s: s["a"])["a"]
    mark = {"status": "present", "note": "matrix"}
    client.call("PUT", f"{staffing}/attendance/{d.staff_id}/{d.day}", mark, role="unit", unit=OWNER)
    absences = _items(get(f"{staffing}/absences?limit=200&window_id={d.window_id}"))
    absence = _first(absences, "absence", lambda a: True)
    d.absence_id, d.assignment_id = str(absence["id"]), str(absence["assignment_id"])
    d.seal_id = str(
        _first(get(f"{staffing}/seals"), "seal", lambda s: s["unit_code"] == OWNER)["id"]
    )

    enquiry = {"window_id": int(d.window_id), "question": "营业时间？", "staff_id": d.staff_id}
    d.enquiry_id = str(
        client.call("POST", f"{registry}/enquiries", enquiry, role="unit", unit=OWNER)["id"]
    )
    d.slot_id = str(_slot(client, d)["id"])
    booking = {"slot_id": int(d.slot_id), "name": "Matrix Tester", "phone": "13812345678"}
    d.booking = client.call("POST", f"{registry}/bookings", booking)["reference"]
    d.form_id = str(_form(client)["id"])

    staff = _items(get(f"{staffing}/staff?limit=200", role="unit", unit=OWNER))
    posted = {d.staff_id, d.other_staff_id, d.chief_id}
    spare = _first(staff, "unposted staff member", lambda s: s["id"] not in posted)
    cycle = f"{staffing}/assessments/{d.year}"
    of_hall = f"?hall={d.hall}"  # the demo has two halls, each with its own cycle (EQ-3.2.2a)
    client.call("POST", f"{cycle}/scoring{of_hall}", role="center")  # the demo's facts since
    client.call("POST", f"{cycle}/finalisation{of_hall}", role="center")
    appeal = client.call(
        "POST",
        f"{cycle}/staff/{spare['id']}/appeals{of_hall}",
        {"reason": "matrix: an appeal"},
        role="unit",
        unit=OWNER,
    )
    d.appeal_id = str(appeal["id"])
    returned = {"staff_id": spare["id"], "reason": "matrix: returned to the unit"}
    d.return_id = str(client.call("POST", f"{staffing}/returns", returned, role="center")["id"])
    swap = {
        "kind": "swap",
        "staff_id": d.staff_id,
        "other_staff_id": d.other_staff_id,
        "effective_on": (today + timedelta(days=45)).isoformat(),
        "reason": "matrix: a swap applied for in writing",
    }
    rotation = client.call("POST", f"{staffing}/rotations", swap, role="unit", unit=OWNER)
    d.rotation_id = str(rotation["id"])

    own = lambda row: row["unit_code"] == OWNER  # noqa: E731
    d.accountability_case_id = str(
        _first(_items(get(f"{inspection}/accountability-cases")), "accountability case", own)["id"]
    )
    d.complaint_id = str(_first(_items(get(f"{inspection}/complaints")), "complaint", own)["id"])
    evaluations = _items(get(f"{inspection}/evaluations?limit=200"))
    d.evaluation_id = str(
        _first(evaluations, "bad review", lambda e: own(e) and e["bad"] and not e["voided"])["id"]
    )
    findings = _items(get(f"{inspection}/findings?limit=200"))
    finding = _first(findings, "finding", lambda f: own(f) and f["status"] != "withdrawn")
    d.finding_id = str(finding["id"])
    d.evidence_id = str(_evidence(client, d.finding_id)["id"])
    d.visit_id = str(_first(_items(get(f"{inspection}/guidance-visits")), "visit", own)["id"])
    d.task_id = str(_first(_items(get(f"{inspection}/rectifications")), "task", own)["id"])
    sanctions = _items(get(f"{inspection}/sanctions?limit=200"))
    d.sanction_id = str(_first(sanctions, "sanction", own)["id"])
    order = _first(
        sanctions, "rectification order", lambda s: own(s) and s["kind"] == "rectification"
    )
    d.order_id = str(order["id"])
    d.inspector_id = str(_items(get(f"{inspection}/inspectors"))[0]["id"])
    d.rule_id = get(f"{inspection}/local-rules")[0]["rule_id"]
    d.proposal_id = str(_items(get(f"{inspection}/proposals"))[0]["id"])
    d.month = get(f"{inspection}/rankings")[0]["month"]
    d.sampling_plan_id = str(_items(get(f"{inspection}/sampling-plans"))[0]["id"])
    d.spot_check_id = str(_items(get(f"{inspection}/spot-checks"))[0]["id"])
    draws = _items(get(f"{inspection}/draws?kind=sampling"))
    sampled = {row["id"]: get(f"{inspection}/draws/{row['id']}")["cases"] for row in draws}
    draw_id = _first(
        [{"id": k, "units": {c["unit_code"] for c in v}} for k, v in sampled.items()],
        "draw that sampled the owner's cases",
        lambda row: OWNER in row["units"],
    )["id"]
    d.draw_id = str(draw_id)
    units = [u["code"] for u in _items(get(f"{registry}/units?limit=200"))]
    d.draw_stranger = next(
        u for u in units if u != OWNER and u not in {c["unit_code"] for c in sampled[draw_id]}
    )

    d.inbox_key = f"staff:{OWNER}:{d.staff_id}"
    address = {"address": "matrix-staff@example.cn", "language": "zh"}
    client.call("PUT", f"{notification}/email/addresses/{d.inbox_key}", address, role="center")
    notices = _items(get(f"{notification}/notices?limit=200", role="unit", unit=OWNER))
    d.notice_id = str(_first(notices, "notice to the owner", lambda n: True)["id"])
    deliveries = _items(get(f"{notification}/email/deliveries?limit=200", role="center"))
    d.email_delivery_id = str(deliveries[0]["id"]) if deliveries else "999999"
    subscriptions = f"{notification}/webhooks/subscriptions"
    (subscription, *_) = _items(_as_integrator(client, subscriptions))
    d.subscription_id = str(subscription["id"])
    hooks = _items(_as_integrator(client, f"{subscriptions}/{d.subscription_id}/deliveries"))
    d.webhook_delivery_id = str(hooks[0]["id"]) if hooks else "999999"
    for service in ("registry", "staffing", "inspection", "notification"):
        dead = _items(get(f"/{service}/api/v1/dead-letters"))
        if dead:
            setattr(d, f"{service}_failed_id", str(dead[0]["id"]))
    return d


def _as_integrator(client: DemoClient, path: str) -> Any:
    """GET as the demo's integrator, who owns its subscriptions."""
    token = auth.issue_token(TEST_SECRET, role="integrator", sub=INTEGRATOR)
    response = client.client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def _slot(client: DemoClient, d: Demo) -> Any:
    """A slot at the owner's window on one of the next working days."""
    for ahead in range(1, 15):
        day = clock.today() + timedelta(days=ahead)
        body = {
            "window_id": int(d.window_id),
            "matter_code": d.matter,
            "date": day.isoformat(),
            "start": "09:00",
            "end": "10:00",
            "capacity": 5,
        }
        made = client.call(
            "POST", "/registry/api/v1/slots", body, role="unit", unit=OWNER, expect=(201, 422, 409)
        )
        if "id" in made:
            return made
    raise AssertionError("no day in the next two weeks takes a slot at the owner's window")


def _form(client: DemoClient) -> Any:
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    token = auth.issue_token(TEST_SECRET, role="authority", sub="matrix-authority")
    response = client.client.post(
        "/registry/api/v1/forms",
        data={"file": (io.BytesIO(pdf), "matrix.pdf", "application/pdf")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def _evidence(client: DemoClient, finding_id: str) -> Any:
    path = f"/inspection/api/v1/findings/{finding_id}/evidence"
    existing = client.call("GET", path)
    if existing:
        return existing[0]
    token = auth.issue_token(TEST_SECRET, role="inspector", sub="matrix-inspector")
    response = client.client.post(
        f"{path}?filename=photo.txt&description=matrix",
        data="现场照片说明 · what the photo shows".encode(),
        content_type="text/plain; charset=utf-8",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


@cache
def apps() -> dict[str, Flask]:
    """The four apps, for their url_maps only (no demo hall needed)."""
    return access_matrix.service_apps()


def declared() -> list[Route]:
    return access_matrix.routes(apps())


def confined(route: Route) -> bool:
    """A `unit` token may call it, on one object that belongs to a unit."""
    return route.unit_scoped and route.addresses_unit_object


def names_a_cycle(route: Route) -> bool:
    """A route on a hall's assessment cycle: it names the hall (`?hall=`), as the demo has two
    halls, each with a cycle of its own (EQ-3.2.2a); left out, it is a 422 naming `hall`."""
    rule = route.rule
    return route.service == "staffing" and (
        rule == "/api/v1/assessments" or rule.startswith("/api/v1/assessments/<int:year>")
    )


def fill_path(route: Route, d: Demo) -> str:
    path = route.rule
    for key in route.params:
        value = str(getattr(d, FILL[key]))
        path = re.sub(rf"<(?:[^:<>]+:)?{key[2]}>", quote(value, safe=""), path, count=1)
    return f"/{route.service}{path}"


# Ids no object has, shaped like the real ones: another unit's object must read like these.
GHOSTS = {"staff_id": "s-0000000000", "unit": "zz-ghost", "inbox_key": "staff:zz-ghost:s-0"}


def ghost_path(route: Route, d: Demo) -> tuple[str, str, str]:
    """The path with its first unit-owned object swapped for one that does not exist: the path,
    the ghost id and the real one."""
    key = next(key for key in route.params if key in access_matrix.UNIT_OWNED)
    real = str(getattr(d, FILL[key]))
    ghost = GHOSTS.get(FILL[key], "999999")
    return fill_path(route, replace(d, **{FILL[key]: ghost})), ghost, real


def stranger_of(route: Route, d: Demo) -> str:
    for key in route.params:
        if key in STRANGERS:
            return str(getattr(d, STRANGERS[key]))
    return STRANGER


def call(client: Client, method: str, path: str, who: Caller, body: Send) -> TestResponse:
    kwargs: dict[str, Any] = {"method": method, "headers": who.headers()}
    if body.data is not None:
        kwargs |= {"data": body.data, "content_type": body.content_type}
    elif body.json is not None:
        kwargs["json"] = body.json
    return client.open(path + body.query, **kwargs)


class Commits:
    """Whether anything was written to a service's database. SQLite's data_version, read on a
    connection of our own, changes with every commit any other connection makes (outbox and
    audit trail included), and with nothing else: no write, no change."""

    def __init__(self, hall: Hall) -> None:
        self._watch = {
            name: sqlite3.connect(str(hall.runtime(name).db.engine.url.database))
            for name in hall.apps
        }

    def count(self, service: str) -> int:
        (version,) = self._watch[service].execute("PRAGMA data_version").fetchone()
        return int(version)

    def close(self) -> None:
        for connection in self._watch.values():
            connection.close()


def refusal(response: TestResponse, status: int) -> str | None:
    if response.status_code != status:
        return f"expected {status}"
    if response.mimetype != "application/problem+json":
        return f"expected a {status} problem+json, not {response.mimetype}"
    return None
