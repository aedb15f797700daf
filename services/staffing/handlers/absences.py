"""Absences and cover (EQ-3.2.5): A reports, the chief representative decides, B covers, and a
post with neither A nor B present is raised as uncovered."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import or_, select, update

from services.staffing.adapters import tables
from services.staffing.contracts import absences as contracts
from services.staffing.domain import absences as rules
from services.staffing.domain.absences import Absence, AbsenceStatus, Cover, WorkingDays
from services.staffing.domain.posts import Seat
from services.staffing.handlers import chiefs, posts
from services.staffing.handlers import staff as staff_handlers
from shared import clock
from shared.db import insert_returning_id
from shared.errors import NotFound, RuleViolation
from shared.service import ServiceRuntime
from shared.unit_of_work import UnitOfWork

PUBLISHED = ("active", "suspended")


def _absence(row: Any) -> Absence:
    return Absence(
        row.staff_id,
        row.starts_on,
        row.ends_on,
        row.reason,
        row.reported_on,
        row.late,
        AbsenceStatus(row.status),
        row.decided_by,
        row.cover_staff_id,
    )


def _holding(uow: UnitOfWork, staff_id: str) -> Any:
    return uow.session.execute(
        select(tables.assignments).where(
            tables.assignments.c.staff_id == staff_id, tables.assignments.c.ends_on.is_(None)
        )
    ).first()


def _seats(uow: UnitOfWork, *where: Any) -> list[Seat]:
    rows = uow.session.execute(select(tables.posts).where(*where).order_by(tables.posts.c.id)).all()
    held = uow.session.execute(
        select(tables.assignments).where(
            tables.assignments.c.ends_on.is_(None),
            tables.assignments.c.post_id.in_([p.id for p in rows]),
        )
    ).all()
    holders = {(a.post_id, a.role): a.staff_id for a in held}
    return [
        Seat(p.id, p.name, p.window_id, holders.get((p.id, "A")), holders.get((p.id, "B")))
        for p in rows
    ]


def _away_on(uow: UnitOfWork, day: date) -> dict[str, int]:
    """Staff with an approved absence that day, each with that absence's id."""
    rows = uow.session.execute(
        select(tables.absences.c.id, tables.absences.c.staff_id).where(
            tables.absences.c.status == AbsenceStatus.APPROVED.value,
            tables.absences.c.starts_on <= day,
            tables.absences.c.ends_on >= day,
        )
    )
    return {row.staff_id: row.id for row in rows}


def _absences_of(uow: UnitOfWork, staff_id: str) -> list[Any]:
    query = select(tables.absences).where(tables.absences.c.staff_id == staff_id)
    return list(uow.session.execute(query).all())


def _row(uow: UnitOfWork, absence_id: int, unit: str | None) -> Any:
    query = select(tables.absences).where(tables.absences.c.id == absence_id)
    if unit is not None:
        query = query.join(tables.staff, tables.staff.c.id == tables.absences.c.staff_id).where(
            tables.staff.c.unit_code == unit
        )
    row = uow.session.execute(query).first()
    if row is None:
        raise NotFound(f"no absence {absence_id}")
    return row


def _name(uow: UnitOfWork, staff_id: str | None) -> str | None:
    return staff_handlers.load(uow, staff_id).name if staff_id else None


def _emit(uow: UnitOfWork, event: Any, absence_id: int, row: dict[str, Any], unit: str) -> None:
    chief = chiefs.current(uow, unit)  # who decides, so notification can tell them in person
    uow.emit(
        event.name,
        subject=str(absence_id),
        data={
            "absence_id": absence_id,
            "staff_id": row["staff_id"],
            "name": _name(uow, row["staff_id"]),
            "unit_code": unit,
            "window_id": row["window_id"],
            "post_id": row["post_id"],
            "starts_on": row["starts_on"],
            "ends_on": row["ends_on"],
            "late": row["late"],
            "status": row["status"],
            "cover_staff_id": row["cover_staff_id"],
            "cover_name": _name(uow, row["cover_staff_id"]),
            "chief_staff_id": chief.staff_id if chief else None,
            "deputy_staff_id": chief.deputy_staff_id if chief else None,
        },
    )


