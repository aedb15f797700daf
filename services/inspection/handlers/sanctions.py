"""Recording the steps of the sanctions ladder (TJ-8.1, TJ-8.2): interviews, notices and
rectification orders, suspensions waiting on an order, and terminations confirmed when a deadline
passed unrectified. A decision answering a proposal of the rules settles it in the same
transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from services.inspection.adapters.tables import complaints as complaint_tables
from services.inspection.adapters.tables import findings as finding_tables
from services.inspection.adapters.tables import learned
from services.inspection.adapters.tables import proposals as proposal_tables
from services.inspection.adapters.tables import sanctions as tables
from services.inspection.contracts import sanctions as events
from services.inspection.domain import sanctions as rules
from services.inspection.domain.sanctions import Ground, Kind, Status, WorkingDays
from services.inspection.handlers import deadlines, local_rules, proposals
from services.inspection.handlers.sanctions_read import (
    entry,
    event_data,
    is_terminated,
    ladder_of,
    views,
    window_row,
)
from shared import clock
from shared.db import insert_returning_id
from shared.errors import Conflict
from shared.unit_of_work import UnitOfWork

S = tables.sanctions


def configured_days() -> int:
    """The hall's deadline (`SANCTION_RECTIFICATION_DAYS`), else 10 working days. A wrong
    setting is logged and the default used: it never fails the authority's decision."""
    return deadlines.from_environment(
        "SANCTION_RECTIFICATION_DAYS", rules.configured_days, rules.RECTIFICATION_WORKDAYS
    )


def _check_window(uow: UnitOfWork, window_id: int, kind: Kind) -> Any:
    window = window_row(uow, window_id)
    rules.check_window(
        window_id, window.state if window else None, kind, is_terminated(uow, window_id)
    )
    return window


def _grounds(
    uow: UnitOfWork, findings: list[int], complaints: list[int]
) -> tuple[dict[int, Ground | None], dict[int, Ground | None]]:
    F, C = finding_tables.findings, complaint_tables.complaints
    found: dict[int, Ground | None] = dict.fromkeys(findings)
    for f in uow.session.execute(select(F).where(F.c.id.in_(findings))):
        found[f.id] = Ground(f.window_id, f.status != "withdrawn", f.severity == "serious")
    heard: dict[int, Ground | None] = dict.fromkeys(complaints)
    corrected = set(
        uow.session.execute(select(C.c.corrects_id).where(C.c.corrects_id.in_(complaints)))
        .scalars()
        .all()
    )
    for c in uow.session.execute(select(C).where(C.c.id.in_(complaints))):
        standing = c.status == "upheld" and c.id not in corrected
        heard[c.id] = Ground(c.window_id, standing, on=c.decided_on)
    return found, heard


def _grounded(uow: UnitOfWork, kind: Kind, window_id: int, body: dict[str, Any]) -> Any:
    findings = sorted(set(body.get("findings") or []))
    complaints = sorted(set(body.get("complaints") or []))
    found, heard = _grounds(uow, findings, complaints)
    proposed = _proposed(uow, body.get("proposal_id"), kind, window_id)
    rules.check_grounds(kind, window_id, found, heard, proposed)
    return findings, complaints, found, heard, proposed


def _insert(uow: UnitOfWork, window: Any, kind: Kind, values: dict[str, Any]) -> dict[str, Any]:
    now = clock.now()
    row: dict[str, Any] = {c.name: None for c in S.c if c.name != "id"}
    row |= {
        "window_id": window.id,
        "unit_code": window.unit_code,
        "kind": kind.value,
        "status": Status.IN_FORCE.value,
        "decided_by": uow.actor or "unknown",
        "decided_at": now,
        "decided_on": clock.today(),
        **values,
    }
    row["id"] = insert_returning_id(uow.session, S, row)
    return row


def _announce(uow: UnitOfWork, row: dict[str, Any]) -> None:
    """A new step is imposed, or — naming the entry it corrects — replaces that entry."""
    if row["corrects_id"] is None:
        uow.emit(events.SANCTION_IMPOSED.name, subject=str(row["id"]), data=event_data(row))
        return
    replaced: Any = uow.session.execute(
        update(S)
        .where(
            S.c.id == row["corrects_id"],
            S.c.status.in_([s for s in rules.CORRECTABLE[Kind(row["kind"])]]),
        )
        .values(status=Status.CORRECTED.value)
    )
    if not replaced.rowcount:
        raise Conflict(f"sanction {row['corrects_id']} changed meanwhile; reload it")
    if row["kind"] == Kind.RECTIFICATION:  # suspensions now wait on the corrected order
        uow.session.execute(
            update(S).where(S.c.order_id == row["corrects_id"]).values(order_id=row["id"])
        )
    data = {**event_data(row), "corrects_id": row["corrects_id"]}
    uow.emit(events.SANCTION_CORRECTED.name, subject=str(row["id"]), data=data)


