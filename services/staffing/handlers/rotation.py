"""Rotation and swaps (EQ-3.2.3): applied for by the unit, approved by the center, and carried
out on the effective date by ending the old assignments and making the new ones."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, update

from services.staffing.adapters import tables
from services.staffing.contracts import posts as post_events
from services.staffing.contracts import rotation as contracts
from services.staffing.domain import posts as post_rules
from services.staffing.domain import rotation as rules
from services.staffing.domain import staff as staff_rules
from services.staffing.domain.rotation import Application, Decision, Holding, Kind, Move
from services.staffing.handlers import posts
from services.staffing.handlers import staff as staff_handlers
from shared import clock
from shared.db import insert_returning_id
from shared.errors import DomainError, NotFound, RuleViolation
from shared.service import ServiceRuntime
from shared.unit_of_work import UnitOfWork


def _holding(uow: UnitOfWork, staff_id: str | None) -> Holding | None:
    if staff_id is None:
        return None
    row = uow.session.execute(
        select(tables.assignments).where(
            tables.assignments.c.staff_id == staff_id, tables.assignments.c.ends_on.is_(None)
        )
    ).first()
    if row is None:
        return None
    return Holding(row.id, row.staff_id, row.post_id, row.role, row.starts_on)


def _post(uow: UnitOfWork, post_id: int, unit: str | None) -> Any:
    row = uow.session.execute(select(tables.posts).where(tables.posts.c.id == post_id)).first()
    if row is None:
        raise NotFound(f"no post {post_id}")
    try:
        posts.window(uow, row.window_id, unit)
    except NotFound:  # another unit's reads like a missing one, not naming its window
        raise NotFound(f"no post {post_id}") from None
    return row


def _application(row: Any) -> Application:
    return Application(
        Kind(row.kind),
        row.staff_id,
        row.other_staff_id,
        row.to_post_id,
        row.to_role,
        row.applied_on,
        row.effective_on,
        row.reason,
        Decision(row.status),
        row.decided_by,
    )


def _emit(uow: UnitOfWork, event: Any, rotation_id: int, values: dict[str, Any]) -> None:
    member = staff_handlers.load(uow, values["staff_id"])
    uow.emit(
        event.name,
        subject=str(rotation_id),
        data={
            "rotation_id": rotation_id,
            "kind": values["kind"],
            "staff_id": values["staff_id"],
            "other_staff_id": values["other_staff_id"],
            "unit_code": member.unit_code,
            "effective_on": values["effective_on"],
            "status": values["status"],
        },
    )


def apply(
    uow: UnitOfWork, unit: str | None, body: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    """A written application for a rotation or a swap (EQ-3.2.3)."""
    applied_on = today or clock.today()
    with uow:
        member = staff_handlers.load(uow, body["staff_id"], unit)
        mine = _holding(uow, member.id)
        if mine is None:
            raise RuleViolation(
                f"{member.name} holds no post to leave (EQ-3.2.3)",
                rule=rules.RULE,
                field="staff_id",
            )
        other_id = body.get("other_staff_id")
        if other_id:
            staff_handlers.load(uow, other_id, unit)
        other = _holding(uow, other_id)
        if body["kind"] == Kind.SWAP and other_id and other is None:
            raise RuleViolation(
                f"{other_id} holds no post to swap (EQ-3.2.3)",
                rule=rules.RULE,
                field="other_staff_id",
            )
        if body.get("to_post_id") is not None:
            _post(uow, body["to_post_id"], unit)
        app = rules.apply(
            Kind(body["kind"]),
            mine,
            other,
            to_post_id=body.get("to_post_id"),
            to_role=body.get("to_role"),
            applied_on=applied_on,
            effective_on=body["effective_on"],
            reason=body.get("reason", ""),
        )
        values = _values(app)
        rotation_id = insert_returning_id(uow.session, tables.rotations, values)
        _emit(uow, contracts.ROTATION_APPLIED, rotation_id, values)
        uow.commit()
    return {"id": rotation_id, **values}


def _values(app: Application, note: str = "") -> dict[str, Any]:
    return {
        "kind": app.kind.value,
        "staff_id": app.staff_id,
        "other_staff_id": app.other_staff_id,
        "to_post_id": app.to_post_id,
        "to_role": app.to_role,
        "applied_on": app.applied_on,
        "effective_on": app.effective_on,
        "reason": app.reason,
        "status": app.status.value,
        "decided_by": app.decided_by,
        "decision_note": note,
    }


def _row(uow: UnitOfWork, rotation_id: int) -> Any:
    row = uow.session.execute(
        select(tables.rotations).where(tables.rotations.c.id == rotation_id)
    ).first()
    if row is None:
        raise NotFound(f"no rotation or swap {rotation_id}")
    return row


def decide(
    uow: UnitOfWork, rotation_id: int, approved: bool, note: str, today: date | None = None
) -> dict[str, Any]:
    """The center's decision. An approval is checked against the posts held now; the staff move
    on the effective date: at once when it has come, else by the `rotations-due` sweep."""
    on = today or clock.today()
    with uow:
        app = _application(_row(uow, rotation_id))
        decided = rules.decide(app, approved, uow.actor or "center")
        carried_out_on = None
        if approved:
            moves = _moves(uow, app)
            if app.effective_on <= on:
                _carry_out(uow, moves, on)
                carried_out_on = on
        values = {**_values(decided, note), "carried_out_on": carried_out_on}
        uow.session.execute(
            update(tables.rotations).where(tables.rotations.c.id == rotation_id).values(values)
        )
        _emit(uow, contracts.ROTATION_DECIDED, rotation_id, values)
        uow.commit()
    return {"id": rotation_id, **values}


def _moves(uow: UnitOfWork, app: Application) -> list[Move]:
    """Who goes where, as the posts are held now (EQ-3.2.3)."""
    mine = _holding(uow, app.staff_id)
    if mine is None:
        raise RuleViolation(
            f"{app.staff_id} no longer holds a post (EQ-3.2.3)", rule=rules.RULE, field="staff_id"
        )
    if app.kind is Kind.ROTATION:
        rules.check_period(mine, app.effective_on)
    return rules.moves(app, mine, _holding(uow, app.other_staff_id))


def carry_out_due(rt: ServiceRuntime) -> int:
    """Moves the staff of every approved rotation or swap whose effective date has come. One
    whose staff no longer hold the posts (returned, rotated otherwise) lapses, with the reason,
    rather than blocking the rest."""
    today = clock.today()
    done = 0
    with rt.uow(actor="system:sweep") as uow:
        due = uow.session.execute(
            select(tables.rotations.c.id).where(
                tables.rotations.c.status == Decision.APPROVED.value,
                tables.rotations.c.carried_out_on.is_(None),
                tables.rotations.c.effective_on <= today,
            )
        ).scalars()
        for rotation_id in list(due):
            done += _carry_out_one(uow, rotation_id, today)
        uow.commit()
    return done


def _carry_out_one(uow: UnitOfWork, rotation_id: int, today: date) -> int:
    row = _row(uow, rotation_id)
    table = tables.rotations
    try:
        with uow.session.begin_nested():
            _carry_out(uow, _moves(uow, _application(row)), today)
    except DomainError as refused:
        note = f"lapsed on {today}: {refused}"
        values = {"status": Decision.LAPSED.value, "decision_note": note}
        uow.session.execute(update(table).where(table.c.id == rotation_id).values(values))
        _emit(uow, contracts.ROTATION_DECIDED, rotation_id, {**row._mapping, **values})
        return 0
    uow.session.execute(update(table).where(table.c.id == rotation_id).values(carried_out_on=today))
    return 1


def _carry_out(uow: UnitOfWork, moves: list[Move], on: date) -> None:
    # Every old seat is vacated before any new one is taken: in a swap each takes the other's.
    for move in moves:
        old = uow.session.execute(
            select(tables.assignments).where(tables.assignments.c.id == move.leaves)
        ).one()
        uow.session.execute(
            update(tables.assignments)
            .where(tables.assignments.c.id == move.leaves)
            .values(ends_on=on, end_reason="rotation (EQ-3.2.3)")
        )
        member = staff_handlers.load(uow, move.staff_id)
        post = _post(uow, old.post_id, None)
        posts.emit_assignment(uow, post_events.ASSIGNMENT_ENDED, member, post, old.role)
    for move in moves:
        _take_seat(uow, move, on)
    uow.flush()  # the partial unique indexes answer here: the seat is taken


def _take_seat(uow: UnitOfWork, move: Move, on: date) -> None:
    post = _post(uow, move.post_id, None)
    win = posts.window(uow, post.window_id)
    member = staff_handlers.load(uow, move.staff_id)
    role = post_rules.check_assignment(
        win.state, member.unit_code, (win.unit_code, *win.co_units), move.role
    )
    post_rules.check_published(win.state, win.published_on, "to_post_id")
    staff_rules.check_eligible(member, on)
    posts.check_seat(uow, post, role, member.id, "to_post_id")
    values = {
        "post_id": post.id,
        "window_id": post.window_id,
        "staff_id": member.id,
        "role": role.value,
        "starts_on": on,
        "ends_on": None,
        "end_reason": "",
    }
    insert_returning_id(uow.session, tables.assignments, values)
    posts.emit_assignment(uow, post_events.ASSIGNMENT_MADE, member, post, role.value)


def list_rotations(uow: UnitOfWork, unit: str | None) -> list[dict[str, Any]]:
    query = select(tables.rotations).order_by(tables.rotations.c.id)
    if unit is not None:
        query = query.join(tables.staff, tables.staff.c.id == tables.rotations.c.staff_id).where(
            tables.staff.c.unit_code == unit
        )
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(query)]


def due(
    uow: UnitOfWork, unit: str | None, years: int, today: date | None = None
) -> list[dict[str, Any]]:
    """Staff on their current post for `years` or more: due, or overdue a year later."""
    on = today or clock.today()
    a, s, p = tables.assignments, tables.staff, tables.posts
    query = (
        select(a, s.c.name, s.c.unit_code, p.c.name.label("post"))
        .join(s, s.c.id == a.c.staff_id)
        .join(p, p.c.id == a.c.post_id)
        .where(a.c.ends_on.is_(None))
        .order_by(a.c.starts_on, a.c.id)
    )
    if unit is not None:
        query = query.where(s.c.unit_code == unit)
    with uow:
        rows = uow.session.execute(query).all()
    listed = []
    for row in rows:
        status = rules.rotation_status(row.starts_on, on, years)
        if status is not None:
            held = staff_rules.years_between(row.starts_on, on)
            listed.append({**_due_view(row), "years_on_post": held, "status": status})
    return listed


def _due_view(row: Any) -> dict[str, Any]:
    keys = ("staff_id", "name", "unit_code", "window_id", "post_id", "post", "role", "starts_on")
    return {key: getattr(row, key) for key in keys}
