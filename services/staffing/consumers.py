"""The events staffing consumes: event type → handler, one table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, fields
from sqlalchemy import select, update

from services.staffing import orm
from services.staffing.domain.assessment import InputKind
from shared import clock
from shared.consumer import Handler
from shared.db import UnitOfWork, upsert, utcnow
from shared.events import CloudEvent


class UnitSeen(Schema):
    """The fields staffing reads from registry's unit events (a tolerant reader)."""

    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True)
    name = fields.String(required=True)
    district = fields.String(required=True)


def unit_registered(uow: UnitOfWork, event: CloudEvent) -> None:
    unit = UnitSeen().load(event.data)
    values = {**unit, "learned_at": utcnow(), "source_event_id": event.id}
    upsert(uow.session, orm.units, ["code"], values)


class CaseStepSeen(Schema):
    class Meta:
        unknown = EXCLUDE

    case_id = fields.Integer(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    stage = fields.String(required=True)
    staff_id = fields.String(required=True)
    on = fields.Date(required=True)
    overdue = fields.Boolean(load_default=False)


def case_step(uow: UnitOfWork, event: CloudEvent) -> None:
    step = CaseStepSeen().load(event.data)
    if step["staff_id"]:
        upsert(uow.session, orm.case_work, ["event_id"], {**step, "event_id": event.id})


class WindowSeen(Schema):
    class Meta:
        unknown = EXCLUDE

    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    co_units = fields.List(fields.String(), required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    type = fields.String(required=True)
    state = fields.String(required=True)


def window_changed(uow: UnitOfWork, event: CloudEvent) -> None:
    seen = WindowSeen().load(event.data)
    window_id = seen.pop("window_id")
    values = {**seen, "id": window_id, "source_event_id": event.id}
    upsert(uow.session, orm.windows, ["id"], values)


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
    score = fields.Integer(load_default=1)
    level = fields.String(load_default="")
    severity = fields.String(load_default="")
    kind = fields.String(load_default="")
    misconduct = fields.String(allow_none=True, load_default=None)
    submitted_at = fields.AwareDateTime(load_default=None)
    decided_at = fields.AwareDateTime(load_default=None)
    recorded_at = fields.AwareDateTime(load_default=None)
    at = fields.AwareDateTime(load_default=None)


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


def inspection_fact(uow: UnitOfWork, event: CloudEvent) -> None:
    """An assessment input (EQ-3.2.2a), kept with the event it came from."""
    kind, ref_field, at_field = FACTS[".".join(event.type.split(".")[2:4])]
    fact = InspectionFactSeen().load(event.data)
    ref = f"{ref_field.removesuffix('_id')}:{fact[ref_field]}"
    values = {
        "event_id": event.id,
        "ref": ref,
        "kind": kind.value,
        "staff_id": fact["staff_id"] or None,
        "window_id": fact["window_id"],
        "unit_code": fact["unit_code"],
        "on": clock.hall_day(fact[at_field] or event.time),
        "value": fact["score"] if kind is InputKind.EVALUATION else 1,
        "detail": _fact_detail(kind, fact),
        "voided_by": _withdrawal(uow, ref),
    }
    upsert(uow.session, orm.assessment_inputs, ["event_id"], values)


# A withdrawal that arrives before the evaluation it withdraws (the evaluation's delivery failed
# once and is retried later) is kept as a row of this kind, which no score reads, so the
# evaluation is stored withdrawn when it comes.
WITHDRAWAL = "withdrawal"


def _withdrawal(uow: UnitOfWork, ref: str) -> str | None:
    table = orm.assessment_inputs
    return uow.session.execute(
        select(table.c.event_id).where(table.c.ref == ref, table.c.kind == WITHDRAWAL)
    ).scalar()


def _void(uow: UnitOfWork, ref: str, event_id: str) -> int:
    """Marks the standing inputs from one inspection record void (their lines stay, for the
    record); returns how many."""
    table = orm.assessment_inputs
    marked: Any = uow.session.execute(
        update(table)
        .where(table.c.ref == ref, table.c.kind != WITHDRAWAL, table.c.voided_by.is_(None))
        .values(voided_by=event_id)
    )
    return int(marked.rowcount)


def evaluation_voided(uow: UnitOfWork, event: CloudEvent) -> None:
    """A review withdrawn on appeal no longer counts; the line stays, marked, for the record."""
    fact = InspectionFactSeen().load(event.data)
    ref = f"evaluation:{fact['evaluation_id']}"
    table = orm.assessment_inputs
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
    table = orm.assessment_inputs
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


CASE_EVENTS = ("accepted", "advanced", "refused")
WINDOW_EVENTS = (
    "applied",
    "inspected",
    "reviewed",
    "rejected",
    "approved",
    "agreed",
    "published",
    "details_changed",
    "opened",
    "closed",
    "suspended",
    "reinstated",
    "terminated",
    "revocation_requested",
    "revoked",
)

SUBSCRIPTIONS: dict[str, Handler] = {
    "govhall.registry.unit.registered.v1": unit_registered,
    **{f"govhall.registry.case.{verb}.v1": case_step for verb in CASE_EVENTS},
    **{f"govhall.registry.window.{verb}.v1": window_changed for verb in WINDOW_EVENTS},
    **{f"govhall.inspection.{name}.v1": inspection_fact for name in FACTS},
    "govhall.inspection.evaluation.voided.v1": evaluation_voided,
    "govhall.inspection.complaint.corrected.v1": complaint_corrected,
    "govhall.inspection.finding.withdrawn.v1": finding_withdrawn,
    "govhall.inspection.accountability.concluded.v1": accountability_concluded,
}
