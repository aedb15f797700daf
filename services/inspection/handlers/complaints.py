"""Complaints and reports from the public (issue 7 point 6), and the audit log of every full
read of the public's personal data in inspection (point 8).

Writes answer with the complainant's data masked: it is shown in full, and the read logged, only
when a handling role asks for a complaint (`get`, `list_complaints`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, insert, not_, or_, select, update
from sqlalchemy.sql import ColumnElement

from services.inspection.adapters.tables import complaints as tables
from services.inspection.adapters.tables import learned
from services.inspection.contracts import complaints as events
from services.inspection.domain import complaints as rules
from services.inspection.domain.complaints import Disclosure, Status, WorkingDays
from services.inspection.handlers import deadlines
from shared import clock
from shared.auth import Principal
from shared.db import UnitOfWork, insert_returning_id
from shared.errors import Conflict, NotFound
from shared.service import ServiceRuntime, Sweep

KIND = "complaint"  # record_kind of this area's personal-data reads
complaints = tables.complaints
reads = tables.personal_data_reads


def record_personal_read(
    uow: UnitOfWork, reader: str, record_kind: str, record_id: int, fields: list[str]
) -> None:
    """Log one full read of the public's personal data, in the reader's transaction: the
    caller commits it (a read that shows personal data commits even if it changes nothing
    else). `reader` is the actor string (`role:unit:sub` or `role:sub`); its role is kept apart
    so the log can be filtered by it."""
    uow.session.execute(
        insert(reads).values(
            reader=reader,
            role=reader.split(":", 1)[0],
            record_kind=record_kind,
            record_id=record_id,
            fields=list(fields),
            at=clock.now(),
        )
    )
    uow.audit_read(f"{record_kind}:{record_id}", fields)


def handling_days() -> int:
    """The hall's deadline to decide, in working days: `COMPLAINT_DAYS`, else 5. A wrong
    setting is logged, not the public's problem: the complaint is taken with the default."""
    return deadlines.from_environment(
        "COMPLAINT_DAYS", rules.handling_days, rules.HANDLING_WORKDAYS
    )


