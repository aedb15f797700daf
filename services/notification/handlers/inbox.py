"""Notification's use cases: an inbox per recipient, read in the reader's language.

Each notice keeps its line in every language (rendered from templates/inbox/ when recorded);
a reader gets the one it asks for as `title`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import Session

from services.notification.adapters import tables
from shared.errors import NotFound
from shared.sqltypes import utcnow
from shared.unit_of_work import UnitOfWork

notices = tables.notices


@dataclass(frozen=True)
class InboxFilter:
    """What of an inbox a reader asks for, and in which order."""

    newest_first: bool = True
    types: tuple[str, ...] = ()
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    read: bool | None = None  # None: read and unread alike
    # Where the previous page ended: (created_at, id) of its last notice.
    after: tuple[datetime, int] | None = field(default=None)


def list_notices(
    uow: UnitOfWork,
    inboxes: tuple[str, ...],
    wanted: InboxFilter,
    limit: int,
    language: str,
) -> list[dict[str, Any]]:
    """A page of the inbox in (created_at, id) order, newest first unless asked otherwise: a
    keyset on both, so a page never skips or repeats a notice recorded in the same instant."""
    query = select(notices).where(notices.c.recipient.in_(inboxes))
    if wanted.types:
        query = query.where(notices.c.event_type.in_(wanted.types))
    if wanted.since is not None:
        query = query.where(notices.c.created_at >= wanted.since)
    if wanted.until is not None:
        query = query.where(notices.c.created_at < wanted.until)
    if wanted.read is not None:
        read = notices.c.read_at.is_not(None) if wanted.read else notices.c.read_at.is_(None)
        query = query.where(read)
    at, id_ = notices.c.created_at, notices.c.id
    if wanted.after is not None:
        when, last = wanted.after
        if wanted.newest_first:
            query = query.where(or_(at < when, and_(at == when, id_ < last)))
        else:
            query = query.where(or_(at > when, and_(at == when, id_ > last)))
    order = (at.desc(), id_.desc()) if wanted.newest_first else (at, id_)
    with uow:
        return _shown(uow.session, query.order_by(*order).limit(limit), language)


def inbox_page(
    session: Session,
    inboxes: tuple[str, ...],
    unread_only: bool,
    after: int,
    limit: int,
    language: str,
) -> list[dict[str, Any]]:
    query = (
        select(notices)
        .where(notices.c.recipient.in_(inboxes), notices.c.id > after)
        .order_by(notices.c.id)
        .limit(limit)
    )
    if unread_only:
        query = query.where(notices.c.read_at.is_(None))
    return _shown(session, query, language)


def unread_count(uow: UnitOfWork, inboxes: tuple[str, ...]) -> int:
    query = select(func.count()).where(
        notices.c.recipient.in_(inboxes), notices.c.read_at.is_(None)
    )
    with uow:
        return int(uow.session.execute(query).scalar_one())


def mark_read(
    uow: UnitOfWork, inboxes: tuple[str, ...], notice_id: int, language: str
) -> dict[str, Any]:
    mine = (notices.c.id == notice_id) & notices.c.recipient.in_(inboxes)
    with uow:
        row = uow.session.execute(select(notices.c.read_at).where(mine)).first()
        if row is None:
            raise NotFound(f"no notice {notice_id}")
        if row.read_at is None:
            uow.session.execute(update(notices).where(mine).values(read_at=utcnow()))
            uow.commit()
        [shown] = _shown(uow.session, select(notices).where(mine), language)
    return shown


def _shown(session: Session, query: Select[Any], language: str) -> list[dict[str, Any]]:
    """Rows as the API shows them: `title` in the reader's language, with that language."""
    rows = []
    for row in session.execute(query):
        shown = dict(row._mapping)
        shown["title"] = shown.pop(f"title_{language}")
        shown.pop("title_en" if language == "zh" else "title_zh")
        rows.append({**shown, "language": language})
    return rows
