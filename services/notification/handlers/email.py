"""E-mail use cases: learn addresses, record one delivery per notice, list and retry them.

A delivery is recorded in the consumer's transaction, with the inbox notice it comes from
(never lose); the unique (event, recipient) index keeps one mail per notice (never spam). The
`email-deliveries` sweep (services/notification/handlers/email_delivery.py) sends what is due.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from services.notification.adapters import email_texts
from services.notification.adapters.tables import email_addresses, email_deliveries
from services.notification.domain import email as rules
from services.notification.domain import inboxes
from services.notification.handlers import email_delivery
from shared.db import upsert
from shared.errors import Invalid, NotFound, StateConflict
from shared.events import CloudEvent
from shared.service import Sweep
from shared.sqltypes import utcnow
from shared.unit_of_work import UnitOfWork

SWEEPS: tuple[Sweep, ...] = (Sweep("email-deliveries", 5.0, email_delivery.deliver_due),)

UNIT_CONTACTS = ("govhall.registry.unit.registered.v1", "govhall.registry.unit.updated.v1")


def on_notices(uow: UnitOfWork, event: CloudEvent, recipients: Sequence[str]) -> None:
    """Called with the recipients of the inbox notices just recorded for `event`, in the same
    transaction."""
    if event.type in UNIT_CONTACTS:
        learn_unit_contacts(uow, event)  # first, so a new unit's own notice reaches it
    if not recipients:  # notification takes in every event (for webhooks); most notify nobody
        return
    book = _addresses(uow.session, set(recipients))
    for recipient in recipients:
        entry = book.get(recipient)
        if entry is not None:
            _record(uow.session, event, recipient, entry)


def learn_unit_contacts(uow: UnitOfWork, event: CloudEvent) -> None:
    """A unit's address is its first contact with an e-mail, unless the center set one."""
    key = f"unit:{event.data['code']}"
    address = rules.unit_address(event.data.get("contacts") or [])
    current = uow.session.execute(
        select(email_addresses.c.source).where(email_addresses.c.inbox_key == key)
    ).scalar_one_or_none()
    if current == "center":
        return
    if address is None:
        if current is not None:  # nothing to forget: no statement (nor its audit lookup)
            uow.session.execute(delete(email_addresses).where(email_addresses.c.inbox_key == key))
        return
    values = {"address": address, "language": "zh", "source": "registry", "updated_at": utcnow()}
    upsert(uow.session, email_addresses, ["inbox_key"], {"inbox_key": key, **values})


def _addresses(session: Session, keys: Iterable[str]) -> dict[str, Any]:
    rows = session.execute(
        select(email_addresses).where(email_addresses.c.inbox_key.in_(list(keys)))
    )
    return {row.inbox_key: row for row in rows}


def _record(session: Session, event: CloudEvent, recipient: str, entry: Any) -> None:
    seen = session.execute(
        select(email_deliveries.c.id).where(
            email_deliveries.c.event_id == event.id, email_deliveries.c.recipient == recipient
        )
    ).first()
    if seen is not None:  # a replayed event: its mail is already recorded
        return
    mail = email_texts.render(
        event.type,
        entry.language,
        event.data,
        event_id=event.id,
        subject=event.subject,
        time=event.time,
    )
    now = utcnow()
    session.execute(
        email_deliveries.insert().values(
            event_id=event.id,
            event_type=event.type,
            event_time=event.time,
            recipient=recipient,
            address=entry.address,
            language=entry.language,
            subject=mail.subject,
            body_text=mail.text,
            body_html=mail.html,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )


# The address book (center).


def list_addresses(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        rows = uow.session.execute(select(email_addresses).order_by(email_addresses.c.inbox_key))
        return [dict(row._mapping) for row in rows]


def put_address(
    uow: UnitOfWork, key: str, address: str, language: str, source: str = "center"
) -> dict[str, Any]:
    """`source` is who sets it: the center, or a unit (for its own staff, checked by the API)."""
    if not rules.is_inbox_key(key):
        raise Invalid(
            f"{key!r} is no inbox with an address: authority, center, inspector, unit:<code>, "
            "staff:<unit code>:<staff id>, district:<name> or integrator:<sub>",
            field="inbox_key",
        )
    if not rules.is_address(address.strip()):
        raise Invalid(f"{address!r} is not an e-mail address", field="address")
    values = {
        "inbox_key": key,
        "address": address.strip(),
        "language": language,
        "source": source,
        "updated_at": utcnow(),
    }
    with uow:
        upsert(uow.session, email_addresses, ["inbox_key"], values)
        uow.commit()
    return values


def delete_address(uow: UnitOfWork, key: str) -> None:
    with uow:
        gone = uow.session.execute(
            delete(email_addresses).where(email_addresses.c.inbox_key == key)
        )
        if not getattr(gone, "rowcount", 0):
            raise NotFound(f"no address for {key}")
        uow.commit()


# Deliveries (center and authority; a unit its own and its staff's).


def list_deliveries(
    uow: UnitOfWork, unit: str | None, status: str | None, after: int, limit: int
) -> list[dict[str, Any]]:
    """Every delivery, or with `unit` those of that unit's inbox and its staff's."""
    recipient = email_deliveries.c.recipient
    query = (
        select(email_deliveries)
        .where(email_deliveries.c.id > after)
        .order_by(email_deliveries.c.id)
        .limit(limit)
    )
    if unit is not None:
        staff = inboxes.staff_key(unit, "")
        query = query.where(
            (recipient == inboxes.unit_key(unit)) | recipient.startswith(staff, autoescape=True)
        )
    if status is not None:
        query = query.where(email_deliveries.c.status == status)
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(query)]


def retry(uow: UnitOfWork, delivery_id: int) -> dict[str, Any]:
    """Try a dead (or waiting) delivery again now, with a fresh count of attempts."""
    this = email_deliveries.c.id == delivery_id
    with uow:
        row = uow.session.execute(select(email_deliveries).where(this)).first()
        if row is None:
            raise NotFound(f"no e-mail delivery {delivery_id}")
        if row.status == "sent":
            raise StateConflict(
                f"e-mail delivery {delivery_id} was sent at {row.sent_at}: it is never sent twice"
            )
        now = utcnow()
        uow.session.execute(
            update(email_deliveries)
            .where(this)
            .values(status="pending", attempts=0, next_attempt_at=now, requeued_at=now)
        )
        uow.commit()
        fresh = uow.session.execute(select(email_deliveries).where(this)).one()
    return dict(fresh._mapping)