def submit(
    uow: UnitOfWork, calendar: WorkingDays, body: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    """Take a complaint from the public; the tracking code is answered once and never kept."""
    today = today or clock.today()
    with uow:
        window = _window(uow, body["window_id"])
        rules.check_window(body["window_id"], window.state if window else None)
        values = {
            "number": uuid.uuid4().hex[:32],  # until the id is known
            "tracking_code_hash": "",
            "window_id": window.id,
            "unit_code": window.unit_code,
            "staff_id": (body.get("staff_id") or "").strip() or None,
            "misconduct": rules.check_misconduct(body.get("misconduct")),
            "account": rules.check_account(body["account"]),
            "happened_on": rules.check_happened_on(body.get("happened_on"), today),
            "complainant_name": rules.normal_name(body.get("complainant_name")),
            "complainant_phone": rules.normal_phone(body.get("complainant_phone")),
            "received_at": clock.now(),
            "received_on": today,
            "due_on": rules.deadline(calendar, today, handling_days()),
            "status": Status.RECEIVED.value,
        }
        complaint_id = insert_returning_id(uow.session, complaints, values)
        number = rules.complaint_number(today, complaint_id)
        code = rules.new_tracking_code()
        _update(uow, complaint_id, number=number, tracking_code_hash=rules.code_hash(number, code))
        row = _row(uow, complaint_id, None)
        _emit(uow, events.COMPLAINT_RECEIVED, row, received_at=row.received_at)
        uow.commit()
    shown = ("id", "number", "status", "received_on", "due_on")
    return {**{name: row._mapping[name] for name in shown}, "tracking_code": code}


def get(uow: UnitOfWork, complaint_id: int, reader: Principal, masked: bool) -> dict[str, Any]:
    with uow:
        row = _row(uow, complaint_id, reader.unit if reader.role == "unit" else None)
        shown = _shown(uow, [row], reader, masked)[0]
        uow.commit()  # the read log
    return shown


def list_complaints(
    uow: UnitOfWork, reader: Principal, query: dict[str, Any], after: int | None, limit: int
) -> list[dict[str, Any]]:
    """Complaints in id order (oldest first: a work queue); a unit sees its own windows'."""
    statement = select(complaints).order_by(complaints.c.id).limit(limit)
    for condition in _filters(reader, query, after):
        statement = statement.where(condition)
    with uow:
        rows = uow.session.execute(statement).all()
        shown = _shown(uow, rows, reader, query.get("masked", False))
        uow.commit()  # one read logged per complaint shown in full
    return shown


def assign(uow: UnitOfWork, complaint_id: int, handler: str) -> dict[str, Any]:
    """Give an open complaint to a handler (again, to hand it over)."""
    handler = rules.check_handler(handler)
    with uow:
        row = _row(uow, complaint_id, None)
        rules.check_open(row.status, row.number)
        now = clock.now()
        changes = {"status": Status.ASSIGNED.value, "handler": handler, "assigned_at": now}
        _update_open(uow, row, **changes)
        row = _row(uow, complaint_id, None)
        _emit(uow, events.COMPLAINT_ASSIGNED, row, handler=handler, assigned_at=now)
        uow.commit()
    return _view(row, Disclosure.MASKED, None)


def verify(uow: UnitOfWork, complaint_id: int, body: dict[str, Any], actor: str) -> dict[str, Any]:
    """Uphold or dismiss an open complaint with reasons; the decision is final."""
    with uow:
        row = _row(uow, complaint_id, None)
        rules.check_open(row.status, row.number)
        changes = _decision(row, body, actor)
        _update_open(uow, row, **changes)
        row = _row(uow, complaint_id, None)
        _emit_decision(uow, row, corrects=None)
        uow.commit()
    return _view(row, Disclosure.MASKED, None)


def correct(uow: UnitOfWork, complaint_id: int, body: dict[str, Any], actor: str) -> dict[str, Any]:
    """Decide a decided complaint again, as a new entry that replaces the earlier decision."""
    today = clock.today()
    with uow:
        original = _row(uow, complaint_id, None)
        later = _correction_of(uow, original.id)
        rules.check_correctable(original.status, original.number, later and later.number)
        copied = {c.name: original._mapping[c.name] for c in complaints.c if c.name != "id"}
        values = {
            **copied,
            **_decision(original, body, actor),
            "number": uuid.uuid4().hex[:32],
            "tracking_code_hash": "",  # followed through the original's number and code
            "overdue_at": None,
            "corrects_id": original.id,
        }
        correction_id = insert_returning_id(uow.session, complaints, values)
        _update(uow, correction_id, number=rules.complaint_number(today, correction_id))
        row = _row(uow, correction_id, None)
        _emit(
            uow,
            events.COMPLAINT_CORRECTED,
            original,
            correction_id=row.id,
            correction_number=row.number,
            previous_outcome=original.status,
            outcome=row.status,
            reasons=row.reasons,
            decided_at=row.decided_at,
        )
        _emit_decision(uow, row, corrects=original.id)
        uow.commit()
    return _view(row, Disclosure.MASKED, None)


def track(uow: UnitOfWork, number: str, code: str) -> dict[str, Any]:
    """The complainant's view: status and the reasons given, never anyone's personal data. A
    wrong number or code is the same 404, so numbers cannot be probed."""
    with uow:
        row = uow.session.execute(
            select(complaints).where(complaints.c.number == number.strip().upper())
        ).first()
        if row is None or not rules.code_matches(row.tracking_code_hash, row.number, code):
            raise NotFound("no complaint with that number and tracking code")
        chain = [row]
        while (later := _correction_of(uow, chain[-1].id)) is not None:
            chain.append(later)
    return {
        **_public(row),
        "window_id": row.window_id,
        "misconduct": row.misconduct,
        "received_on": row.received_on,
        "due_on": row.due_on,
        "corrections": [_public(entry) for entry in chain[1:]],
    }


def list_reads(
    uow: UnitOfWork, query: dict[str, Any], after: int | None, limit: int
) -> list[dict[str, Any]]:
    """The personal-data read log, newest first."""
    statement = select(reads).order_by(reads.c.id.desc()).limit(limit)
    for name in ("record_kind", "record_id", "reader", "role"):
        if query.get(name) is not None:
            statement = statement.where(reads.c[name] == query[name])
    if after is not None:
        statement = statement.where(reads.c.id < after)
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(statement).all()]


