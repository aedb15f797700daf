"""The one metadata all of inspection's tables are on, with shared's outbox, inbox and audit
tables."""

from __future__ import annotations

from sqlalchemy import MetaData

from shared.audit_table import add_audit_table
from shared.messaging_tables import add_messaging_tables

metadata = MetaData()
add_messaging_tables(metadata)
add_audit_table(metadata)
