"""The access matrix (issue 11): every route of every service, called by every kind of caller on
the demo hall, answers as its view declares (docs/access-matrix.md) and as docs/architecture.md's
"Who may do what" says:

- an expired or badly signed token is 401 (problem+json) everywhere, public routes too;
- no token is 401 unless the route is public; a role the route does not name is 403;
- a role it names gets neither, and nobody ever gets a 5xx;
- a `unit` token addressing another unit's object gets 404, exactly as for an object that does
  not exist, and writes nothing; on its own objects it gets what the other readers get.

The routes come from each app's url_map, so a new route joins the matrix by itself; a new path
parameter must be added to FILL (tests/security/matrix.py), or the first test fails naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from werkzeug.test import Client, TestResponse

from services.hall import access_matrix
from services.hall.access_matrix import Route
from services.hall.embedded import Hall
from shared import clock
from tests.security.matrix import (
    EXPIRED,
    FILL,
    FORGED,
    OWNER,
    STRANGER,
    Caller,
    Commits,
    Demo,
    Send,
    apps,
    call,
    callers,
    confined,
    declared,
    fill_path,
    ghost_path,
    names_a_cycle,
    refusal,
    stranger_of,
)

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "access-matrix.md"


# Valid bodies for the writes a unit token may make on one object, so that the other unit's
# attempt passes validation and reaches the scope check: it must be a 404 that changes nothing.
# Every other write is sent `{}` (a 422 is an answer like any other for a role allowed there).
BODIES: dict[tuple[str, str, str], Callable[[Demo], Send]] = {
    ("registry", "PATCH", "/api/v1/windows/<int:window_id>"): lambda d: Send(
        {"hours": "周一至周五 9:00–17:30 · Mon–Fri 9:00–17:30"}
    ),
    ("registry", "POST", "/api/v1/windows/<int:window_id>/revocation-request"): lambda d: Send(
        {"reason": "matrix: too little volume"}
    ),
    ("registry", "PATCH", "/api/v1/units/<code>"): lambda d: Send({"district": "河西区 Hexi"}),
    ("registry", "POST", "/api/v1/cases/<int:case_id>/steps"): lambda d: Send(
        {"stage": "handled", "staff_id": d.staff_id}
    ),
    ("registry", "POST", "/api/v1/cases/<int:case_id>/refusal"): lambda d: Send(
        {"reason": "matrix", "staff_id": d.staff_id}
    ),
    ("registry", "POST", "/api/v1/cases/<int:case_id>/supplement-request"): lambda d: Send(
        {"materials": ["护照复印件 · passport copy"], "staff_id": d.staff_id}
    ),
    ("registry", "POST", "/api/v1/cases/<int:case_id>/supplement-received"): lambda d: Send(
        {"staff_id": d.staff_id}
    ),
    ("registry", "POST", "/api/v1/cases/<int:case_id>/extension"): lambda d: Send(
        {"days": 1, "reason": "matrix", "staff_id": d.staff_id}
    ),
    ("registry", "POST", "/api/v1/cases/<int:case_id>/assistance"): lambda d: Send(
        {"staff_id": d.staff_id}
    ),
    ("registry", "POST", "/api/v1/enquiries/<int:enquiry_id>/handover"): lambda d: Send(
        {"by_staff_id": d.staff_id, "to_staff_id": d.other_staff_id, "reason": "matrix"}
    ),
    ("registry", "POST", "/api/v1/enquiries/<int:enquiry_id>/answer"): lambda d: Send(
        {"by_staff_id": d.staff_id, "answer": "matrix"}
    ),
    ("staffing", "POST", "/api/v1/absences/<int:absence_id>/approval"): lambda d: Send(
        {"chief_staff_id": d.chief_id}
    ),
    ("staffing", "POST", "/api/v1/absences/<int:absence_id>/rejection"): lambda d: Send(
        {"chief_staff_id": d.chief_id}
    ),
    ("staffing", "POST", "/api/v1/assessments/<int:year>/staff/<staff_id>/appeals"): lambda d: Send(
        {"reason": "matrix"}
    ),
    ("staffing", "POST", "/api/v1/assignments/<int:assignment_id>/end"): lambda d: Send(
        {"reason": "matrix"}
    ),
    ("staffing", "PUT", "/api/v1/attendance/<staff_id>/<day>"): lambda d: Send(
        {"status": "present"}
    ),
    ("staffing", "PUT", "/api/v1/chief-representatives/<unit_code>"): lambda d: Send(
        {"staff_id": d.chief_id, "deputy_staff_id": d.other_staff_id}
    ),
    ("staffing", "POST", "/api/v1/posts/<int:post_id>/assignments"): lambda d: Send(
        {"staff_id": d.other_staff_id, "role": "B"}
    ),
    ("staffing", "POST", "/api/v1/returns/<int:return_id>/replacement"): lambda d: Send(
        {"staff_id": d.other_staff_id}
    ),
    ("staffing", "POST", "/api/v1/seals/<int:seal_id>/uses"): lambda d: Send(
        {"case_number": "2026120300000001", "purpose": "approval", "staff_id": d.chief_id}
    ),
    ("staffing", "POST", "/api/v1/staff/<staff_id>/age-exception"): lambda d: Send(
        {"reason": "matrix"}
    ),
    ("inspection", "POST", "/api/v1/evaluations/<int:evaluation_id>/appeal"): lambda d: Send(
        {"grounds": "wrong", "reason": "matrix"}
    ),
    ("inspection", "POST", "/api/v1/findings/<int:finding_id>/evidence"): lambda d: Send(
        data="整改照片说明 · matrix".encode(),
        content_type="text/plain; charset=utf-8",
        query="?filename=matrix.txt&description=matrix",
    ),
    ("inspection", "POST", "/api/v1/findings/<int:finding_id>/rectification"): lambda d: Send(
        {"report": "matrix"}
    ),
    ("inspection", "POST", "/api/v1/rectifications/<int:task_id>/callback"): lambda d: Send(
        {"called_at": clock.now().isoformat(), "by": "matrix", "outcome": "matrix"}
    ),
    ("inspection", "POST", "/api/v1/rectifications/<int:task_id>/report"): lambda d: Send(
        {"summary": "matrix"}
    ),
    ("inspection", "POST", "/api/v1/sanctions/orders/<int:order_id>/report"): lambda d: Send(
        {"summary": "matrix"}
    ),
    ("notification", "PUT", "/api/v1/email/addresses/<inbox_key>"): lambda d: Send(
        {"address": "matrix@example.cn", "language": "zh"}
    ),
}


def _body(route: Route, d: Demo) -> Send:
    """What is sent besides the path: a body, and the hall of a route on a hall's cycle."""
    if route.method in ("GET", "DELETE"):
        send = Send()
    else:
        make = BODIES.get((route.service, route.method, route.rule))
        send = make(d) if make else Send({})
    return replace(send, query=f"?hall={d.hall}") if names_a_cycle(route) else send


