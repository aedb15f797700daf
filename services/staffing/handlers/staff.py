"""Staff records (EQ-3.1a): sent by units, age exceptions approved by the center."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from sqlalchemy import Select, insert, select, update

from services.staffing.adapters import tables
from services.staffing.contracts import staff as contracts
from services.staffing.domain import staff as rules
from services.staffing.domain.staff import Employment, StaffMember
from shared import clock
from shared.errors import Conflict, NotFound
from shared.reads import Reads
from shared.unit_of_work import UnitOfWork


def member_from_row(row: Any) -> StaffMember:
    values = {k: v for k, v in row._mapping.items() if k != "registered_at"}
    return StaffMember(**{**values, "employment": Employment(row.employment)})


def load(uow: UnitOfWork, staff_id: str, unit: str | None = None) -> StaffMember:
    """A staff member; a unit token reaches only its own unit's (else 404)."""
    return _found(uow.session.execute(_member(staff_id, unit)).first(), staff_id)


def _member(staff_id: str, unit: str | None) -> Select[Any]:
    query = select(tables.staff).where(tables.staff.c.id == staff_id)
    if unit is not None:
        query = query.where(tables.staff.c.unit_code == unit)
    return query


def _found(row: Any, staff_id: str) -> StaffMember:
    if row is None:
        raise NotFound(f"no staff member {staff_id}")
    return member_from_row(row)


def save(uow: UnitOfWork, member: StaffMember, seen_version: int) -> None:
    values = {k: v for k, v in asdict(member).items() if k != "id"}
    result: Any = uow.session.execute(
        update(tables.staff)
        .where(tables.staff.c.id == member.id, tables.staff.c.version == seen_version)
        .values(values)
    )
    if result.rowcount != 1:
        raise Conflict("the staff record was changed meanwhile; reload and retry")


def emit(
    uow: UnitOfWork, event: Any, member: StaffMember, detail: str = "", rule: str = ""
) -> None:
    uow.emit(
        event.name,
        subject=member.id,
        data={
            "staff_id": member.id,
            "name": member.name,
            "unit_code": member.unit_code,
            "status": member.status,
            "detail": detail,
            "rule": rule,
        },
    )


def register(uow: UnitOfWork, unit: str, body: dict[str, Any]) -> StaffMember:
    member = rules.register(
        StaffMember(
            id=body.get("id") or f"s-{uuid.uuid4().hex[:10]}",
            unit_code=unit,
            name=body["name"],
            id_number=body["id_number"].upper(),
            phone=body["phone"],
            birth_date=body["birth_date"],
            employment=rules.employment(body["employment"]),
            law_enforcement_cert=body["law_enforcement_cert"],
            work_started_on=body["work_started_on"],
            knows_approval_work=body["knows_approval_work"],
            age_exception_reason=body.get("age_exception_reason", ""),
        )
    )
    with uow:
        taken = uow.session.execute(
            select(tables.staff.c.id).where(
                (tables.staff.c.id == member.id) | (tables.staff.c.id_number == member.id_number)
            )
        ).first()
        if taken:
            raise Conflict(
                "a staff member with that id or ID number is registered already", field="id_number"
            )
        uow.session.execute(
            insert(tables.staff).values(**asdict(member), registered_at=clock.now())
        )
        emit(uow, contracts.STAFF_REGISTERED, member, rule="EQ-3.1a")
        uow.commit()
    return member


def request_age_exception(
    uow: UnitOfWork, staff_id: str, unit: str | None, reason: str
) -> StaffMember:
    with uow:
        member = load(uow, staff_id, unit)
        changed = rules.request_age_exception(member, reason)
        save(uow, changed, member.version)
        emit(
            uow,
            contracts.STAFF_AGE_EXCEPTION_REQUESTED,
            changed,
            detail=changed.age_exception_reason,
            rule="EQ-3.1a",
        )
        uow.commit()
    return changed


def approve_age_exception(uow: UnitOfWork, staff_id: str) -> StaffMember:
    with uow:
        member = load(uow, staff_id)
        changed = rules.approve_age_exception(member, uow.actor or "center")
        save(uow, changed, member.version)
        emit(
            uow,
            contracts.STAFF_AGE_EXCEPTION_APPROVED,
            changed,
            detail=changed.age_exception_reason,
            rule="EQ-3.1a",
        )
        uow.commit()
    return changed


def get(reads: Reads, staff_id: str) -> StaffMember:
    return _found(reads.first(_member(staff_id, None)), staff_id)


def list_staff(reads: Reads, unit: str | None, after: str | None, limit: int) -> list[StaffMember]:
    query = select(tables.staff).order_by(tables.staff.c.id).limit(limit)
    if unit:
        query = query.where(tables.staff.c.unit_code == unit)
    if after:
        query = query.where(tables.staff.c.id > after)
    return [member_from_row(row) for row in reads.all(query)]


PERSONAL_FIELDS = ("id_number", "phone", "birth_date")


def shown(
    uow: UnitOfWork, members: list[StaffMember], role: str, unit: str | None
) -> list[dict[str, Any]]:
    """Records as this caller may see them; each one shown unmasked is a read of personal data,
    kept in the audit trail (whose who, request and time the unit of work supplies)."""
    unmasked = [m.id for m in members if rules.sees_personal_data(role, unit, m.unit_code)]
    uow.record_reads([f"staff:{staff_id}" for staff_id in unmasked], PERSONAL_FIELDS)
    return [view(member, role, unit) for member in members]


def view(member: StaffMember, role: str, unit: str | None) -> dict[str, Any]:
    """The record as this caller may see it: personal data masked unless theirs to see."""
    shown = asdict(member)
    if not rules.sees_personal_data(role, unit, member.unit_code):
        shown["id_number"] = rules.mask_id_number(member.id_number)
        shown["phone"] = rules.mask_phone(member.phone)
        shown["birth_date"] = None
    return shown
