"""The events staffing consumes: event type → handler, one table."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from services.staffing import orm
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
}
