"""A unit token is confined to its own unit beyond single objects too: its lists hold its own
unit's items only, and another unit's window or staff member named in a body or a query is the
same 404 (or finds nothing) as one that does not exist, and writes nothing
(docs/architecture.md, "Who may do what")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, NamedTuple

from werkzeug.test import Client, TestResponse

from services.hall.access_matrix import Route
from services.hall.embedded import Hall
from shared import clock
from tests.security.matrix import (
    GHOSTS,
    OWNER,
    STRANGER,
    Caller,
    Commits,
    Demo,
    Send,
    call,
    declared,
    fill_path,
    refusal,
)

# --- lists -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holdings:
    """What one unit owns, as the authority sees the hall."""

    unit: str
    windows: frozenset[int]
    staff: frozenset[str]
    draws: frozenset[int]
    window: int  # one of its windows with posts, for lists that need one


Own = Callable[[dict[str, Any], Holdings], bool]
BY_UNIT: Own = lambda row, h: row["unit_code"] == h.unit  # noqa: E731
BY_WINDOW: Own = lambda row, h: row["window_id"] in h.windows  # noqa: E731
BY_STAFF: Own = lambda row, h: row["staff_id"] in h.staff  # noqa: E731


def _in_its_inboxes(row: dict[str, Any], h: Holdings) -> bool:
    """The unit's inbox, or one of its staff's (their unit reads and keeps theirs)."""
    recipient: str = row["recipient"]
    return recipient == f"unit:{h.unit}" or recipient.startswith(f"staff:{h.unit}:")


@dataclass(frozen=True)
class Listing:
    """A list a unit token reads: `own` says which of the full list's items are the unit's."""

    service: str
    rule: str
    query: str = ""  # formatted with the unit's Holdings and the Demo ids
    own: Own = BY_UNIT
    key: Callable[[dict[str, Any]], Any] = lambda row: row["id"]
    full: str = ""  # the query the overseer reads the whole list with, if not `query`
    overseer: str = "authority"
    may_be_empty: bool = False  # the demo hall has none for the owner yet


# Every GET list a unit token is confined on (test_every_confined_list_is_checked keeps it so).
LISTINGS = [
    Listing("registry", "/api/v1/windows", "?limit=200", own=lambda w, h: w["id"] in h.windows),
    Listing("registry", "/api/v1/cases", "?limit=200"),
    Listing("staffing", "/api/v1/absences", "?limit=200", own=BY_STAFF),
    # A hall's cycle is named by its hall: the demo has two, each with its own (EQ-3.2.2a).
    Listing("staffing", "/api/v1/assessments/<int:year>/appeals", "?hall={d.hall}"),
    Listing(
        "staffing",
        "/api/v1/assessments/<int:year>/reports/units",
        "?hall={d.hall}",
        key=lambda r: r["unit_code"],
    ),
    Listing(
        "staffing",
        "/api/v1/assessments/<int:year>/reports/windows",
        "?hall={d.hall}",
        key=lambda r: r["window_id"],
    ),
    Listing(
        "staffing",
        "/api/v1/assessments/<int:year>/staff",
        "?limit=200&hall={d.hall}",
        key=lambda r: r["staff_id"],
    ),
    Listing(
        "staffing",
        "/api/v1/attendance",
        "?limit=200",
        own=BY_STAFF,
        key=lambda r: (r["staff_id"], r["day"]),
    ),
    Listing("staffing", "/api/v1/attendance/summary", own=BY_STAFF, key=lambda r: r["staff_id"]),
    Listing(
        "staffing",
        "/api/v1/cover",
        "?window_id={h.window}",
        own=BY_WINDOW,
        key=lambda r: r["post_id"],
    ),
    Listing(
        "staffing",
        "/api/v1/coverage",
        own=BY_WINDOW,
        key=lambda r: (r["window_id"], r["post_id"]),
        may_be_empty=True,
    ),
    Listing("staffing", "/api/v1/posts", own=BY_WINDOW, key=lambda r: r["post_id"]),
    Listing("staffing", "/api/v1/returns"),
    Listing("staffing", "/api/v1/rotations", own=BY_STAFF),
    Listing(
        "staffing",
        "/api/v1/rotations/due",
        key=lambda r: (r["staff_id"], r["post_id"]),
        may_be_empty=True,
    ),
    Listing("staffing", "/api/v1/seals"),
    Listing("staffing", "/api/v1/seals/uses", "?limit=200", may_be_empty=True),
    Listing("staffing", "/api/v1/staff", "?limit=200"),
    Listing("staffing", "/api/v1/trainings", "?limit=200", own=BY_STAFF),
    Listing("inspection", "/api/v1/accountability-cases", "?limit=200"),
    Listing("inspection", "/api/v1/complaints", "?limit=200"),
    Listing("inspection", "/api/v1/draws", "?limit=200", own=lambda r, h: r["id"] in h.draws),
    Listing("inspection", "/api/v1/evaluations", "?limit=200"),
    Listing("inspection", "/api/v1/findings", "?limit=200"),
    Listing("inspection", "/api/v1/guidance-visits", "?limit=200"),
    Listing("inspection", "/api/v1/rankings/<month>", key=lambda r: r["window_id"]),
    Listing("inspection", "/api/v1/rectifications", "?limit=200"),
    Listing("inspection", "/api/v1/sanctions", "?limit=200"),
    Listing(
        "notification",
        "/api/v1/email/deliveries",
        "?limit=200",
        own=_in_its_inboxes,
        overseer="center",
        may_be_empty=True,
    ),
    Listing(
        "notification",
        "/api/v1/notices",
        "?limit=200",
        own=_in_its_inboxes,
        full="?limit=200&recipient=unit:{h.unit}",
        overseer="center",
    ),
]


def test_every_confined_list_is_checked() -> None:
    lists = {
        (r.service, r.rule)
        for r in declared()
        if r.method == "GET" and r.unit_scoped and not r.addresses_unit_object
    }
    checked = {(listing.service, listing.rule) for listing in LISTINGS}
    assert lists - checked == set(), (
        f"lists a unit token is confined on, unchecked: {lists - checked}"
    )
    assert checked - lists == set(), f"checked, but not a confined list: {checked - lists}"


def _everything(client: Client, path: str, caller: Caller) -> list[dict[str, Any]]:
    """Every item of a list, page after page."""
    found: list[dict[str, Any]] = []
    while True:
        response = client.get(path, headers=caller.headers())
        assert response.status_code == 200, (
            f"{path} as {caller.name}: {response.get_data(as_text=True)}"
        )
        body: Any = response.json
        if isinstance(body, dict) and "entries" in body:
            return found + body["entries"]
        if not isinstance(body, dict):
            return found + body
        found += body["items"]
        if not body.get("next_cursor"):
            return found
        base = path.split("&cursor=")[0]
        path = f"{base}{'&' if '?' in base else '?'}cursor={body['next_cursor']}"


def _holdings(client: Client, unit: str) -> Holdings:
    authority = Caller.of("authority")
    windows = _everything(client, "/registry/api/v1/windows?limit=200", authority)
    mine = frozenset(w["id"] for w in windows if unit == w["unit_code"] or unit in w["co_units"])
    staff = _everything(client, "/staffing/api/v1/staff?limit=200", authority)
    draws: set[int] = set()
    for draw in _everything(client, "/inspection/api/v1/draws?limit=200", authority):
        path = f"/inspection/api/v1/draws/{draw['id']}"
        shown: Any = client.get(path, headers=authority.headers()).json
        if any(case["unit_code"] == unit for case in shown.get("cases", [])):
            draws.add(draw["id"])
    seats: Any = client.get("/staffing/api/v1/posts", headers=authority.headers()).json
    return Holdings(
        unit=unit,
        windows=mine,
        staff=frozenset(s["id"] for s in staff if s["unit_code"] == unit),
        draws=frozenset(draws),
        window=min(s["window_id"] for s in seats if s["window_id"] in mine),
    )


def test_a_units_lists_hold_its_own_items_only(matrix_hall: tuple[Hall, Demo]) -> None:
    hall, d = matrix_hall
    client = Client(hall.wsgi())
    failures: list[str] = []
    for unit in (OWNER, STRANGER):
        holdings, reader = _holdings(client, unit), Caller.of("unit", unit)
        for listing in LISTINGS:
            route = Route(listing.service, "GET", listing.rule, None)
            base = fill_path(route, d)
            query = listing.query.format(h=holdings, d=d)
            overseer = Caller.of(listing.overseer)
            shown = _everything(client, base + query, reader)
            full = _everything(
                client, base + (listing.full or listing.query).format(h=holdings, d=d), overseer
            )
            others = [row for row in shown if not listing.own(row, holdings)]
            if others:
                failures.append(f"{base} as {reader.name} shows others' items: {others[:2]}")
            expected = {listing.key(row) for row in full if listing.own(row, holdings)}
            if {listing.key(row) for row in shown} != expected:
                failures.append(f"{base} as {reader.name} leaves out some of its own items")
            if unit == OWNER and not shown and not listing.may_be_empty:
                failures.append(f"{base} as {reader.name} is empty: the check proves nothing")
    assert not failures, "\n".join(failures)


# --- objects named in a body or a query -------------------------------------------------------


def _later(days: int) -> str:
    return (clock.today() + timedelta(days=days)).isoformat()


# Writes that name a unit's object in their body rather than their path: the other unit sending
# the owner's window or staff member gets the same 404, and nothing changes. (An attendance sheet
# is the exception: its bad rows are a 422 naming each, and another unit's staff member reads
# exactly like one who does not exist; test_an_attendance_sheet_cannot_probe_for_staff.)
class Named(NamedTuple):
    """A write naming the owner's object (the Demo field `ghost`) in its body."""

    service: str
    rule: str
    body: Callable[[Demo], Send]
    ghost: str
    by_owner: bool = True  # the owner sending the same body is answered as the owner