def _reads_like_a_ghost(
    client: Client, route: Route, d: Demo, caller: Caller, response: TestResponse
) -> str | None:
    """None if another unit's object is answered exactly as one that does not exist."""
    path, ghost, real = ghost_path(route, d)
    missing = call(client, route.method, path, caller, _body(route, d))
    expected = missing.get_data(as_text=True).replace(ghost, real)
    if missing.status_code != response.status_code or response.get_data(as_text=True) != expected:
        return f"answered unlike a missing one ({missing.get_data(as_text=True)[:120]})"
    return None


def _judge(route: Route, caller: Caller, response: TestResponse, stranger: str) -> str | None:
    """What is wrong with this answer to this caller, or None."""
    status = response.status_code
    # The matrix hall's workers are stopped, so its readiness truthfully says 503 (no consumer):
    # an answer about health, not about who may ask.
    if status >= 500 and not (route.rule == "/readyz" and status == 503):
        return "a server error"
    if caller in (EXPIRED, FORGED):
        return refusal(response, 401)
    if caller.role is None:
        if route.public:
            return "refused on a public route" if status in (401, 403) else None
        return refusal(response, 401)
    if not route.public and caller.role not in route.roles:
        return refusal(response, 403)
    if caller.unit == stranger and confined(route):
        return refusal(response, 404)
    if status in (401, 403):
        return "refused a role the route declares"
    if caller.unit == OWNER and confined(route) and route.method != "GET" and status == 404:
        return "the owner's own object is 404"
    return None


