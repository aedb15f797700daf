"""The `email-deliveries` sweep: send what is due over SMTP, retry with back-off, dead-letter.

Each run claims a batch in a short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite
serialises writers) by pushing the rows' `next_attempt_at` a lease ahead, then sends outside
any transaction, so a slow server never holds a lock. Another worker skips claimed rows; a
worker that dies mid-send leaves its rows to be tried again when the lease runs out (the
Message-ID stays the same, so a receiver can drop such a rare second copy).
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from services.notification.adapters import metrics, smtp
from services.notification.adapters.tables import email_deliveries
from services.notification.domain import email as rules
from shared.db import Database
from shared.service import ServiceRuntime
from shared.sqltypes import utcnow

log = logging.getLogger(__name__)

BATCH = 20


def deliver_due(rt: ServiceRuntime) -> int:
    """Send the deliveries that are due; returns how many were attempted. Without SMTP_HOST
    e-mail is disabled: nothing is claimed and deliveries wait, pending."""
    settings = rules.settings_from(os.environ)
    if not settings.enabled:
        return 0
    rows = claim(rt.db, settings)
    for row in rows:
        attempt(rt.db, settings, row)
    return len(rows)


def claim(db: Database, settings: rules.EmailSettings) -> list[Any]:
    now = utcnow()
    table = email_deliveries
    query = (
        select(table)
        .where(table.c.status == "pending", table.c.next_attempt_at <= now)
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(BATCH)
    )
    if db.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    lease = now + timedelta(seconds=max(60.0, settings.timeout * 6))
    with db.session() as session, session.begin():
        rows = session.execute(query).all()
        if rows:
            session.execute(
                update(table)
                .where(table.c.id.in_([row.id for row in rows]))
                .values(next_attempt_at=lease)
            )
    return list(rows)


def attempt(db: Database, settings: rules.EmailSettings, row: Any) -> None:
    mail = smtp.message(
        settings, row.address, row.subject, row.body_text, row.body_html, f"{row.id}.{row.event_id}"
    )
    try:
        smtp.send(settings, mail)
    except Exception as exc:
        log.warning("e-mail delivery %s to %s failed: %s", row.id, row.recipient, exc)
        _failed(db, settings, row, f"{type(exc).__name__}: {exc}")
    else:
        _sent(db, row)


def _sent(db: Database, row: Any) -> None:
    now = utcnow()
    with db.session() as session, session.begin():
        session.execute(
            update(email_deliveries)
            .where(email_deliveries.c.id == row.id)
            .values(
                status="sent",
                attempts=row.attempts + 1,
                sent_at=now,
                next_attempt_at=None,
                last_error=None,
            )
        )
    metrics.SENT.labels(metrics.EMAIL).inc()
    if row.requeued_at is None:  # sent again by hand: the wait was a person's, not measured
        metrics.observe_latency(metrics.EMAIL, row.event_time, now)


def _failed(db: Database, settings: rules.EmailSettings, row: Any, error: str) -> None:
    attempts = row.attempts + 1
    status = rules.after_failure(attempts, settings.max_attempts)
    due = (
        utcnow() + rules.backoff(attempts, settings.base_delay, settings.max_delay)
        if status == "pending"
        else None
    )
    with db.session() as session, session.begin():
        session.execute(
            update(email_deliveries)
            .where(email_deliveries.c.id == row.id)
            .values(status=status, attempts=attempts, next_attempt_at=due, last_error=error[:2000])
        )
    counter = metrics.RETRIED if status == "pending" else metrics.FAILED
    counter.labels(metrics.EMAIL).inc()
