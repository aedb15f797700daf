"""Inspection's facts as inputs to the annual assessment (EQ-3.2.2a): findings, sanctions,
upheld complaints and bad evaluations recorded per staff member and window, and voided when
inspection lifts, corrects or withdraws them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, fields
from sqlalchemy import or_, select, update

from services.staffing.adapters import tables
from services.staffing.domain.assessment import InputKind
from shared import clock
from shared.db import upsert
from shared.events import CloudEvent
from shared.unit_of_work import UnitOfWork


class InspectionFactSeen(Schema):
    """What staffing reads of inspection's evaluations, complaints, findings and sanctions."""

    class Meta:
        unknown = EXCLUDE

    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    staff_id = fields.String(allow_none=True, load_default=None)
    evaluation_id = fields.Integer(load_default=None)
    complaint_id = fields.Integer(load_default=None)
    finding_id = fields.Integer(load_default=None)
    sanction_id = fields.Integer(load_default=None)
    case_id = fields.Integer(allow_none=True, load_default=None)  # a sanction for a TJ-8.3 case
    score = fields.Integer(load_default=1)
    level = fields.String(load_default="")
    severity = fields.String(load_default="")
    kind = fields.String(load_default="")
    misconduct = fields.String(allow_none=True, load_default=None)
    submitted_at = fields.AwareDateTime(load_default=None)
    decided_at = fields.AwareDateTime(load_default=None)
    recorded_at = fields.AwareDateTime(load_default=None)
    at = fields.AwareDateTime(load_default=None)


ACCOUNTABILITY = "accountability"  # the sanction kind of a TJ-8.3 case concluded with a fault
# Inspection event type → (the assessment input kind, the record it describes, its instant).
FACTS = {
    "evaluation.submitted": (InputKind.EVALUATION, "evaluation_id", "submitted_at"),
    "complaint.upheld": (InputKind.COMPLAINT_UPHELD, "complaint_id", "decided_at"),
    "finding.recorded": (InputKind.FINDING, "finding_id", "recorded_at"),
    "sanction.imposed": (InputKind.SANCTION, "sanction_id", "at"),
}


def _fact_detail(kind: InputKind, fact: dict[str, Any]) -> str:
    if kind is InputKind.FINDING:
        return str(fact["severity"])  # the scheme's penalty depends on it
    if kind is InputKind.EVALUATION:
        return str(fact["level"])
    if kind is InputKind.SANCTION:
        return str(fact["kind"])
    return str(fact["misconduct"] or "")


def sanction_ref(fact: dict[str, Any]) -> str:
    """An accountability case's sanction (TJ-8.3) carries the case's id (`case_id`, and as its
    `sanction_id`), and the ladder's sanctions (TJ-8.1, TJ-8.2) number from 1 too: keyed apart,
    a lift of one never voids the other."""
    if fact["kind"] == ACCOUNTABILITY:
        return f"sanction:{ACCOUNTABILITY}:{fact.get('case_id') or fact['sanction_id']}"
    return f"sanction:{fact['sanction_id']}"


def inspection_fact(uow: UnitOfWork, event: CloudEvent) -> None:
    """An assessment input (EQ-3.2.2a), kept with the event it came from."""
    kind, ref_field, at_field = FACTS[".".join(event.type.split(".")[2:4])]
    fact = InspectionFactSeen().load(event.data)
    if kind is InputKind.SANCTION:
        ref = sanction_ref(fact)
    else:
        ref = f"{ref_field.removesuffix('_id')}:{fact[ref_field]}"
    at = fact[at_field] or event.time
    _record_fact(uow, event, ref, kind, fact, at)


def _record_fact(
    uow: UnitOfWork,
    event: CloudEvent,
    ref: str,
    kind: InputKind,
    fact: dict[str, Any],
    at: datetime,
) -> None:
    values = {
        "event_id": event.id,
        "ref": ref,
        "kind": kind.value,
        "staff_id": fact["staff_id"] or None,
        "window_id": fact["window_id"],
        "unit_code": fact["unit_code"],
        "on": clock.hall_day(at),
        "at": at,
        "value": fact["score"] if kind is InputKind.EVALUATION else 1,
        "detail": _fact_detail(kind, fact),
        "voided_by": _withdrawal(uow, ref, at),
    }
    upsert(uow.session, tables.assessment_inputs, ["event_id"], values)


# A withdrawal that arrives before the evaluation it withdraws (the evaluation's delivery failed
# once and is retried later) is kept as a row of this kind, which no score reads, so the
# evaluation is stored withdrawn when it comes.
WITHDRAWAL = "withdrawal"


def _withdrawal(uow: UnitOfWork, ref: str, at: datetime | None = None) -> str | None:
    """The withdrawal that came first and voids this fact: one with no instant voids every fact
    of its record, one with an instant those made before it (a sanction imposed again after
    it was lifted stands)."""
    table = tables.assessment_inputs
    query = select(table.c.event_id).where(table.c.ref == ref, table.c.kind == WITHDRAWAL)
    if at is not None:
        query = query.where(or_(table.c.at.is_(None), table.c.at >= at))
    return uow.session.execute(query.order_by(table.c.event_id).limit(1)).scalar()


