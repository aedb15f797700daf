"""The events notification consumes: every routed type goes to `record_notices`."""

from __future__ import annotations

from sqlalchemy import insert

from services.notification import orm
from services.notification.domain.route import Notice
from services.notification.domain.routing import ROUTES, notices_for
from services.notification.email import handlers as email
from services.notification.webhooks import handlers as webhooks
from shared.consumer import Handler
from shared.db import UnitOfWork, utcnow
from shared.events import CloudEvent


def record_notices(uow: UnitOfWork, event: CloudEvent) -> None:
    """The inbox notices first (recorded before anything is sent), then each channel's share of
    the event, all in one transaction."""
    notices = notices_for(event.type, event.data)
    _inbox(uow, event, notices)
    email.on_notices(uow, event, notices)
    webhooks.on_event(uow, event)


def _inbox(uow: UnitOfWork, event: CloudEvent, notices: list[Notice]) -> None:
    now = utcnow()
    for notice in notices:
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


# "govhall.#": every other event too, for the webhooks integrators subscribe to.
SUBSCRIPTIONS: dict[str, Handler] = {
    **dict.fromkeys(ROUTES, record_notices),
    "govhall.#": record_notices,
}
