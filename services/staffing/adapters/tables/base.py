"""The metadata staffing's tables are on, with the messaging (inbox, outbox) and audit tables
every service has."""

from __future__ import annotations

from sqlalchemy import MetaData

from shared.audit_table import add_audit_table
from shared.messaging_tables import add_messaging_tables

metadata = MetaData()
add_messaging_tables(metadata)
add_audit_table(metadata)
