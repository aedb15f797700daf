"""The lean read path (issue 19.1): what a GET reads, when it writes nothing, without a unit of
work. Its Core selects run on a pooled connection in autocommit: one round trip each, where a
unit of work sends a ping, BEGIN, the select and ROLLBACK through an ORM session.

No ping looks at the connection first (the pool recycles connections instead,
`shared.db.READ_POOL_RECYCLE`): a connection the server dropped is found by the read itself,
and the whole read is run once more on a new one. A database that keeps silent is not tried
again: the read's own bound (DB_READ_TIMEOUT) has passed already, and the web tier answers 503
as for any unreachable database (shared/pg.py, shared/problems.py).

A read of personal data that must be audited reads here, then writes its audit record in a
short transaction of its own (`UnitOfWork.record_reads`), as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

from shared.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")


class Reads:
    """A service's database, for reading only. Stateless: one per process serves every thread."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def first(self, statement: Select[Any]) -> Row[Any] | None:
        return self.run(lambda conn: conn.execute(statement).first())

    def all(self, statement: Select[Any]) -> list[Row[Any]]:
        return self.run(lambda conn: list(conn.execute(statement).all()))

    def run(self, read: Callable[[Connection], T]) -> T:
        """`read`'s selects on one connection; once more on a new one if it was dropped. `read`
        must only select: run again, it must give what one run would have."""
        try:
            with self.db.reading() as conn:
                return read(conn)
        except DBAPIError as exc:
            if not _dropped(exc):
                raise
            log.info("a read found its connection dropped; reading once more: %s", exc.orig)
        with self.db.reading() as conn:
            return read(conn)


def _dropped(error: DBAPIError) -> bool:
    """The connection was gone (the server restarted, an idle one cut), not the database silent."""
    if not error.connection_invalidated:
        return False
    from shared import pg  # only PostgreSQL's connections are bounded, and only there imported

    return not pg.timed_out(error.orig)
