"""Delegation agreements: rows in, `Agreement` out, and back; which one is in force on a day."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.registry.adapters import tables
from services.registry.domain.agreements import RUNNING, Agreement, AgreementStatus, Assessment
from shared.db import insert_returning_id
from shared.errors import NotFound


def agreement_from_row(row: Any) -> Agreement:
    assessment = row.assessment
    return Agreement(
        id=row.id,
        window_id=row.window_id,
        matters=tuple(row.matters),
        duties=row.duties,
        rights=row.rights,
        requirements=row.requirements,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        status=AgreementStatus(row.status),
        assessment=Assessment(
            assessed_on=date.fromisoformat(assessment["assessed_on"]),
            passed=assessment["passed"],
            summary=assessment["summary"],
            assessed_by=assessment["assessed_by"],
        )
        if assessment
        else None,
        previous_id=row.previous_id,
        notices_sent=tuple(row.notices_sent),
    )


def _agreement_values(agreement: Agreement) -> dict[str, Any]:
    assessment = None
    if agreement.assessment is not None:
        assessment = {
            **asdict(agreement.assessment),
            "assessed_on": agreement.assessment.assessed_on.isoformat(),
        }
    return {
        "window_id": agreement.window_id,
        "matters": list(agreement.matters),
        "duties": agreement.duties,
        "rights": agreement.rights,
        "requirements": agreement.requirements,
        "starts_on": agreement.starts_on,
        "ends_on": agreement.ends_on,
        "status": agreement.status.value,
        "assessment": assessment,
        "previous_id": agreement.previous_id,
        "notices_sent": list(agreement.notices_sent),
    }


def add_agreement(session: Session, agreement: Agreement) -> int:
    return insert_returning_id(session, tables.agreements, _agreement_values(agreement))


def save_agreement(session: Session, agreement: Agreement) -> None:
    session.execute(
        update(tables.agreements)
        .where(tables.agreements.c.id == agreement.id)
        .values(_agreement_values(agreement))
    )


def get_agreement(session: Session, agreement_id: int) -> Agreement:
    row = session.execute(
        select(tables.agreements).where(tables.agreements.c.id == agreement_id)
    ).first()
    if row is None:
        raise NotFound(f"no agreement {agreement_id}")
    return agreement_from_row(row)


def agreement_on(session: Session, window_id: int, day: date) -> Agreement | None:
    """The window's agreement in force that day, if any: after an early renewal the old one
    until its end, then its successor (TJ-5.5)."""
    rows = session.execute(
        select(tables.agreements)
        .where(
            tables.agreements.c.window_id == window_id,
            tables.agreements.c.status.in_([s.value for s in RUNNING]),
            tables.agreements.c.starts_on <= day,
            tables.agreements.c.ends_on >= day,
        )
        .order_by(tables.agreements.c.id.desc())
        .limit(1)
    ).first()
    return agreement_from_row(rows) if rows else None


def running_agreements(session: Session, window_id: int) -> list[Agreement]:
    """Agreements in force or yet to start, e.g. a renewal signed ahead of expiry."""
    rows = session.execute(
        select(tables.agreements).where(
            tables.agreements.c.window_id == window_id,
            tables.agreements.c.status.in_([s.value for s in RUNNING]),
        )
    ).all()
    return [agreement_from_row(row) for row in rows]
