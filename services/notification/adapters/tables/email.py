"""The e-mail tables, on notification's one metadata: the address book and the deliveries."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from services.notification.adapters.tables.inbox import metadata
from shared.sqltypes import UTCDateTime

# Who gets e-mail for an inbox key. `source` says who set it: `registry` (a unit's contact,
# learned from `unit.registered`), or through the address book API, which registry never
# overwrites: `center` (any inbox) or `unit` (a unit for its own staff's inboxes).
email_addresses = Table(
    "email_addresses",
    metadata,
    Column("inbox_key", String(100), primary_key=True),
    Column("address", String(254), nullable=False),
    Column("language", String(2), nullable=False),
    Column("source", String(20), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# One e-mail per notice whose recipient has an address, rendered when recorded: what is sent
# is what was recorded. Status `pending` (due at `next_attempt_at`), `sent` or `dead`.
email_deliveries = Table(
    "email_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("event_time", UTCDateTime(), nullable=False),
    Column("recipient", String(100), nullable=False),
    Column("address", String(254), nullable=False),
    Column("language", String(2), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    # Set when the center sent it again by hand: its latency measures the wait for a person, not
    # the pipeline, so the latency histogram leaves it out.
    Column("requeued_at", UTCDateTime(), nullable=True),
    # The channel is this table: never two mails for one event and recipient.
    Index("ux_email_deliveries_once", "event_id", "recipient", unique=True),
    Index("ix_email_deliveries_due", "status", "next_attempt_at"),
    Index("ix_email_deliveries_recipient", "recipient", "id"),
)
