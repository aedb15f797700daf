"""The events staffing consumes: event type → handler, one table; registry's units, cases and
windows copied here, inspection's facts in inspection_facts.py."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields
from sqlalchemy import select, update

from services.staffing.adapters import tables
from services.staffing.adapters.inspection_facts import (
    FACTS,
    accountability_concluded,
    complaint_corrected,
    evaluation_voided,
    finding_withdrawn,
    inspection_fact,
    sanction_corrected,
    sanction_lifted,
)
from services.staffing.domain.assessment import ENDED_STATES, PUBLISHED_STATES
from shared import clock
from shared.consumer import Handler
from shared.db import upsert
from shared.events import CloudEvent
from shared.sqltypes import utcnow
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
