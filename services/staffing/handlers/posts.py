"""Posts of windows, their A and B (EQ-3.2.5), and which posts are not covered."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import select, update

from services.staffing.adapters import tables
from services.staffing.contracts import posts as contracts
from services.staffing.domain import posts as rules
from services.staffing.domain import staff as staff_rules
from services.staffing.domain.posts import Seat
from services.staffing.handlers import staff as staff_handlers
from shared import clock
from shared.db import insert_returning_id
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork


def window(uow: UnitOfWork, window_id: int, unit: str | None = None) -> Any:
    row = uow.session.execute(
        select(tables.windows).where(tables.windows.c.id == window_id)
    ).first()
    if row is None or (unit is not None and unit not in (row.unit_code, *row.co_units)):
        raise NotFound(f"no window {window_id}")
    return row


def create_post(uow: UnitOfWork, unit: str | None, body: dict[str, Any]) -> dict[str, Any]:
    with uow:
        win = window(uow, body["window_id"], unit)
        values = {
            "window_id": body["window_id"],
            "name": body["name"].strip(),
            "created_at": clock.now(),
        }
        post_id = insert_returning_id(uow.session, tables.posts, values)
        uow.emit(
            contracts.POST_CREATED.name,
            subject=str(post_id),
            data={
                "post_id": post_id,
                "window_id": win.id,
                "unit_code": win.unit_code,
                "name": values["name"],
            },
        )
        uow.commit()
    return {"id": post_id, **values}


def seat(uow: UnitOfWork, post: Any) -> Seat:
    held = uow.session.execute(
        select(tables.assignments.c.role, tables.assignments.c.staff_id).where(
            tables.assignments.c.post_id == post.id, tables.assignments.c.ends_on.is_(None)
        )
    ).all()
    holders = {row.role: row.staff_id for row in held}
    return Seat(post.id, post.name, post.window_id, holders.get("A"), holders.get("B"))


def check_seat(uow: UnitOfWork, post: Any, role: rules.Role, staff_id: str, field: str) -> None:
    """EQ-3.2.5 before the insert, so the refusal names the rule and the field."""
    posted = uow.session.execute(
        select(tables.assignments.c.id).where(
            tables.assignments.c.staff_id == staff_id, tables.assignments.c.ends_on.is_(None)
        )
    ).first()
    rules.check_seat(seat(uow, post), role, posted is not None, field)


def _post(uow: UnitOfWork, post_id: int, unit: str | None) -> Any:
    row = uow.session.execute(select(tables.posts).where(tables.posts.c.id == post_id)).first()
    if row is None:
        raise NotFound(f"no post {post_id}")
    try:
        window(uow, row.window_id, unit)
    except NotFound:  # another unit's reads like a missing one, not naming its window
        raise NotFound(f"no post {post_id}") from None
    return row


def assign(
    uow: UnitOfWork,
    post_id: int,
    unit: str | None,
    body: dict[str, Any],
    today: date | None = None,
    *,
    by_center: bool = False,
) -> dict[str, Any]:
    """Post a staff member as A or B; one A and one B per post (database-enforced). The
    posting starts today, or earlier when the center records one (EQ-3.1a, EQ-3.2.3)."""
    today = today or clock.today()
    starts_on = rules.check_start(
        body.get("starts_on") or today, today, by_center=by_center, what="posting"
    )
    with uow:
        post = _post(uow, post_id, unit)
        win = window(uow, post.window_id)
        member = staff_handlers.load(uow, body["staff_id"], unit)
        role = rules.check_assignment(
            win.state, member.unit_code, (win.unit_code, *win.co_units), body["role"]
        )
        rules.check_published(win.state, win.published_on, starts_on=starts_on)
        staff_rules.check_eligible(member, starts_on)
        check_seat(uow, post, role, member.id, "role")
        values = {
            "post_id": post_id,
            "window_id": post.window_id,
            "staff_id": member.id,
            "role": role.value,
            "starts_on": starts_on,
            "ends_on": None,
            "end_reason": "",
        }
        assignment_id = insert_returning_id(uow.session, tables.assignments, values)
        uow.flush()  # the partial unique indexes answer here: seat taken or person posted
        emit_assignment(uow, contracts.ASSIGNMENT_MADE, member, post, role.value)
        uow.commit()
    return {"id": assignment_id, **values}


def emit_assignment(uow: UnitOfWork, event: Any, member: Any, post: Any, role: str) -> None:
    uow.emit(
        event.name,
        subject=member.id,
        data={
            "staff_id": member.id,
            "name": member.name,
            "unit_code": member.unit_code,
            "window_id": post.window_id,
            "post": post.name,
            "role": role,
            "at": clock.now(),
        },
    )


def end_assignment(
    uow: UnitOfWork, assignment_id: int, unit: str | None, reason: str, today: date | None = None
) -> dict[str, Any]:
    with uow:
        row = uow.session.execute(
            select(tables.assignments).where(
                tables.assignments.c.id == assignment_id, tables.assignments.c.ends_on.is_(None)
            )
        ).first()
        if row is None:
            raise NotFound(f"no current assignment {assignment_id}")
        try:
            post = _post(uow, row.post_id, unit)
        except NotFound:  # another unit's reads like a missing one, not naming its post
            raise NotFound(f"no current assignment {assignment_id}") from None
        member = staff_handlers.load(uow, row.staff_id)
        ended = today or clock.today()
        uow.session.execute(
            update(tables.assignments)
            .where(tables.assignments.c.id == assignment_id)
            .values(ends_on=ended, end_reason=reason)
        )
        emit_assignment(uow, contracts.ASSIGNMENT_ENDED, member, post, row.role)
        uow.commit()
    return {**row._mapping, "ends_on": ended, "end_reason": reason}


def seats(uow: UnitOfWork, window_id: int | None = None, unit: str | None = None) -> list[Seat]:
    query = select(tables.posts).order_by(tables.posts.c.window_id, tables.posts.c.id)
    if window_id is not None:
        query = query.where(tables.posts.c.window_id == window_id)
    with uow:
        posts = uow.session.execute(query).all()
        active = uow.session.execute(
            select(tables.assignments).where(tables.assignments.c.ends_on.is_(None))
        ).all()
        units = {
            row.id: (row.unit_code, *row.co_units)
            for row in uow.session.execute(select(tables.windows))
        }
    holders = {(a.post_id, a.role): a.staff_id for a in active}
    return [
        Seat(p.id, p.name, p.window_id, holders.get((p.id, "A")), holders.get((p.id, "B")))
        for p in posts
        if unit is None or unit in units.get(p.window_id, ())
    ]


def coverage(uow: UnitOfWork, unit: str | None = None) -> list[dict[str, Any]]:
    """Posts of published windows that lack an A or a B, and published windows with no post at
    all (`post_id` none): nobody is at A or B there either (EQ-3.2.5)."""
    with uow:
        published = {
            row.id
            for row in uow.session.execute(
                select(
                    tables.windows.c.id, tables.windows.c.unit_code, tables.windows.c.co_units
                ).where(tables.windows.c.state.in_(("active", "suspended")))
            )
            if unit is None or unit in (row.unit_code, *row.co_units)
        }
    held = seats(uow, unit=unit)
    gaps = [
        {**asdict(s), "covered": False} for s in rules.uncovered(held) if s.window_id in published
    ]
    empty = {"post_id": None, "post": None, "a": None, "b": None, "covered": False}
    gaps += [{**empty, "window_id": w} for w in rules.unposted(published, held)]
    return sorted(gaps, key=lambda gap: (gap["window_id"], gap["post_id"] or 0))
