"""Notification's use cases: an inbox per recipient."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from services.notification import orm
from shared.db import UnitOfWork, utcnow
from shared.errors import NotFound


def list_notices(
    uow: UnitOfWork, inboxes: tuple[str, ...], unread_only: bool, after: int, limit: int
) -> list[dict[str, Any]]:
    query = (
        select(orm.notices)
        .where(orm.notices.c.recipient.in_(inboxes), orm.notices.c.id > after)
        .order_by(orm.notices.c.id)
        .limit(limit)
    )
    if unread_only:
        query = query.where(orm.notices.c.read_at.is_(None))
    with uow:
        return [dict(row._mapping) for row in uow.session.execute(query)]


def unread_count(uow: UnitOfWork, inboxes: tuple[str, ...]) -> int:
    query = select(func.count()).where(
        orm.notices.c.recipient.in_(inboxes), orm.notices.c.read_at.is_(None)
    )
    with uow:
        return int(uow.session.execute(query).scalar_one())


def mark_read(uow: UnitOfWork, inboxes: tuple[str, ...], notice_id: int) -> dict[str, Any]:
    mine = (orm.notices.c.id == notice_id) & orm.notices.c.recipient.in_(inboxes)
    with uow:
        row = uow.session.execute(select(orm.notices).where(mine)).first()
        if row is None:
            raise NotFound(f"no notice {notice_id}")
        if row.read_at is None:
            uow.session.execute(update(orm.notices).where(mine).values(read_at=utcnow()))
            uow.commit()
            row = uow.session.execute(select(orm.notices).where(mine)).first()
    return dict(row._mapping)  # type: ignore[union-attr]
