"""A finding's evidence: files added to it, listed, and read back (TJ-7.4)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.inspection.contracts import findings as events
from services.inspection.domain import evidence as evidence_rules
from services.inspection.domain import findings as rules
from services.inspection.domain.findings import Status
from services.inspection.handlers.findings import E, evidence_list, finding_ref, finding_row
from shared import clock
from shared.db import insert_returning_id
from shared.errors import Invalid, NotFound, StateConflict
from shared.unit_of_work import UnitOfWork


def add_evidence(
    uow: UnitOfWork,
    finding_id: int,
    unit: str | None,
    upload: tuple[str | None, str | None, bytes],
    description: str,
    replaces_id: int | None,
) -> dict[str, Any]:
    """Inspectors evidence the finding; the unit ordered to rectify evidences its rectification."""
    with uow:
        row = finding_row(uow, finding_id, unit)
        if unit is not None:
            rules.check_reporter(row.unit_code, unit)
        if row.status == Status.WITHDRAWN:
            raise StateConflict(
                "the finding is withdrawn: record evidence on its correction",
                rule=rules.INSPECTION,
                field="file",
            )
        evidence = evidence_rules.accept_evidence(*upload)
        kept = {e["id"] for e in evidence_list(uow, finding_id)}
        if replaces_id is not None and replaces_id not in kept:
            raise Invalid(
                f"finding {finding_id} has no evidence {replaces_id}",
                rule=rules.INSPECTION,
                field="replaces_id",
            )
        values = {
            "finding_id": finding_id,
            "purpose": "finding" if unit is None else "rectification",
            "filename": evidence.filename,
            "content_type": evidence.content_type,
            "size": evidence.size,
            "sha256": evidence.sha256,
            "description": description.strip(),
            "replaces_id": replaces_id,
            "uploaded_by": uow.actor or "unknown",
            "uploaded_at": clock.now(),
        }
        values["id"] = insert_returning_id(uow.session, E, {**values, "data": upload[2]})
        data = {
            **finding_ref(row._mapping),
            "evidence_id": values["id"],
            "added_at": values["uploaded_at"],
        }
        data |= {
            k: values[k]
            for k in ("purpose", "filename", "content_type", "size", "sha256", "replaces_id")
        }
        uow.emit(events.FINDING_EVIDENCE_ADDED.name, subject=str(finding_id), data=data)
        uow.commit()
    return values


def list_evidence(uow: UnitOfWork, finding_id: int, unit: str | None) -> list[dict[str, Any]]:
    with uow:
        finding_row(uow, finding_id, unit)
        return evidence_list(uow, finding_id)


def evidence_file(uow: UnitOfWork, finding_id: int, evidence_id: int, unit: str | None) -> Any:
    """The stored bytes, checked against their SHA-256 before they are served."""
    with uow:
        finding_row(uow, finding_id, unit)
        row = uow.session.execute(
            select(E).where(E.c.id == evidence_id, E.c.finding_id == finding_id)
        ).first()
    if row is None:
        raise NotFound(f"finding {finding_id} has no evidence {evidence_id}")
    evidence_rules.check_intact(row.id, row.data, row.sha256)
    return row