def overdue_sweep(rt: ServiceRuntime) -> int:
    """Announces, once, every complaint still undecided after its last day."""
    today = clock.today()
    announced = 0
    with rt.uow(actor="system:sweep") as uow:
        rows = uow.session.execute(
            select(complaints).where(
                complaints.c.status.in_(rules.OPEN_STATUSES),
                complaints.c.due_on < today,
                complaints.c.overdue_at.is_(None),
            )
        ).all()
        for row in rows:
            claimed: Any = uow.session.execute(
                update(complaints)
                .where(complaints.c.id == row.id, complaints.c.overdue_at.is_(None))
                .values(overdue_at=clock.now())
            )
            if claimed.rowcount:
                _emit(
                    uow,
                    events.COMPLAINT_OVERDUE,
                    row,
                    status=row.status,
                    handler=row.handler,
                )
                announced += 1
        uow.commit()
    return announced


SWEEPS: tuple[Sweep, ...] = (Sweep("complaints-overdue", 3600, overdue_sweep),)


# --- helpers ---------------------------------------------------------------------------------


def _window(uow: UnitOfWork, window_id: int) -> Any:
    return uow.session.execute(
        select(learned.windows).where(learned.windows.c.id == window_id)
    ).first()


def _row(uow: UnitOfWork, complaint_id: int, unit: str | None) -> Any:
    statement = select(complaints).where(complaints.c.id == complaint_id)
    if unit is not None:
        statement = statement.where(complaints.c.unit_code == unit)
    row = uow.session.execute(statement).first()
    if row is None:
        raise NotFound(f"no complaint {complaint_id}")
    return row


def _update(uow: UnitOfWork, complaint_id: int, **changes: Any) -> None:
    uow.session.execute(update(complaints).where(complaints.c.id == complaint_id).values(changes))


def _update_open(uow: UnitOfWork, row: Any, **changes: Any) -> None:
    """Change a complaint only while it is open: of two concurrent decisions one wins."""
    result: Any = uow.session.execute(
        update(complaints)
        .where(complaints.c.id == row.id, complaints.c.status.in_(rules.OPEN_STATUSES))
        .values(changes)
    )
    if not result.rowcount:
        raise Conflict(
            f"complaint {row.number} was decided meanwhile", rule=rules.RULE_SURVEY, field="outcome"
        )


def _decision(row: Any, body: dict[str, Any], actor: str) -> dict[str, Any]:
    """The verified outcome; the handler may name (or correct) the misconduct found (TJ-8.3)."""
    misconduct = body.get("misconduct")
    now = clock.now()
    return {
        "status": rules.outcome_of(body["outcome"]).value,
        "reasons": rules.check_reasons(body["reasons"]),
        "misconduct": row.misconduct if misconduct is None else rules.check_misconduct(misconduct),
        "decided_by": actor,
        "decided_at": now,
        "decided_on": clock.today(),
        "handler": row.handler or actor,
    }


def _correction_of(uow: UnitOfWork, complaint_id: int) -> Any:
    return uow.session.execute(
        select(complaints).where(complaints.c.corrects_id == complaint_id)
    ).first()


