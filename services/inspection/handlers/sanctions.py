"""The sanctions ladder (TJ-8.1, TJ-8.2): interviews, notices and rectification orders, their
reports and verification, suspensions lifted by verified rectification, and terminations
confirmed when a deadline passed unrectified. A missed deadline is announced once per order."""

from __future__ import annotations

from datetime import date
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
from services.inspection.handlers import deadlines
from services.inspection.handlers.findings import visible_windows
from shared import clock
from shared.db import UnitOfWork, insert_returning_id
from shared.errors import Conflict, NotFound
from shared.service import ServiceRuntime, Sweep

S = tables.sanctions
R = tables.order_reports


def configured_days() -> int:
    """The hall's deadline (`SANCTION_RECTIFICATION_DAYS`), else 10 working days. A wrong
    setting is logged and the default used: it never fails the authority's decision."""
    return deadlines.from_environment(
        "SANCTION_RECTIFICATION_DAYS", rules.configured_days, rules.RECTIFICATION_WORKDAYS
    )


# Reading


def _entry(uow: UnitOfWork, sanction_id: int, unit: str | None, kind: Kind | None = None) -> Any:
    row = uow.session.execute(select(S).where(S.c.id == sanction_id)).first()
    hidden = unit is not None and (row is None or row.window_id not in visible_windows(uow, unit))
    if row is None or hidden or (kind is not None and row.kind != kind):
        raise NotFound(f"no {kind.value if kind else 'sanction'} {sanction_id}")
    return row


def _ladder(uow: UnitOfWork, window_id: int) -> list[Any]:
    return list(uow.session.execute(select(S).where(S.c.window_id == window_id).order_by(S.c.id)))


def _reports(uow: UnitOfWork, order_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in order_ids}
    rows = uow.session.execute(select(R).where(R.c.order_id.in_(order_ids)).order_by(R.c.id))
    for r in rows:
        found[r.order_id].append(dict(r._mapping))
    return found


def _views(uow: UnitOfWork, rows: list[Any], today: date) -> list[dict[str, Any]]:
    reports = _reports(uow, [r.id for r in rows if r.kind == Kind.RECTIFICATION])
    return [
        {
            **r._mapping,
            "overdue": r.kind == Kind.RECTIFICATION
            and rules.is_past_due(r.status, r.due_on, r.reported_on, today),
            "reports": reports.get(r.id, []),
        }
        for r in rows
    ]


def get_sanction(uow: UnitOfWork, sanction_id: int, unit: str | None) -> dict[str, Any]:
    with uow:
        return _views(uow, [_entry(uow, sanction_id, unit)], clock.today())[0]


def window_history(uow: UnitOfWork, window_id: int, unit: str | None) -> list[dict[str, Any]]:
    """Every step of the window's ladder in the order taken, corrected and lifted ones too."""
    with uow:
        window = _window(uow, window_id)
        if window is None or not rules.can_see(unit, (window.unit_code, *window.co_units)):
            raise NotFound(f"inspection knows no window {window_id}")
        return _views(uow, _ladder(uow, window_id), clock.today())


def list_sanctions(
    uow: UnitOfWork, unit: str | None, query: dict[str, Any], after: int | None, limit: int
) -> list[dict[str, Any]]:
    stmt = select(S).order_by(S.c.id).limit(limit)
    for name in ("window_id", "unit_code", "kind", "status"):
        if query.get(name) is not None:
            stmt = stmt.where(S.c[name] == query[name])
    if after is not None:
        stmt = stmt.where(S.c.id > after)
    with uow:
        if unit is not None:
            stmt = stmt.where(S.c.window_id.in_(visible_windows(uow, unit)))
        return _views(uow, list(uow.session.execute(stmt)), clock.today())


# The interface the proposals area uses