def report(
    uow: UnitOfWork,
    unit: str,
    body: dict[str, Any],
    calendar: WorkingDays,
    today: date | None = None,
) -> dict[str, Any]:
    """A (or B) reports an absence to the chief representative; short notice is flagged. The
    notice counts from when A reported it (`reported_at`, by default now), which may be before
    the report was entered: a Friday call entered on Monday is the Friday's."""
    reported_on = today or clock.today()
    if body.get("reported_at") is not None:
        at = rules.check_reported_at(body["reported_at"], clock.now())
        reported_on = min(clock.hall_day(at), reported_on)
    with uow:
        member = staff_handlers.load(uow, body["staff_id"], unit)
        holding = _holding(uow, member.id)
        if holding is None:
            raise RuleViolation(
                f"{member.name} holds no post as A or B to be absent from (EQ-3.2.5)",
                rule=rules.RULE,
                field="staff_id",
            )
        absence = rules.report(
            calendar, member.id, body["starts_on"], body["ends_on"], body["reason"], reported_on
        )
        mine = [_absence(r) for r in _absences_of(uow, member.id)]
        rules.check_not_reported_twice(absence, mine)
        values = {
            **_values(absence),
            "assignment_id": holding.id,
            "post_id": holding.post_id,
            "window_id": holding.window_id,
            "reported_on": reported_on,
            "late": absence.late,
            "reason": absence.reason,
            "alerted_on": None,
        }
        absence_id = insert_returning_id(uow.session, tables.absences, values)
        _emit(uow, contracts.ABSENCE_REPORTED, absence_id, values, member.unit_code)
        uow.commit()
    return {"id": absence_id, **values}


def _values(absence: Absence) -> dict[str, Any]:
    return {
        "staff_id": absence.staff_id,
        "starts_on": absence.starts_on,
        "ends_on": absence.ends_on,
        "status": absence.status.value,
        "decided_by": absence.decided_by,
        "cover_staff_id": absence.cover_staff_id,
    }


def decide(
    uow: UnitOfWork,
    absence_id: int,
    unit: str | None,
    chief_staff_id: str,
    approved: bool,
    calendar: WorkingDays,
) -> dict[str, Any]:
    """The chief representative (or deputy) approves, naming B to cover, or rejects."""
    with uow:
        row = _row(uow, absence_id, unit)
        member = staff_handlers.load(uow, row.staff_id)
        chief = chiefs.current(uow, member.unit_code)
        rules.check_decider(
            chief.staff_id if chief else None,
            chief.deputy_staff_id if chief else None,
            chief_staff_id,
            member.id,
        )
        holding = _holding(uow, member.id)
        seat = _seats(uow, tables.posts.c.id == holding.post_id)[0] if holding else None
        absence = _absence(row)
        if approved:
            decided = rules.approve(absence, chief_staff_id, seat)
        else:
            decided = rules.reject(absence, chief_staff_id)
        values = {**row._mapping, **_values(decided)}
        uow.session.execute(
            update(tables.absences)
            .where(tables.absences.c.id == absence_id)
            .values(_values(decided))
        )
        event = contracts.ABSENCE_APPROVED if approved else contracts.ABSENCE_REJECTED
        _emit(uow, event, absence_id, values, member.unit_code)
        if approved and seat is not None:
            _alert_overlaps(uow, calendar, absence_id, decided, seat, member.unit_code)
        uow.commit()
    return values


def _alert_overlaps(
    uow: UnitOfWork,
    calendar: WorkingDays,
    absence_id: int,
    absence: Absence,
    seat: Seat,
    unit: str,
) -> None:
    """EQ-3.2.5: raise the days when neither A nor B will be at the post, as soon as known."""
    other = rules.other_holder(seat, absence.staff_id)
    rows = [] if other is None else _absences_of(uow, other)
    others = {r.id: _absence(r) for r in rows}
    for other_id, start, end in rules.uncovered_spans(absence, other is not None, others):
        day = rules.first_workday(calendar, start, end)
        if day is None:
            continue  # only days off: nobody is missed
        who = f"{_name(uow, absence.staff_id)} and {_name(uow, other)} are both away"
        if other is None:
            who = f"{_name(uow, absence.staff_id)} is away and the post has no other holder"
        _emit_alert(uow, seat, unit, day, f"{who} from {start} to {end} (EQ-3.2.5)")
        ids = [absence_id] if other_id is None else [absence_id, other_id]
        uow.session.execute(
            update(tables.absences).where(tables.absences.c.id.in_(ids)).values(alerted_on=day)
        )


