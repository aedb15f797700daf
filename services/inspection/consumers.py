"""The events inspection consumes: event type → handler, one table."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from services.inspection import orm
from shared.consumer import Handler
from shared.db import UnitOfWork, upsert, utcnow
from shared.events import CloudEvent


class UnitSeen(Schema):
    """The fields inspection reads from registry's unit events (a tolerant reader)."""

    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True)
    name = fields.String(required=True)
    district = fields.String(required=True)


def unit_registered(uow: UnitOfWork, event: CloudEvent) -> None:
    unit = UnitSeen().load(event.data)
    values = {**unit, "learned_at": utcnow(), "source_event_id": event.id}
    upsert(uow.session, orm.units, ["code"], values)


class CaseSeen(Schema):
    class Meta:
        unknown = EXCLUDE

    case_id = fields.Integer(required=True)
    receipt_number = fields.String(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    matter_code = fields.String(required=True)
    stage = fields.String(required=True)
    accepted_on = fields.Date(required=True)
    on = fields.Date(required=True)
    overdue = fields.Boolean(load_default=False)


def case_changed(uow: UnitOfWork, event: CloudEvent) -> None:
    case = CaseSeen().load(event.data)
    done = case["stage"] in ("delivered", "refused")
    values = {
        "case_id": case["case_id"],
        "receipt_number": case["receipt_number"],
        "window_id": case["window_id"],
        "unit_code": case["unit_code"],
        "matter_code": case["matter_code"],
        "stage": case["stage"],
        "accepted_on": case["accepted_on"],
        "completed_on": case["on"] if done else None,
        "overdue": case["overdue"],
        "source_event_id": event.id,
    }
    upsert(uow.session, orm.cases, ["case_id"], values)


CASE_EVENTS = ("accepted", "advanced", "refused")

SUBSCRIPTIONS: dict[str, Handler] = {
    "govhall.registry.unit.registered.v1": unit_registered,
    **{f"govhall.registry.case.{verb}.v1": case_changed for verb in CASE_EVENTS},
}