def open_orders_past_due(uow: UnitOfWork, today: date) -> list[dict[str, Any]]:
    """Rectification orders whose deadline passed without verified rectification, on windows
    not terminated yet: each may become a termination proposal (TJ-8.2)."""
    rows = uow.session.execute(
        select(S)
        .where(
            S.c.kind == Kind.RECTIFICATION,
            S.c.status.in_([Status.OPEN.value, Status.REPORTED.value]),
            S.c.due_on < today,
        )
        .order_by(S.c.id)
    ).all()
    ended = set(
        uow.session.execute(select(S.c.window_id).where(S.c.kind == Kind.TERMINATION)).scalars()
    )
    return [
        {
            "order_id": r.id,
            "window_id": r.window_id,
            "unit_code": r.unit_code,
            "due_on": r.due_on,
            "findings": list(r.findings),
            "complaints": list(r.complaints),
        }
        for r in rows
        if r.window_id not in ended and rules.is_past_due(r.status, r.due_on, r.reported_on, today)
    ]


def current_sanctions(uow: UnitOfWork, window_id: int) -> list[dict[str, Any]]:
    """The window's steps still in force: interviews, open orders, a suspension, a termination."""
    rows = uow.session.execute(
        select(S)
        .where(S.c.window_id == window_id, S.c.status.in_([s.value for s in rules.CURRENT]))
        .order_by(S.c.id)
    )
    return [dict(r._mapping) for r in rows]


# Recording steps


def _window(uow: UnitOfWork, window_id: int) -> Any:
    return uow.session.execute(
        select(learned.windows).where(learned.windows.c.id == window_id)
    ).first()


def _terminated(uow: UnitOfWork, window_id: int) -> bool:
    return any(r.kind == Kind.TERMINATION for r in _ladder(uow, window_id))


def _check_window(uow: UnitOfWork, window_id: int, kind: Kind) -> Any:
    window = _window(uow, window_id)
    rules.check_window(
        window_id, window.state if window else None, kind, _terminated(uow, window_id)
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


def _data(row: Any) -> dict[str, Any]:
    """The SanctionV1 payload registry and staffing act on."""
    return {
        "sanction_id": row["id"],
        "kind": row["kind"],
        "window_id": row["window_id"],
        "unit_code": row["unit_code"],
        "basis": row["basis"],
        "reason": row["reason"],
        "at": row["decided_at"],
        "district": row["district"] or "",
        "findings": list(row["findings"]),
        "complaints": list(row["complaints"]),
        "decided_by": row["decided_by"],
    }


def _announce(uow: UnitOfWork, row: dict[str, Any]) -> None:
    """A new step is imposed, or — naming the entry it corrects — replaces that entry."""
    if row["corrects_id"] is None:
        uow.emit(events.SANCTION_IMPOSED.name, subject=str(row["id"]), data=_data(row))
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
    data = {**_data(row), "corrects_id": row["corrects_id"]}
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
        # Imported here: the proposals area reads this module's orders past due.
        from services.inspection.handlers import proposals

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
        view = _views(uow, [_entry(uow, row["id"], None)], clock.today())[0]
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
        view = _views(uow, [_entry(uow, row["id"], None)], clock.today())[0]
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
        for r in _ladder(uow, window_id)
        if r.kind == Kind.RECTIFICATION and r.status in OPEN_ORDER
    ]
    rules.check_no_open_order(findings, complaints, orders, corrects_id)