NAMED_IN_BODY = [
    Named(
        "registry",
        "/api/v1/cases",
        lambda d: Send(
            {
                "window_id": int(d.window_id),
                "matter_code": d.matter,
                "applicant": "Matrix Tester",
                "staff_id": d.staff_id,
            }
        ),
        "window_id",
    ),
    Named(
        "registry",
        "/api/v1/enquiries",
        lambda d: Send({"window_id": int(d.window_id), "question": "?", "staff_id": d.staff_id}),
        "window_id",
    ),
    Named(
        "registry",
        "/api/v1/slots",
        lambda d: Send(
            {
                "window_id": int(d.window_id),
                "matter_code": d.matter,
                "date": _later(21),
                "start": "14:00",
                "end": "15:00",
                "capacity": 2,
            }
        ),
        "window_id",
    ),
    Named(
        "registry",
        "/api/v1/extended-hours",
        lambda d: Send(
            {"window_id": int(d.window_id), "date": _later(22), "opens": "17:00", "closes": "19:00"}
        ),
        "window_id",
    ),
    Named(
        "staffing",
        "/api/v1/posts",
        lambda d: Send({"window_id": int(d.window_id), "name": "M"}),
        "window_id",
    ),
    Named(
        "staffing",
        "/api/v1/absences",
        lambda d: Send(
            {"staff_id": d.staff_id, "starts_on": _later(30), "ends_on": _later(31), "reason": "m"}
        ),
        "staff_id",
    ),
    Named(
        "staffing",
        "/api/v1/seals",
        lambda d: Send(
            {
                "unit_code": d.unit,
                "name": "matrix seal",
                "custodian_a": d.chief_id,
                "custodian_b": d.other_staff_id,
            }
        ),
        "unit",
    ),
    Named(
        "staffing",
        "/api/v1/trainings",
        lambda d: Send(
            {
                "staff_id": d.staff_id,
                "course": "matrix",
                "hours": 2,
                "provider": "unit",
                "held_on": _later(-1),
            }
        ),
        "staff_id",
    ),
    Named(
        "staffing",
        "/api/v1/rotations",
        lambda d: Send(
            {
                "kind": "swap",
                "staff_id": d.other_staff_id,
                "other_staff_id": d.staff_id,
                "effective_on": _later(50),
                "reason": "matrix",
            }
        ),
        "staff_id",
    ),
    Named(
        "inspection",
        "/api/v1/guidance-visits",
        lambda d: Send(
            {
                "window_id": int(d.window_id),
                "visited_on": _later(-1),
                "visitors": ["matrix"],
                "summary": "matrix",
            }
        ),
        "window_id",
    ),
    Named(
        "inspection",
        "/api/v1/window-evaluations",
        lambda d: Send(
            {"window_id": int(d.window_id), "period": d.month, "level": "satisfied", "text": "m"}
        ),
        "window_id",
    ),
    Named(
        "staffing",
        "/api/v1/rotations",
        lambda d: Send(
            {
                "kind": "rotation",
                "staff_id": d.stranger_staff_id,
                "to_post_id": int(d.post_id),
                "to_role": "B",
                "effective_on": _later(50),
            }
        ),
        "post_id",
        by_owner=False,
    ),
]


