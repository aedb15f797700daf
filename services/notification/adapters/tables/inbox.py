"""The one metadata all of notification's tables are on (with the outbox, inbox and audit
tables every service has), and the inbox's own: notices, case receipts, audit checkpoints."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

from shared.audit_table import add_audit_table
from shared.messaging_tables import add_messaging_tables
from shared.sqltypes import UTCDateTime

metadata = MetaData()
add_messaging_tables(metadata)
add_audit_table(metadata)

notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recipient", String(100), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("subject", String(200), nullable=False),
    # Rendered from templates/inbox/ when recorded, in both languages: what a reader sees is
    # what was recorded, whichever language they ask for later.
    Column("title_zh", Text, nullable=False),
    Column("title_en", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("read_at", UTCDateTime(), nullable=True),
    # The same event never gives one recipient two notices on one channel.
    Index("ux_notices_once", "event_id", "recipient", "channel", unique=True),
    Index("ix_notices_inbox", "recipient", "id"),
    # The inbox newest first (or oldest), keyset on (created_at, id): GET /notices.
    Index("ix_notices_inbox_time", "recipient", "created_at", "id"),
)

# The receipts of the cases registry accepted, each with the verifier of its query code (a slow
# salted hash, shared/receipts.py) learned from case.accepted: the applicant reads the case's
# notices with the number and the code, checked here without asking registry.
case_receipts = Table(
    "case_receipts",
    metadata,
    Column("receipt_number", String(40), primary_key=True),
    Column("case_id", Integer, nullable=False),
    Column("query_code_verifier", Text, nullable=False),
    Column("source_event_id", String(36), nullable=False),
    Column("learned_at", UTCDateTime(), nullable=False),
)

# The audit checkpoints of every service (shared/audit_checkpoints.py), as received: the anchors
# `govhall audit verify` compares each chain with, kept outside the audited service's database.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("service", String(20), nullable=False),
    Column("records", Integer, nullable=False),
    Column("last_id", Integer, nullable=False),
    Column("last_mac", String(64), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("signature", String(64), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Index("ix_audit_checkpoints_service", "service", "last_id"),
)
