"""The events inspection consumes: event type → handler, one table."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields
from sqlalchemy import insert, select, update

from services.inspection import orm
from shared.consumer import Handler
from shared.db import UnitOfWork, utcnow
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
    exists = uow.session.execute(
        select(orm.units.c.code).where(orm.units.c.code == unit["code"])
    ).first()
    if exists:
        uow.session.execute(
            update(orm.units).where(orm.units.c.code == unit["code"]).values(values)
        )
    else:
        uow.session.execute(insert(orm.units).values(values))


SUBSCRIPTIONS: dict[str, Handler] = {
    "govhall.registry.unit.registered.v1": unit_registered,
}