def test_another_units_object_named_in_a_body_is_404(
    matrix_hall: tuple[Hall, Demo], commits: Commits
) -> None:
    hall, d = matrix_hall
    client = Client(hall.wsgi())
    posts = {(r.service, r.rule) for r in declared() if r.method == "POST"}
    stranger = Caller.of("unit", STRANGER)
    failures = []
    for named in NAMED_IN_BODY:
        assert (named.service, named.rule) in posts, f"no POST {named.rule} in {named.service}"
        path, send = f"/{named.service}{named.rule}", named.body(d)
        before = commits.count(named.service)
        refused = call(client, "POST", path, stranger, send)
        if refusal(refused, 404) or commits.count(named.service) != before:
            shown = refused.get_data(as_text=True)[:160]
            failures.append(f"POST {path} as the other unit: {refused.status_code} {shown}")
        real, ghost = str(getattr(d, named.ghost)), GHOSTS.get(named.ghost, "999999")
        missing = call(
            client, "POST", path, stranger, named.body(replace(d, **{named.ghost: ghost}))
        )
        if refused.get_data(as_text=True) != missing.get_data(as_text=True).replace(ghost, real):
            shown = missing.get_data(as_text=True)[:120]
            failures.append(f"POST {path} as the other unit: unlike a missing one ({shown})")
        if named.by_owner:
            owned = call(client, "POST", path, Caller.of("unit", OWNER), send)
            if owned.status_code == 404 or owned.status_code >= 500:
                shown = owned.get_data(as_text=True)[:160]
                failures.append(f"POST {path} as the owner: {owned.status_code} {shown}")
    assert not failures, "\n".join(failures)