def _filters(
    reader: Principal, query: dict[str, Any], after: int | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    unit = reader.unit if reader.role == "unit" else query.get("unit_code")
    if unit is not None:
        conditions.append(complaints.c.unit_code == unit)
    for name in ("status", "window_id", "misconduct", "staff_id"):
        if query.get(name) is not None:
            conditions.append(complaints.c[name] == query[name])
    if query.get("overdue") is not None:
        late = or_(
            and_(
                complaints.c.status.in_(rules.OPEN_STATUSES),
                complaints.c.due_on < clock.today(),
            ),
            complaints.c.decided_on > complaints.c.due_on,
        )
        conditions.append(late if query["overdue"] else not_(late))
    if after is not None:
        conditions.append(complaints.c.id > after)
    return conditions


def _shown(
    uow: UnitOfWork, rows: Sequence[Any], reader: Principal, masked: bool
) -> list[dict[str, Any]]:
    """The complaints as this reader may see them; every full showing is logged."""
    how = rules.disclosure(reader.role, masked)
    ids = [row.id for row in rows]
    corrected = dict(
        uow.session.execute(
            select(complaints.c.corrects_id, complaints.c.id).where(
                complaints.c.corrects_id.in_(ids)
            )
        ).all()
    )
    views = []
    for row in rows:
        view = _view(row, how, corrected.get(row.id))
        if view["personal_data"] == Disclosure.FULL.value and not view["anonymous"]:
            fields = [f for f in rules.PERSONAL_FIELDS if view[f] is not None]
            record_personal_read(uow, reader.actor, KIND, row.id, fields)
        views.append(view)
    return views


def _view(row: Any, how: Disclosure, corrected_by_id: int | None) -> dict[str, Any]:
    personal, _ = rules.shown(row.complainant_name, row.complainant_phone, how)
    return {
        **{c.name: row._mapping[c.name] for c in complaints.c if c.name not in _HIDDEN},
        **personal,
        "anonymous": rules.is_anonymous(row.complainant_name, row.complainant_phone),
        "personal_data": how.value,
        "overdue": rules.is_overdue(row.status, row.due_on, clock.today(), row.decided_on),
        "corrected_by_id": corrected_by_id,
    }


_UPHELD_FIELDS = ("complaint_id", "window_id", "unit_code", "staff_id", "misconduct")
_HIDDEN = frozenset({"tracking_code_hash", "complainant_name", "complainant_phone", "overdue_at"})


def _public(row: Any) -> dict[str, Any]:
    decided = row.status not in rules.OPEN
    return {
        "number": row.number,
        "status": row.status,
        "reasons": row.reasons if decided else None,
        "decided_on": row.decided_on,
    }


def _about(row: Any, window: Any) -> dict[str, Any]:
    return {
        "complaint_id": row.id,
        "number": row.number,
        "window_id": row.window_id,
        "unit_code": row.unit_code,
        "name_zh": window.name_zh,
        "name_en": window.name_en,
        "staff_id": row.staff_id,
        "misconduct": row.misconduct,
        "anonymous": rules.is_anonymous(row.complainant_name, row.complainant_phone),
        "due_on": row.due_on,
    }


def _emit(uow: UnitOfWork, event: Any, row: Any, **extra: Any) -> None:
    data = {**_about(row, _window(uow, row.window_id)), **extra}
    uow.emit(event.name, subject=str(row.id), data=data)


def _emit_decision(uow: UnitOfWork, row: Any, corrects: int | None) -> None:
    """Upheld: the contract staffing counts against the staff member, else the window (its
    summary is the handler's reasons, never the complainant's words). Dismissed: our own."""
    if row.status == Status.UPHELD:
        about = _about(row, _window(uow, row.window_id))
        data = {name: about[name] for name in _UPHELD_FIELDS}
        data.update(summary=row.reasons, decided_at=row.decided_at)
        uow.emit(events.COMPLAINT_UPHELD.name, subject=str(row.id), data=data)
        return
    _emit(
        uow,
        events.COMPLAINT_DISMISSED,
        row,
        reasons=row.reasons,
        decided_at=row.decided_at,
        corrects_complaint_id=corrects,
    )