def test_every_path_parameter_can_be_filled() -> None:
    unknown = sorted({key for route in declared() for key in route.params} - set(FILL))
    assert not unknown, (
        "path parameters the access matrix cannot fill; add each to FILL (and to "
        f"access_matrix.UNIT_OWNED if it names a unit's object): {unknown}"
    )


def test_the_tables_name_routes_that_exist() -> None:
    used = {key for route in declared() for key in route.params}
    assert used >= access_matrix.UNIT_OWNED, access_matrix.UNIT_OWNED - used
    assert set(FILL) <= used, set(FILL) - used
    routes = {(r.service, r.method, r.rule) for r in declared()}
    assert routes >= access_matrix.UNIT_WIDE, access_matrix.UNIT_WIDE - routes
    assert set(BODIES) <= routes, set(BODIES) - routes
    writes = {(r.service, r.method, r.rule) for r in declared() if confined(r)}
    assert set(BODIES) <= writes, f"a body here proves a cross-unit write: {set(BODIES) - writes}"
    assert all(r.access is not None for r in declared()), "a route declares no access rule"


def test_the_access_matrix(matrix_hall: tuple[Hall, Demo], commits: Commits) -> None:
    hall, d = matrix_hall
    client = Client(hall.wsgi())
    routes = access_matrix.routes(hall.apps)
    failures: list[str] = []
    cells = 0
    for route in routes:
        path, stranger, send = fill_path(route, d), stranger_of(route, d), _body(route, d)
        answers: dict[str, int] = {}
        for caller in callers(stranger):
            guarded = caller.unit == stranger and route.method != "GET" and confined(route)
            before = commits.count(route.service) if guarded else 0
            response = call(client, route.method, path, caller, send)
            cells += 1
            answers[caller.name] = response.status_code
            wrong = _judge(route, caller, response, stranger)
            if wrong is None and caller.unit == stranger and confined(route):
                wrong = _reads_like_a_ghost(client, route, d, caller, response)
            if wrong is None and guarded and commits.count(route.service) != before:
                wrong = "the other unit's 404 changed the service's data"
            if wrong:
                shown = response.get_data(as_text=True)[:160].replace("\n", " ")
                failures.append(
                    f"{route.method} {path} as {caller.name}: {wrong}; "
                    f"got {response.status_code} {shown}"
                )
        if route.method == "GET" and confined(route) and "authority" in route.roles:
            own, overseer = answers[f"unit {OWNER}"], answers["authority"]
            if own != overseer:
                failures.append(
                    f"GET {path}: the owner gets {own} where the authority gets {overseer}"
                )
    assert cells == len(routes) * len(callers(STRANGER))
    assert not failures, f"{len(failures)} of {cells} cells are wrong:\n" + "\n".join(failures)


# --- the committed document --------------------------------------------------------------------


def test_the_committed_access_matrix_is_up_to_date() -> None:
    regenerate = "run `govhall access-matrix -o docs/access-matrix.md` and commit it"
    assert COMMITTED.exists(), f"docs/access-matrix.md is missing: {regenerate}"
    rendered = access_matrix.render(apps())
    assert COMMITTED.read_text(encoding="utf-8") == rendered, (
        f"docs/access-matrix.md is stale: {regenerate}"
    )


def test_the_document_reads_access_from_the_views() -> None:
    text_ = access_matrix.render(apps())
    for route in declared():
        scoped = "yes" if route.unit_scoped else "no"
        assert f"| {route.method} | `{route.rule}` | {route.who()} | {scoped} |" in text_
    windows = next(r for r in declared() if r.rule == "/api/v1/windows/<int:window_id>/opening")
    assert windows.roles == frozenset({"center"}) and windows.who() == "center"
    assert any(r.public and r.rule == "/api/v1/tracking" for r in declared())


def test_the_cli_prints_or_writes_the_matrix(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from services.hall.cli import main

    printed = CliRunner().invoke(main, ["access-matrix"])
    assert printed.exit_code == 0, printed.output
    assert printed.output == access_matrix.render(apps())
    target = tmp_path / "access-matrix.md"
    written = CliRunner().invoke(main, ["access-matrix", "-o", str(target)])
    assert written.exit_code == 0, written.output
    assert target.read_text(encoding="utf-8") == printed.output
