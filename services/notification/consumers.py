"""The events notification consumes: every routed type goes to `record_notices`."""

from __future__ import annotations

from sqlalchemy import insert

from services.notification import orm
from services.notification.domain.routing import ROUTES, notices_for
from shared.consumer import Handler
from shared.db import UnitOfWork, utcnow
from shared.events import CloudEvent


def record_notices(uow: UnitOfWork, event: CloudEvent) -> None:
    now = utcnow()
    for notice in notices_for(event.type, event.data):
        uow.session.execute(
            insert(orm.notices).values(
                recipient=notice.recipient,
                channel="inbox",
                event_id=event.id,
                event_type=event.type,
                subject=event.subject,
                title=notice.title,
                created_at=now,
            )
        )


SUBSCRIPTIONS: dict[str, Handler] = dict.fromkeys(ROUTES, record_notices)