def _emit_alert(uow: UnitOfWork, seat: Seat, unit: str, on: date, detail: str) -> None:
    uow.emit(
        contracts.POST_UNCOVERED.name,
        subject=str(seat.post_id),
        data={
            "window_id": seat.window_id,
            "unit_code": unit,
            "post_id": seat.post_id,
            "post": seat.post,
            "on": on,
            "detail": detail,
        },
    )


def _claim(uow: UnitOfWork, absence_ids: Iterable[int], today: date) -> bool:
    """Mark today's alert as raised; False when it was, by approval or an earlier sweep."""
    result: Any = uow.session.execute(
        update(tables.absences)
        .where(
            tables.absences.c.id.in_(list(absence_ids)),
            or_(tables.absences.c.alerted_on.is_(None), tables.absences.c.alerted_on < today),
        )
        .values(alerted_on=today)
    )
    return bool(result.rowcount)


def cover_sweep(rt: ServiceRuntime) -> int:
    """Today's posts with neither A nor B present, each raised once a day (EQ-3.2.5)."""
    today = clock.today()
    if not rt.calendar.is_workday(today):
        return 0
    raised = 0
    with rt.uow(actor="system:sweep") as uow:
        away = _away_on(uow, today)
        held = select(tables.assignments.c.post_id).where(
            tables.assignments.c.ends_on.is_(None), tables.assignments.c.staff_id.in_(list(away))
        )
        published = select(tables.windows.c.id).where(tables.windows.c.state.in_(PUBLISHED))
        for seat in _seats(
            uow, tables.posts.c.id.in_(held), tables.posts.c.window_id.in_(published)
        ):
            cover = Cover(seat, frozenset(away))
            ids = [away[s] for s in (seat.a, seat.b) if s in away]
            if cover.uncovered and _claim(uow, ids, today):
                absent = staff_handlers.load(uow, next(s for s in (seat.a, seat.b) if s))
                _emit_alert(uow, seat, absent.unit_code, today, _sweep_detail(uow, seat))
                raised += 1
        uow.commit()
    return raised


def _sweep_detail(uow: UnitOfWork, seat: Seat) -> str:
    names = [f"{_name(uow, s)} ({role})" for s, role in ((seat.a, "A"), (seat.b, "B")) if s]
    return f"nobody at the post today: {', '.join(names)} away (EQ-3.2.5)"


def get(uow: UnitOfWork, absence_id: int, unit: str | None) -> dict[str, Any]:
    with uow:
        return dict(_row(uow, absence_id, unit)._mapping)


def list_absences(
    uow: UnitOfWork, unit: str | None, query: dict[str, Any], after: int | None, limit: int
) -> list[dict[str, Any]]:
    table = tables.absences
    stmt = select(table).order_by(table.c.id).limit(limit)
    if unit is not None:
        stmt = stmt.join(tables.staff, tables.staff.c.id == table.c.staff_id).where(
            tables.staff.c.unit_code == unit
        )
    for name in ("window_id", "staff_id", "status"):
        if query.get(name) is not None:
            stmt = stmt.where(table.c[name] == query[name])
    if after is not None:
        stmt = stmt.where(table.c.id > after)
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(stmt)]


def cover_record(
    uow: UnitOfWork, window_id: int, unit: str | None, on: date
) -> list[dict[str, Any]]:
    """Who is at each post of a window that day: A, or B covering, or nobody."""
    with uow:
        posts.window(uow, window_id, unit)
        seats = _seats(uow, tables.posts.c.window_id == window_id)
        away = frozenset(_away_on(uow, on))
    return [_cover_view(Cover(seat, away), on) for seat in seats]


def _cover_view(cover: Cover, on: date) -> dict[str, Any]:
    seat = cover.seat
    return {
        "on": on,
        "post_id": seat.post_id,
        "post": seat.post,
        "window_id": seat.window_id,
        "a": seat.a,
        "b": seat.b,
        "a_present": cover.a_present,
        "b_present": cover.b_present,
        "present": cover.present,
        "covering": cover.covering,
        "uncovered": cover.uncovered,
    }