def _check_correction(uow: UnitOfWork, kind: Kind, window_id: int, corrects: int | None) -> None:
    if corrects is None:
        return
    earlier = uow.session.execute(
        select(S.c.kind, S.c.window_id, S.c.status).where(S.c.id == corrects)
    ).first()
    rules.check_correction(kind, window_id, tuple(earlier) if earlier else None, corrects)


def _settle(uow: UnitOfWork, body: dict[str, Any], row: dict[str, Any]) -> None:
    """Settles the rule engine's proposal the decision answers, in the same transaction."""
    if body.get("proposal_id") is not None:
        proposals.settle(
            uow,
            body["proposal_id"],
            accepted=True,
            sanction_id=row["id"],
            decided_by=row["decided_by"],
            note=row["reason"],
            answers=(row["kind"], row["window_id"]),
        )


def record_interview(uow: UnitOfWork, body: dict[str, Any]) -> dict[str, Any]:
    """An interview with the window's responsible person and the unit's leader (TJ-8.1)."""
    kind = Kind.INTERVIEW
    with uow:
        window = _check_window(uow, body["window_id"], kind)
        findings, complaints, _, _, _ = _grounded(uow, kind, window.id, body)
        _check_correction(uow, kind, window.id, body.get("corrects_id"))
        rules.check_held_on(body["held_on"], clock.today())
        values = {
            "basis": rules.basis(kind, body.get("basis")),
            "interviewed": rules.check_interviewed(body["interviewed"]),
            "held_on": body["held_on"],
            "minutes": rules.text(body["minutes"], "minutes", "what was said and agreed"),
            "findings": findings,
            "complaints": complaints,
            "corrects_id": body.get("corrects_id"),
            "proposal_id": body.get("proposal_id"),
        }
        values["reason"] = body.get("reason") or values["minutes"].splitlines()[0]
        row = _insert(uow, window, kind, values)
        _announce(uow, row)
        _settle(uow, body, row)
        view = views(uow, [entry(uow, row["id"], None)], clock.today())[0]
        uow.commit()
    return view


def _order_values(
    uow: UnitOfWork, window: Any, body: dict[str, Any], calendar: WorkingDays
) -> dict[str, Any]:
    days = rules.rectification_days(body.get("days"), configured_days())
    district = uow.session.execute(
        select(learned.units.c.district).where(learned.units.c.code == window.unit_code)
    ).scalar()
    return {
        "basis": rules.PROBLEMS,
        "reason": rules.text(body.get("problems"), "problems", "the problems to rectify"),
        "status": Status.OPEN.value,
        "district": district or "",
        "due_on": calendar.add_workdays(clock.today(), days),
    }


def order_rectification(
    uow: UnitOfWork, body: dict[str, Any], calendar: WorkingDays
) -> dict[str, Any]:
    """A notice to the unit's district and an order to rectify by a deadline (TJ-8.1)."""
    kind = Kind.RECTIFICATION
    with uow:
        window = _check_window(uow, body["window_id"], kind)
        findings, complaints, _, _, _ = _grounded(uow, kind, window.id, body)
        _check_correction(uow, kind, window.id, body.get("corrects_id"))
        rules.basis(kind, body.get("basis"))
        _check_no_open_order(uow, window.id, findings, complaints, body.get("corrects_id"))
        values = _order_values(uow, window, body, calendar)
        values |= {"findings": findings, "complaints": complaints}
        values |= {"corrects_id": body.get("corrects_id"), "proposal_id": body.get("proposal_id")}
        row = _insert(uow, window, kind, values)
        _announce(uow, row)
        _settle(uow, body, row)
        view = views(uow, [entry(uow, row["id"], None)], clock.today())[0]
        uow.commit()
    return view


def _check_no_open_order(
    uow: UnitOfWork,
    window_id: int,
    findings: list[int],
    complaints: list[int],
    corrects_id: int | None = None,
) -> None:
    orders = [
        (r.id, r.findings, r.complaints)
        for r in ladder_of(uow, window_id)
        if r.kind == Kind.RECTIFICATION and r.status in OPEN_ORDER
    ]
    rules.check_no_open_order(findings, complaints, orders, corrects_id)


OPEN_ORDER = (Status.OPEN.value, Status.REPORTED.value)  # a verified order is done: no ground


