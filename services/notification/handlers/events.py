"""What notification does with each event it takes in: the inbox notices first (recorded before
anything is sent), then each channel's share; an audit checkpoint is kept as well."""

from __future__ import annotations

from sqlalchemy import insert

from services.notification.adapters import tables, texts
from services.notification.domain.routing import recipients_for
from services.notification.handlers import applicants, email, webhooks
from shared import audit_checkpoints
from shared.events import CloudEvent
from shared.sqltypes import utcnow
from shared.unit_of_work import UnitOfWork


def record_notices(uow: UnitOfWork, event: CloudEvent) -> None:
    """The inbox notices first (recorded before anything is sent), then each channel's share of
    the event, all in one transaction."""
    applicants.learn_receipt(uow, event)
    recipients = recipients_for(event.type, event.data)
    _inbox(uow, event, recipients)
    email.on_notices(uow, event, recipients)
    webhooks.on_event(uow, event)


def _inbox(uow: UnitOfWork, event: CloudEvent, recipients: tuple[str, ...]) -> None:
    if not recipients:  # notification takes in every event (for webhooks); most notify nobody
        return
    titles = texts.inbox_titles(
        event.type, event.data, event_id=event.id, subject=event.subject, time=event.time
    )
    now = utcnow()
    uow.session.execute(
        insert(tables.notices),
        [
            {
                "recipient": recipient,
                "channel": "inbox",
                "event_id": event.id,
                "event_type": event.type,
                "subject": event.subject,
                "title_zh": titles["zh"],
                "title_en": titles["en"],
                "created_at": now,
            }
            for recipient in recipients
        ],
    )


def keep_checkpoint(uow: UnitOfWork, event: CloudEvent) -> None:
    """A service's audit checkpoint, kept as received (verified when a chain is), then passed on
    to the integrators' webhooks like any other event."""
    cp = audit_checkpoints.from_data(event.data)
    uow.session.execute(
        insert(tables.audit_checkpoints).values(
            event_id=event.id,
            service=cp.service,
            records=cp.records,
            last_id=cp.last_id,
            last_mac=cp.last_mac,
            at=cp.at,
            key_id=cp.key_id,
            signature=cp.signature,
            received_at=utcnow(),
        )
    )
    record_notices(uow, event)
