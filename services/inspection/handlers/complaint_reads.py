"""Reading complaints (issue 7 points 6, 8): the complainant's data is shown in full, and the
read logged, only when a handling role asks for a complaint (`get`, `list_complaints`); the
public tracks its own by number and code. `get` and `list_complaints` read on the lean read
path and log the reads shown in full in a short transaction of their own (issue 19.1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, and_, not_, or_, select
from sqlalchemy.sql import ColumnElement

from services.inspection.adapters.tables import complaints as tables
from services.inspection.domain import complaints as rules
from services.inspection.domain.complaints import Disclosure
from services.inspection.handlers.personal_data_reads import reads, record_personal_read
from shared import clock
from shared.auth import Principal
from shared.errors import NotFound
from shared.reads import Reads
from shared.unit_of_work import UnitOfWork

KIND = "complaint"  # record_kind of this area's personal-data reads


complaints = tables.complaints


def get(
    reads: Reads, uow: UnitOfWork, complaint_id: int, reader: Principal, masked: bool
) -> dict[str, Any]:
    """One complaint; `uow` logs the read if it is shown in full."""
    statement = _complaint(complaint_id, reader.unit if reader.role == "unit" else None)

    def read(conn: Connection) -> tuple[Any, dict[int, int]]:
        row = conn.execute(statement).first()
        if row is None:
            raise NotFound(f"no complaint {complaint_id}")
        return row, _corrected(conn, [row])

    row, corrected = reads.run(read)
    return _shown(uow, [row], corrected, reader, masked)[0]


def list_complaints(
    reads: Reads,
    uow: UnitOfWork,
    reader: Principal,
    query: dict[str, Any],
    after: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Complaints in id order (oldest first: a work queue); a unit sees its own windows'. `uow`
    logs one read per complaint shown in full."""
    statement = select(complaints).order_by(complaints.c.id).limit(limit)
    for condition in _filters(reader, query, after):
        statement = statement.where(condition)

    def read(conn: Connection) -> tuple[list[Any], dict[int, int]]:
        rows = list(conn.execute(statement).all())
        return rows, _corrected(conn, rows)

    rows, corrected = reads.run(read)
    return _shown(uow, rows, corrected, reader, query.get("masked", False))


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
        while (later := correction_of(uow, chain[-1].id)) is not None:
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


def complaint_row(uow: UnitOfWork, complaint_id: int, unit: str | None) -> Any:
    row = uow.session.execute(_complaint(complaint_id, unit)).first()
    if row is None:
        raise NotFound(f"no complaint {complaint_id}")
    return row


def _complaint(complaint_id: int, unit: str | None) -> Select[Any]:
    statement = select(complaints).where(complaints.c.id == complaint_id)
    if unit is not None:
        statement = statement.where(complaints.c.unit_code == unit)
    return statement


def correction_of(uow: UnitOfWork, complaint_id: int) -> Any:
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


def _corrected(conn: Connection, rows: Sequence[Any]) -> dict[int, int]:
    """complaint id → the id of the complaint correcting it, for these rows."""
    statement = select(complaints.c.corrects_id, complaints.c.id).where(
        complaints.c.corrects_id.in_([row.id for row in rows])
    )
    return {corrects: by for corrects, by in conn.execute(statement).all()}


def _shown(
    uow: UnitOfWork,
    rows: Sequence[Any],
    corrected: dict[int, int],
    reader: Principal,
    masked: bool,
) -> list[dict[str, Any]]:
    """The complaints as this reader may see them; every full showing is logged, all in one
    transaction (and none when nothing was shown in full)."""
    how = rules.disclosure(reader.role, masked)
    views = [complaint_view(row, how, corrected.get(row.id)) for row in rows]
    full = [
        (row.id, [f for f in rules.PERSONAL_FIELDS if view[f] is not None])
        for row, view in zip(rows, views, strict=True)
        if view["personal_data"] == Disclosure.FULL.value and not view["anonymous"]
    ]
    if full:
        with uow:
            for complaint_id, fields in full:
                record_personal_read(uow, reader.actor, KIND, complaint_id, fields)
            uow.commit()
    return views


def complaint_view(row: Any, how: Disclosure, corrected_by_id: int | None) -> dict[str, Any]:
    personal, _ = rules.shown(row.complainant_name, row.complainant_phone, how)
    return {
        **{c.name: row._mapping[c.name] for c in complaints.c if c.name not in _HIDDEN},
        **personal,
        "anonymous": rules.is_anonymous(row.complainant_name, row.complainant_phone),
        "personal_data": how.value,
        "overdue": rules.is_overdue(row.status, row.due_on, clock.today(), row.decided_on),
        "corrected_by_id": corrected_by_id,
    }


_HIDDEN = frozenset({"tracking_code_hash", "complainant_name", "complainant_phone", "overdue_at"})


def _public(row: Any) -> dict[str, Any]:
    decided = row.status not in rules.OPEN
    return {
        "number": row.number,
        "status": row.status,
        "reasons": row.reasons if decided else None,
        "decided_on": row.decided_on,
    }