def _void(uow: UnitOfWork, ref: str, event_id: str, before: datetime | None = None) -> int:
    """Marks the standing inputs from one inspection record void (their lines stay, for the
    record); with `before`, only those from before that instant. Returns how many."""
    table = tables.assessment_inputs
    where = [table.c.ref == ref, table.c.kind != WITHDRAWAL, table.c.voided_by.is_(None)]
    if before is not None:
        where.append(or_(table.c.at.is_(None), table.c.at <= before))
    marked: Any = uow.session.execute(update(table).where(*where).values(voided_by=event_id))
    return int(marked.rowcount)


def _void_or_wait(
    uow: UnitOfWork, event: CloudEvent, ref: str, fact: dict[str, Any], at: datetime
) -> None:
    """Voids the record's inputs made up to `at`; when there are none yet (the event that made
    them is still being retried), keeps a withdrawal, so that they are stored void on arrival."""
    if _void(uow, ref, event.id, before=at):
        return
    withdrawal = {
        "event_id": event.id,
        "ref": ref,
        "kind": WITHDRAWAL,
        "staff_id": None,
        "window_id": fact["window_id"],
        "unit_code": fact["unit_code"],
        "on": clock.hall_day(at),
        "at": at,
        "value": 0,
        "detail": f"{event.type.split('.')[3]} before the input arrived",
        "voided_by": event.id,
    }
    upsert(uow.session, tables.assessment_inputs, ["event_id"], withdrawal)


class SanctionSeen(Schema):
    """What staffing reads of `sanction.lifted` and `sanction.corrected` (SanctionV1)."""

    class Meta:
        unknown = EXCLUDE

    sanction_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    corrects_id = fields.Integer(load_default=None)
    case_id = fields.Integer(allow_none=True, load_default=None)
    staff_id = fields.String(allow_none=True, load_default=None)


def sanction_lifted(uow: UnitOfWork, event: CloudEvent) -> None:
    """An accountability case's sanction is lifted when its outcome is corrected to no fault
    (TJ-8.3): the window was not at fault, so the sanction stops counting against it (its line
    stays, marked). A ladder sanction lifted after verified rectification (a suspension, TJ-8.2)
    was still imposed that year and keeps counting."""
    fact = SanctionSeen().load(event.data)
    if fact["kind"] != ACCOUNTABILITY:
        return
    _void_or_wait(uow, event, sanction_ref(fact), fact, fact["at"])


def sanction_corrected(uow: UnitOfWork, event: CloudEvent) -> None:
    """An interview or an order corrected by a new entry: the entry it replaces stops counting
    and the new one counts in its place, so the window bears one sanction, not two."""
    fact = SanctionSeen().load(event.data)
    replaced = {**fact, "sanction_id": fact["corrects_id"], "case_id": None}
    _void_or_wait(uow, event, sanction_ref(replaced), fact, fact["at"])
    _record_fact(uow, event, sanction_ref(fact), InputKind.SANCTION, fact, fact["at"])


def evaluation_voided(uow: UnitOfWork, event: CloudEvent) -> None:
    """A review withdrawn on appeal no longer counts; the line stays, marked, for the record."""
    fact = InspectionFactSeen().load(event.data)
    ref = f"evaluation:{fact['evaluation_id']}"
    table = tables.assessment_inputs
    if _void(uow, ref, event.id):
        return
    withdrawal = {
        "event_id": event.id,
        "ref": ref,
        "kind": WITHDRAWAL,
        "staff_id": None,
        "window_id": fact["window_id"],
        "unit_code": fact["unit_code"],
        "on": clock.hall_day(fact["submitted_at"] or event.time),
        "value": 0,
        "detail": "withdrawn before the evaluation arrived",
        "voided_by": event.id,
    }
    upsert(uow.session, table, ["event_id"], withdrawal)


def complaint_corrected(uow: UnitOfWork, event: CloudEvent) -> None:
    """A corrected decision no longer stands: an upheld complaint stops counting. If the
    correction upholds it, the correction's own `complaint.upheld` is the one that counts."""
    if event.data.get("previous_outcome") != "upheld":
        return
    _void(uow, f"complaint:{event.data['complaint_id']}", event.id)


def finding_withdrawn(uow: UnitOfWork, event: CloudEvent) -> None:
    """A withdrawn finding no longer counts in the assessment; its line stays, marked."""
    _void(uow, f"finding:{event.data['finding_id']}", event.id)


def accountability_concluded(uow: UnitOfWork, event: CloudEvent) -> None:
    """A TJ-8.3 case's outcome against the staff member: only the latest outcome of a case
    stands, and `no_fault` costs nothing."""
    data = event.data
    ref = f"accountability:{data['case_id']}"
    table = tables.assessment_inputs
    _void(uow, ref, event.id)  # the outcome this one corrects no longer stands
    if data["outcome"] == "no_fault":
        return
    values = {
        "event_id": event.id,
        "ref": ref,
        "kind": InputKind.ACCOUNTABILITY.value,
        "staff_id": data["staff_id"],
        "window_id": data["window_id"],
        "unit_code": data["unit_code"],
        "on": clock.hall_day(datetime.fromisoformat(data["concluded_at"])),
        "value": 1,
        "detail": f"{data['kind']}: {data['outcome']}",
        "voided_by": None,
    }
    upsert(uow.session, table, ["event_id"], values)