def _concentration(uow: UnitOfWork) -> rules.Concentration:
    """The current version of the rule that says what concentrated complaints are (TJ-8.2), so a
    suspension it proposes is one the authority can decide."""
    params = local_rules.current_params(uow, rules.CONCENTRATION_RULE, "concentrated_complaints")
    return rules.Concentration(params["complaints"], params["days"])


def _proposed(uow: UnitOfWork, proposal_id: int | None, kind: Kind, window_id: int) -> bool:
    """The decision answers an open proposal of the rules to take this step at this window: the
    rule's facts were grounds when it was made (`settle` checks the rest)."""
    if proposal_id is None:
        return False
    P = proposal_tables.sanction_proposals
    row = uow.session.execute(
        select(P.c.kind, P.c.window_id, P.c.status).where(P.c.id == proposal_id)
    ).first()
    return row is not None and (row.kind, row.window_id, row.status) == (kind, window_id, "open")


def suspend(uow: UnitOfWork, body: dict[str, Any], calendar: WorkingDays) -> dict[str, Any]:
    """The authority suspends the window's delegated business for serious problems or
    concentrated complaints (TJ-8.2); the suspension waits on a rectification order, named or
    issued with it, whose verification lifts it."""
    kind = Kind.SUSPENSION
    with uow:
        window = _check_window(uow, body["window_id"], kind)
        findings, complaints, found, heard, proposed = _grounded(uow, kind, window.id, body)
        ladder = ladder_of(uow, window.id)
        rules.check_suspension(
            window.id,
            any(r.kind == kind and r.status == Status.IN_FORCE for r in ladder),
            any(g is not None and g.serious for g in found.values()),
            [g.on for g in heard.values() if g is not None],
            _concentration(uow),
            clock.today(),
            any(r.kind == Kind.RECTIFICATION and r.status in OPEN_ORDER for r in ladder),
            proposed,
        )
        reason = rules.text(body.get("reason"), "reason", "why the window is suspended")
        order_id = body.get("order_id")
        if order_id is not None:
            order = next((r for r in ladder if r.id == order_id), None)
            rules.check_order_for(
                window.id,
                None if order is None or order.kind != Kind.RECTIFICATION else order.window_id,
                order.status if order else None,
            )
        else:
            _check_no_open_order(uow, window.id, findings, complaints)
            values = _order_values(uow, window, {**body, "problems": reason}, calendar)
            values |= {"findings": findings, "complaints": complaints}
            order_row = _insert(uow, window, Kind.RECTIFICATION, values)
            _announce(uow, order_row)
            order_id = order_row["id"]
        values = {
            "basis": rules.basis(kind, body.get("basis")),
            "reason": reason,
            "findings": findings,
            "complaints": complaints,
            "order_id": order_id,
            "proposal_id": body.get("proposal_id"),
        }
        row = _insert(uow, window, kind, values)
        _announce(uow, row)
        _settle(uow, body, row)
        view = views(uow, [entry(uow, row["id"], None)], clock.today())[0]
        uow.commit()
    return view


def terminate(uow: UnitOfWork, body: dict[str, Any]) -> dict[str, Any]:
    """The authority confirms termination of a window whose rectification deadline passed
    without verified rectification (TJ-8.2); it rests on that order's findings and complaints."""
    kind = Kind.TERMINATION
    with uow:
        window = _check_window(uow, body["window_id"], kind)
        order: Any = uow.session.execute(select(S).where(S.c.id == body["order_id"])).first()
        if order is not None and order.kind != Kind.RECTIFICATION:
            order = None
        rules.check_termination(
            window.id,
            order.window_id if order else None,
            order.status if order else None,
            order.due_on if order else None,
            order.reported_on if order else None,
            clock.today(),
        )
        values = {
            "basis": rules.basis(kind, body.get("basis")),
            "reason": rules.text(body.get("reason"), "reason", "why the window is terminated"),
            "findings": list(order.findings),
            "complaints": list(order.complaints),
            "order_id": order.id,
            "proposal_id": body.get("proposal_id"),
        }
        row = _insert(uow, window, kind, values)
        _announce(uow, row)
        _close_orders(uow, window.id)
        _settle(uow, body, row)
        view = views(uow, [entry(uow, row["id"], None)], clock.today())[0]
        uow.commit()
    return view


def _close_orders(uow: UnitOfWork, window_id: int) -> None:
    """The window's ladder has ended (TJ-8.2): its orders still open or reported are closed, so
    none reports itself overdue any more nor awaits a report or verdict."""
    uow.session.execute(
        update(S)
        .where(
            S.c.window_id == window_id,
            S.c.kind == Kind.RECTIFICATION,
            S.c.status.in_(OPEN_ORDER),
        )
        .values(status=Status.CLOSED.value)
    )
