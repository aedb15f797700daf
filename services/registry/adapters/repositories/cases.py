"""Loading and saving cases and enquiries."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.registry.adapters import tables
from services.registry.domain.cases import Case, Stage, StageRecord, Warning
from services.registry.domain.clock import Pause
from services.registry.domain.enquiries import Enquiry, Handover
from shared.db import insert_returning_id
from shared.errors import Conflict, NotFound


def case_from_row(row: Any) -> Case:
    return Case(
        id=row.id,
        window_id=row.window_id,
        unit_code=row.unit_code,
        matter_code=row.matter_code,
        matter_version=row.matter_version,
        applicant=row.applicant,
        accepted_on=row.accepted_on,
        limit_days=row.limit_days,
        extension_allowance=row.extension_allowance,
        stage=Stage(row.stage),
        history=tuple(
            StageRecord(
                Stage(h["stage"]),
                h["staff_id"],
                datetime.fromisoformat(h["at"]),
                date.fromisoformat(h["on"]),
                h.get("note", ""),
            )
            for h in row.history
        ),
        due_on=row.due_on,
        stage_due_on=row.stage_due_on,
        pauses=tuple(
            Pause(
                date.fromisoformat(p["started_on"]),
                date.fromisoformat(p["ended_on"]) if p["ended_on"] else None,
                p["reason"],
            )
            for p in row.pauses
        ),
        supplement=tuple(row.supplement),
        extension_days=row.extension_days,
        extension_reasons=tuple(row.extension_reasons),
        refusal_reason=row.refusal_reason,
        assisted_by=row.assisted_by,
        warning=Warning(row.warning),
        stage_overrun=row.stage_overrun,
        version=row.version,
    )


def _case_values(case: Case) -> dict[str, Any]:
    completed = case.history[-1].on if case.done else None
    return {
        "window_id": case.window_id,
        "unit_code": case.unit_code,
        "matter_code": case.matter_code,
        "matter_version": case.matter_version,
        "applicant": case.applicant,
        "accepted_on": case.accepted_on,
        "limit_days": case.limit_days,
        "extension_allowance": case.extension_allowance,
        "extension_days": case.extension_days,
        "stage": case.stage.value,
        "open": not case.done,
        "paused": case.paused,
        "due_on": case.due_on,
        "stage_due_on": case.stage_due_on,
        "warning": case.warning.value,
        "stage_overrun": case.stage_overrun,
        "completed_on": completed,
        "history": [
            {**asdict(h), "stage": h.stage.value, "at": h.at.isoformat(), "on": h.on.isoformat()}
            for h in case.history
        ],
        "pauses": [
            {
                "started_on": p.started_on.isoformat(),
                "ended_on": p.ended_on.isoformat() if p.ended_on else None,
                "reason": p.reason,
            }
            for p in case.pauses
        ],
        "supplement": list(case.supplement),
        "extension_reasons": list(case.extension_reasons),
        "refusal_reason": case.refusal_reason,
        "assisted_by": case.assisted_by,
        "version": case.version,
    }


def add_case(session: Session, case: Case, receipt_number: str, code_hash: str) -> int:
    values = {**_case_values(case), "receipt_number": receipt_number, "query_code_hash": code_hash}
    return insert_returning_id(session, tables.cases, values)


def save_case(session: Session, case: Case, expected_version: int) -> None:
    result: Any = session.execute(
        update(tables.cases)
        .where(tables.cases.c.id == case.id, tables.cases.c.version == expected_version)
        .values(_case_values(case))
    )
    if result.rowcount != 1:
        raise Conflict("the case was changed by someone else meanwhile; reload and retry")


def get_case(session: Session, case_id: int, *, unit: str | None = None) -> tuple[Case, Any]:
    """The case and its row (receipt number etc.); a unit token sees only its own (else 404)."""
    query = select(tables.cases).where(tables.cases.c.id == case_id)
    if unit is not None:
        query = query.where(tables.cases.c.unit_code == unit)
    row = session.execute(query).first()
    if row is None:
        raise NotFound(f"no case {case_id}")
    return case_from_row(row), row


def enquiry_from_row(row: Any) -> Enquiry:
    return Enquiry(
        id=row.id,
        window_id=row.window_id,
        unit_code=row.unit_code,
        question=row.question,
        owner=row.owner,
        opened_at=row.opened_at,
        handovers=tuple(
            Handover(h["from_staff"], h["to_staff"], datetime.fromisoformat(h["at"]), h["reason"])
            for h in row.handovers
        ),
        answer=row.answer,
        closed_at=row.closed_at,
    )


def enquiry_values(enquiry: Enquiry) -> dict[str, Any]:
    return {
        "window_id": enquiry.window_id,
        "unit_code": enquiry.unit_code,
        "question": enquiry.question,
        "owner": enquiry.owner,
        "opened_at": enquiry.opened_at,
        "handovers": [{**asdict(h), "at": h.at.isoformat()} for h in enquiry.handovers],
        "answer": enquiry.answer,
        "closed_at": enquiry.closed_at,
    }