def _move(uow: UnitOfWork, row: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """Changes an entry from the status it was read in: of two concurrent changes one wins."""
    moved: Any = uow.session.execute(
        update(S).where(S.c.id == row.id, S.c.status == row.status).values(changes)
    )
    if not moved.rowcount:
        raise Conflict(f"sanction {row.id} changed meanwhile; reload it")
    return {**row._mapping, **changes}


def _emit_order(uow: UnitOfWork, event: Any, order: dict[str, Any], **extra: Any) -> None:
    data = {
        **_data(order),
        "order_id": order["id"],
        "due_on": order["due_on"],
        "status": order["status"],
        "summary": extra.get("summary"),
        "note": extra.get("note"),
        "at": clock.now(),
    }
    uow.emit(event.name, subject=str(order["id"]), data=data)


def report_rectification(
    uow: UnitOfWork, order_id: int, unit: str | None, summary: str
) -> dict[str, Any]:
    """The unit ordered to rectify says it has; the authority verifies."""
    with uow:
        row = _entry(uow, order_id, unit, Kind.RECTIFICATION)
        if unit is not None and unit != row.unit_code:
            raise NotFound(f"no rectification {order_id}")  # a co-located unit was not ordered
        rules.check_not_terminated(order_id, _terminated(uow, row.window_id))
        status = rules.report(row.status)
        text = rules.text(summary, "summary", "how the problems were put right")
        now, today = clock.now(), clock.today()
        uow.session.execute(
            R.insert().values(
                order_id=order_id,
                summary=text,
                reported_by=uow.actor or "unknown",
                reported_at=now,
                due_on=row.due_on,
            )
        )
        order = _move(uow, row, {"status": status.value, "reported_on": today})
        _emit_order(uow, events.ORDER_REPORTED, order, summary=text)
        uow.commit()
    return get_sanction(uow, order_id, unit)


def verify_rectification(uow: UnitOfWork, order_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """The authority accepts the rectification — lifting every suspension resting on the order —
    or rejects it saying what is still wrong; the deadline stays (TJ-8.2)."""
    with uow:
        row = _entry(uow, order_id, None, Kind.RECTIFICATION)
        rules.check_not_terminated(order_id, _terminated(uow, row.window_id))
        note = (body.get("note") or "").strip()
        status = rules.verify(row.status, body["accepted"], note)
        verdict = {"accepted": body["accepted"], "note": note or None, "verified_at": clock.now()}
        pending = uow.session.execute(
            select(R.c.id).where(R.c.order_id == order_id, R.c.accepted.is_(None))
        ).scalar()
        uow.session.execute(
            update(R).where(R.c.id == pending).values(verified_by=uow.actor, **verdict)
        )
        order = _move(uow, row, {"status": status.value})
        event = events.ORDER_VERIFIED if body["accepted"] else events.ORDER_REJECTED
        _emit_order(uow, event, order, note=note or None)
        if status is Status.VERIFIED:
            _lift_suspensions(uow, order, note)
        uow.commit()
    return get_sanction(uow, order_id, None)


def _lift_suspensions(uow: UnitOfWork, order: dict[str, Any], note: str) -> None:
    resting = uow.session.execute(
        select(S).where(S.c.order_id == order["id"], S.c.kind == Kind.SUSPENSION)
    ).all()
    for suspension in resting:
        if suspension.status != Status.IN_FORCE:
            continue
        lifted = rules.check_lift(suspension.status, order["status"])
        changes = {
            "status": lifted.value,
            "lifted_by": uow.actor or "unknown",
            "lifted_at": clock.now(),
            "lift_note": note or None,
        }
        row = _move(uow, suspension, changes)
        data = {
            **_data(row),
            "reason": f"rectification order {order['id']} verified" + (f": {note}" if note else ""),
            "at": changes["lifted_at"],
            "decided_by": changes["lifted_by"],
        }
        uow.emit(events.SANCTION_LIFTED.name, subject=str(row["id"]), data=data)


OPEN_ORDER = (Status.OPEN.value, Status.REPORTED.value)  # a verified order is done: no ground


def _concentration(uow: UnitOfWork) -> rules.Concentration:
    """The current version of the rule that says what concentrated complaints are (TJ-8.2), so a
    suspension it proposes is one the authority can decide."""
    from services.inspection.handlers import proposals

    params = proposals.current_params(uow, rules.CONCENTRATION_RULE, "concentrated_complaints")
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
        ladder = _ladder(uow, window.id)
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
        view = _views(uow, [_entry(uow, row["id"], None)], clock.today())[0]
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
        view = _views(uow, [_entry(uow, row["id"], None)], clock.today())[0]
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


def overdue_sweep(rt: ServiceRuntime) -> int:
    """Announces, once per order, a deadline passed without verified rectification."""
    today = clock.today()
    announced = 0
    with rt.uow(actor="system:sweep") as uow:
        for due in open_orders_past_due(uow, today):
            claimed: Any = uow.session.execute(
                update(S)
                .where(S.c.id == due["order_id"], S.c.overdue_at.is_(None))
                .values(overdue_at=clock.now())
            )
            if claimed.rowcount:
                order = uow.session.execute(select(S).where(S.c.id == due["order_id"])).one()
                _emit_order(uow, events.ORDER_OVERDUE, dict(order._mapping))
                announced += 1
        uow.commit()
    return announced


SWEEPS: tuple[Sweep, ...] = (Sweep("sanction-orders-overdue", 3600, overdue_sweep),)