def test_an_attendance_sheet_cannot_probe_for_staff(
    matrix_hall: tuple[Hall, Demo], commits: Commits
) -> None:
    hall, d = matrix_hall
    client = Client(hall.wsgi())
    path = "/staffing/api/v1/attendance/import"

    def sheet(staff_id: str) -> Send:
        row = f"{staff_id},{d.day},late,matrix"
        return Send(data=f"staff_id,day,status,note\n{row}\n".encode(), content_type="text/csv")

    before = commits.count("staffing")
    theirs = call(client, "POST", path, Caller.of("unit", STRANGER), sheet(d.staff_id))
    nobody = call(client, "POST", path, Caller.of("unit", STRANGER), sheet("s-0000000000"))
    assert commits.count("staffing") == before
    assert theirs.status_code == nobody.status_code == 422
    said: Any = nobody.json
    assert theirs.json == {
        **said,
        "errors": {
            key: [message.replace("s-0000000000", d.staff_id) for message in messages]
            for key, messages in said["errors"].items()
        },
    }
    owned = call(client, "POST", path, Caller.of("unit", OWNER), sheet(d.staff_id))
    assert owned.status_code == 200, owned.get_data(as_text=True)


def _refused_as_unknown(response: TestResponse, named: str) -> bool:
    """A query parameter the listing does not declare: refused, so nothing is shown."""
    errors = (response.json or {}).get("errors", {}) if response.status_code == 422 else {}
    return bool(errors.get(named.split("=", 1)[0]) == ["Unknown query parameter."])


def test_another_units_objects_named_in_a_query_are_not_shown(
    matrix_hall: tuple[Hall, Demo],
) -> None:
    """A filter naming the owner's window, staff member or unit finds nothing of theirs (or is
    a 404) for the other unit; a listing without that filter refuses it (a 422 naming it)."""
    hall, d = matrix_hall
    client = Client(hall.wsgi())
    stranger, holdings = Caller.of("unit", STRANGER), _holdings(client, STRANGER)
    filters = (f"window_id={d.window_id}", f"staff_id={d.staff_id}", f"unit_code={OWNER}")
    failures = []
    for listing in LISTINGS:
        base = fill_path(Route(listing.service, "GET", listing.rule, None), d)
        query = listing.query.format(h=holdings, d=d)
        for named in filters:
            path = f"{base}{query}{'&' if query else '?'}{named}"
            response = client.get(path, headers=stranger.headers())
            if response.status_code == 404 or _refused_as_unknown(response, named):
                continue
            if response.status_code != 200:
                failures.append(f"{path}: {response.status_code}")
                continue
            body: Any = response.json
            if isinstance(body, dict):
                body = body["entries"] if "entries" in body else body["items"]
            leaked = [row for row in body if not listing.own(row, holdings)]
            if leaked:
                failures.append(f"{path} as {stranger.name} shows the owner's: {leaked[:1]}")
    assert not failures, "\n".join(failures)
