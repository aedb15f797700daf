"""A unit of work's last statements and its COMMIT in one round trip (psycopg's pipeline mode).

What a write sends after its own statements needs no answer before the commit: its audit record
for the sealer (shared/audit_sealer.py) and the NOTIFY that wakes the relays. Sent through
SQLAlchemy, each is a round trip of its own, and COMMIT one more; queued in a psycopg pipeline
they go out together and the server answers once. SQLAlchemy cannot run a whole unit of work in a
pipeline (it reads a result's description straight after each statement, which a pipeline only
has after its sync), so only this tail is pipelined.
"""

from __future__ import annotations

from typing import Any

import psycopg
from sqlalchemy import MetaData
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shared import audit_table

# The pending table's columns but its generated id, as shared/audit_table.py declares them.
_PENDING_COLUMNS = tuple(
    column.name
    for column in audit_table.add_pending_table(MetaData()).columns
    if column.autoincrement is not True
)
INSERT_PENDING = (
    f"INSERT INTO {audit_table.PENDING} ({', '.join(_PENDING_COLUMNS)})"
    f" VALUES ({', '.join(f'%({name})s' for name in _PENDING_COLUMNS)})"
)
NOTIFY_OUTBOX = "SELECT pg_notify('govhall_outbox', '')"


def commit(session: Session, pending: dict[str, Any] | None, notify: bool) -> None:
    """Insert `pending` (a row of audit_pending), NOTIFY if `notify`, and commit, in one round
    trip. A database error comes out as SQLAlchemy's (IntegrityError, OperationalError, …), as
    from any other statement."""
    driver: Any = session.connection().connection.driver_connection
    try:
        with driver.pipeline(), driver.cursor() as cursor:
            if pending is not None:
                cursor.execute(INSERT_PENDING, pending)
            if notify:
                cursor.execute(NOTIFY_OUTBOX)
            driver.commit()
    except psycopg.Error as exc:
        raise DBAPIError.instance(INSERT_PENDING, pending, exc, psycopg.Error) from exc
    session.commit()  # SQLAlchemy's side of it: the transaction is over, nothing more is sent
