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


SUBSCRIPTIONS: dict[str, Handler] = {
    "govhall.registry.unit.registered.v1": unit_registered,
}
