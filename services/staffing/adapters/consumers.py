"""The events staffing consumes: event type → handler, one table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, fields
from sqlalchemy import or_, select, update

from services.staffing.adapters import tables
from services.staffing.domain.assessment import ENDED_STATES, PUBLISHED_STATES, InputKind
from shared import clock
from shared.consumer import Handler
from shared.db import upsert, utcnow
from shared.events import CloudEvent
from shared.unit_of_work import UnitOfWork


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
    upsert(uow.session, tables.units, ["code"], values)


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
        upsert(uow.session, tables.case_work, ["event_id"], {**step, "event_id": event.id})


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
    hall_code = fields.String(load_default=None)
    # The day registry published it (TJ-5.6); events from before it was sent carry none.
    published_on = fields.Date(allow_none=True, load_default=None)


def window_changed(uow: UnitOfWork, event: CloudEvent) -> None:
    """The window as registry has it now, its hall, and the days it was published and first seen
    ended: the years it is assessed in and by which hall (EQ-3.2.2a), whatever order the events
    come in. The publication day is registry's where the event carries it, else the first day
    staffing saw it published."""
    seen = WindowSeen().load(event.data)
    window_id = seen.pop("window_id")
    stated = seen.pop("published_on")
    known = uow.session.execute(
        select(
            tables.windows.c.published_on, tables.windows.c.ended_on, tables.windows.c.hall_code
        ).where(tables.windows.c.id == window_id)
    ).first()
    published_on, ended_on, hall = known if known else (None, None, None)
    day = clock.hall_day(event.time)
    if stated is not None:
        published_on = stated
    elif seen["state"] in PUBLISHED_STATES:
        published_on = min(published_on or day, day)
    if seen["state"] in ENDED_STATES:
        ended_on = min(ended_on or day, day)
    values = {
        **seen,
        "hall_code": seen["hall_code"] or hall,
        "id": window_id,
        "source_event_id": event.id,
        "published_on": published_on,
        "ended_on": ended_on,
    }
    upsert(uow.session, tables.windows, ["id"], values)
    if values["hall_code"]:
        _adopt_hall_less_assessments(uow, values["hall_code"])


# The tables whose rows were written before staffing kept halls (sta0011 gave them '').
HALL_KEYED = (
    tables.assessment_cycles,
    tables.assessment_results,
    tables.assessment_stints,
    tables.assessment_window_results,
    tables.assessment_unit_weights,
    tables.assessment_grade_changes,
    tables.assessment_appeals,
    tables.personal_records,
)


def _adopt_hall_less_assessments(uow: UnitOfWork, hall: str) -> None:
    """Assessments from before halls were kept covered every window staffing knew; while one
    hall is known they are that hall's (EQ-3.2.2a), and the first hall learned takes them."""
    cycles = tables.assessment_cycles
    if uow.session.execute(select(cycles.c.year).where(cycles.c.hall_code == "")).first() is None:
        return
    halls = uow.session.execute(
        select(tables.windows.c.hall_code).where(tables.windows.c.hall_code.is_not(None)).distinct()
    ).scalars()
    if set(halls) != {hall}:
        return
    for table in HALL_KEYED:
        uow.session.execute(update(table).where(table.c.hall_code == "").values(hall_code=hall))


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
    "govhall.inspection.sanction.lifted.v1": sanction_lifted,
    "govhall.inspection.sanction.corrected.v1": sanction_corrected,
    "govhall.inspection.complaint.corrected.v1": complaint_corrected,
    "govhall.inspection.finding.withdrawn.v1": finding_withdrawn,
    "govhall.inspection.accountability.concluded.v1": accountability_concluded,
}
