"""`Idempotency-Key` on writes: a retried request gets the first answer, and has no new effect.

The key is claimed in its own transaction before the handler runs (so two concurrent requests
with one key cannot both run), and the answer is stored after. A claim whose request died
before answering is given up after `ABANDONED_AFTER`, so the client may retry; in that narrow
case the write may happen twice, which the database constraints of each service limit.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from flask import Response, g, request
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from shared.db import Database
from shared.errors import Conflict, Invalid
from shared.sqltypes import utcnow

HEADER = "Idempotency-Key"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ABANDONED_AFTER = timedelta(seconds=60)
MAX_KEY = 200


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def claim(db: Database, actor: str) -> Response | None:
    """Before the view: None to go on, or the stored answer of the first request."""
    key = request.headers.get(HEADER)
    if key is None or request.method not in WRITES:
        return None
    if not 1 <= len(key) <= MAX_KEY:
        raise Invalid(f"{HEADER} is 1–{MAX_KEY} characters", field=HEADER)
    table = db.table("idempotency_keys")
    fingerprint = _fingerprint()
    row = {"actor": actor, "key": key, "request_hash": fingerprint, "created_at": utcnow()}
    try:
        with db.session() as session, session.begin():
            session.execute(insert(table).values(row))
    except IntegrityError:
        return _replay(db, actor, key, fingerprint)
    g.idempotency = (actor, key)
    return None


def _replay(db: Database, actor: str, key: str, fingerprint: str) -> Response | None:
    table = db.table("idempotency_keys")
    mine = (table.c.actor == actor) & (table.c.key == key)
    with db.session() as session:
        first = session.execute(select(table).where(mine)).first()
    if first is None:  # given up meanwhile: claim it afresh
        return claim(db, actor)
    if first.request_hash != fingerprint:
        raise Invalid(f"this {HEADER} was used for a different request", field=HEADER)
    if first.status is None:
        if utcnow() - first.created_at < ABANDONED_AFTER:
            raise Conflict(f"a request with this {HEADER} is still being handled; retry later")
        with db.session() as session, session.begin():
            session.execute(delete(table).where(mine & table.c.status.is_(None)))
        return claim(db, actor)
    response = Response(first.response, status=first.status, mimetype=first.content_type)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def remember(db: Database, response: Response) -> None:
    """After the view: keep the answer, or free the key if the request failed on our side."""
    claimed: tuple[str, str] | None = g.pop("idempotency", None)
    if claimed is None:
        return
    table = db.table("idempotency_keys")
    mine = (table.c.actor == claimed[0]) & (table.c.key == claimed[1])
    with db.session() as session, session.begin():
        # A 429 did nothing either: the retry after Retry-After must be tried, not replayed.
        if response.status_code >= 500 or response.status_code == 429:
            session.execute(delete(table).where(mine))
            return
        values: dict[str, Any] = {
            "status": response.status_code,
            "response": response.get_data(as_text=True),
            "content_type": response.mimetype,
        }
        session.execute(update(table).where(mine).values(values))
