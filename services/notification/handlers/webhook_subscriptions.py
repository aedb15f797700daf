"""An integrator's subscriptions, their delivery log and replays. Every use case is confined to
the caller's own subscriptions (`owner` = the token's `sub`): another's is "not found"."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, insert, select, update

from services.notification.adapters.tables import (
    webhook_attempts,
    webhook_deliveries,
    webhook_events,
    webhook_subscriptions,
)
from services.notification.contracts import webhooks as contracts
from services.notification.domain import webhooks as rules
from services.notification.handlers.webhooks import queued, wants
from shared import clock
from shared.db import insert_returning_id
from shared.errors import Invalid, NotFound, StateConflict
from shared.events import EventType
from shared.reads import Reads
from shared.unit_of_work import UnitOfWork

# A rotated-out secret still signs for this long, so a receiver can switch without a gap.
ROTATION_OVERLAP = timedelta(hours=24)
LONGEST_REPLAY = timedelta(days=31)
MOST_REPLAYED = 10_000
ATTEMPTS_SHOWN = 20


def create(uow: UnitOfWork, owner: str, body: dict[str, Any]) -> dict[str, Any]:
    now = clock.now()
    values = {
        "owner": owner,
        "url": rules.check_url(body["url"]),
        "event_types": rules.check_patterns(body["event_types"]),
        "description": body.get("description", ""),
        "secret": rules.new_secret(),
        "enabled": True,
        "consecutive_failures": 0,
        "created_at": now,
        "updated_at": now,
    }
    with uow:
        subscription_id = insert_returning_id(uow.session, webhook_subscriptions, values)
        row = _load(uow, owner, subscription_id)
        _emit(uow, contracts.WEBHOOK_CREATED, row)
        uow.commit()
    return dict(row._mapping)  # the only answer besides a rotation that shows the secret


def list_own(reads: Reads, owner: str, after: int, limit: int) -> list[dict[str, Any]]:
    query = (
        select(webhook_subscriptions)
        .where(webhook_subscriptions.c.owner == owner, webhook_subscriptions.c.id > after)
        .order_by(webhook_subscriptions.c.id)
        .limit(limit)
    )
    return [dict(row._mapping) for row in reads.all(query)]


def get(reads: Reads, owner: str, subscription_id: int) -> dict[str, Any]:
    return dict(_found(reads.first(_own(owner, subscription_id)), subscription_id)._mapping)


def change(
    uow: UnitOfWork, owner: str, subscription_id: int, body: dict[str, Any]
) -> dict[str, Any]:
    """New patterns, URL or description; `enabled` true starts afresh (failure count reset),
    and deliveries left pending while it was disabled go out again."""
    changes: dict[str, Any] = {}
    if "url" in body:
        changes["url"] = rules.check_url(body["url"])
    if "event_types" in body:
        changes["event_types"] = rules.check_patterns(body["event_types"])
    if "description" in body:
        changes["description"] = body["description"]
    if "enabled" in body:
        changes["enabled"] = body["enabled"]
        if body["enabled"]:
            changes.update(consecutive_failures=0, disabled_reason=None)
        else:
            changes["disabled_reason"] = "disabled by its owner"
    if not changes:
        raise Invalid("change at least one of url, event_types, description, enabled")
    with uow:
        _load(uow, owner, subscription_id)
        _update(uow, subscription_id, changes)
        row = _load(uow, owner, subscription_id)
        _emit(uow, contracts.WEBHOOK_UPDATED, row)
        uow.commit()
    return dict(row._mapping)


def rotate_secret(uow: UnitOfWork, owner: str, subscription_id: int) -> dict[str, Any]:
    now = clock.now()
    with uow:
        old = _load(uow, owner, subscription_id)
        _update(
            uow,
            subscription_id,
            {
                "secret": rules.new_secret(),
                "previous_secret": old.secret,
                "previous_secret_until": now + ROTATION_OVERLAP,
            },
        )
        row = _load(uow, owner, subscription_id)
        _emit(uow, contracts.WEBHOOK_SECRET_ROTATED, row)
        uow.commit()
    return dict(row._mapping)


def deliveries(
    uow: UnitOfWork, owner: str, subscription_id: int, status: str | None, after: int, limit: int
) -> list[dict[str, Any]]:
    """The subscription's deliveries, newest first, each with its latest attempts."""
    query = (
        select(webhook_deliveries)
        .where(webhook_deliveries.c.subscription_id == subscription_id)
        .order_by(webhook_deliveries.c.id.desc())
        .limit(limit)
    )
    if after:
        query = query.where(webhook_deliveries.c.id < after)
    if status:
        query = query.where(webhook_deliveries.c.status == status)
    with uow:
        _load(uow, owner, subscription_id)
        rows = [dict(row._mapping) for row in uow.session.execute(query)]
        _with_attempts(uow, rows)
    return rows


def delivery(uow: UnitOfWork, owner: str, delivery_id: int) -> dict[str, Any]:
    with uow:
        row = dict(_own_delivery(uow, owner, delivery_id)._mapping)
        _with_attempts(uow, [row])
    return row


def replay_delivery(uow: UnitOfWork, owner: str, delivery_id: int) -> dict[str, Any]:
    """Send one delivery again, with the same `webhook-id` (receivers de-duplicate on it)."""
    now = clock.now()
    with uow:
        row = _own_delivery(uow, owner, delivery_id)
        if row.status == "pending":
            raise StateConflict(f"delivery {delivery_id} is already on its way", field="status")
        _requeue(uow, [row.id], now)
        subscription = _load(uow, owner, row.subscription_id)
        _emit_replayed(uow, subscription, 1, None, None, now)
        uow.commit()
        result = dict(_own_delivery(uow, owner, delivery_id)._mapping)
        _with_attempts(uow, [result])
    return result


def replay_range(
    uow: UnitOfWork, owner: str, subscription_id: int, start: datetime, end: datetime
) -> int:
    """Send again every event received in [start, end) that the subscription matches now:
    delivered or failed ones are re-queued, ones it never had are added; pending ones are
    already on their way."""
    rules.check_range(start, end, LONGEST_REPLAY)
    now = clock.now()
    with uow:
        subscription = _load(uow, owner, subscription_id)
        events = uow.session.execute(
            select(webhook_events.c.event_id, webhook_events.c.type, webhook_events.c.body)
            .where(webhook_events.c.received_at >= start, webhook_events.c.received_at < end)
            .order_by(webhook_events.c.received_at)
            .limit(MOST_REPLAYED + 1)
        ).all()
        if len(events) > MOST_REPLAYED:
            raise Invalid(f"more than {MOST_REPLAYED} events in range: narrow it", field="to")
        wanted = [e for e in events if wants(subscription, e.type, _data(e.body))]
        count = _queue_events(uow, subscription_id, wanted, now)
        _emit_replayed(uow, subscription, count, start, end, now)
        uow.commit()
    return count


def _queue_events(uow: UnitOfWork, subscription_id: int, events: list[Any], now: datetime) -> int:
    existing = {
        row.event_id: row
        for row in uow.session.execute(
            select(webhook_deliveries).where(
                webhook_deliveries.c.subscription_id == subscription_id,
                webhook_deliveries.c.event_id.in_([e.event_id for e in events]),
            )
        )
    }
    again = [r.id for r in existing.values() if r.status != "pending"]
    _requeue(uow, again, now)
    new = [
        queued(subscription_id, e.event_id, e.type, now, replay=True)
        for e in events
        if e.event_id not in existing
    ]
    if new:
        uow.session.execute(insert(webhook_deliveries), new)
    return len(again) + len(new)


def _data(body: str) -> dict[str, Any]:
    data = json.loads(body).get("data")
    return data if isinstance(data, dict) else {}


def _requeue(uow: UnitOfWork, delivery_ids: list[int], now: datetime) -> None:
    if delivery_ids:
        uow.session.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id.in_(delivery_ids))
            .values(
                status="pending",
                attempts=0,
                next_attempt_at=now,
                lease=None,
                updated_at=now,
                requeued_at=now,
            )
        )


def _with_attempts(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    ids = [row["id"] for row in rows]
    attempts: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for attempt in uow.session.execute(
        select(webhook_attempts)
        .where(webhook_attempts.c.delivery_id.in_(ids))
        .order_by(webhook_attempts.c.id.desc())
    ):
        shown = attempts[attempt.delivery_id]
        if len(shown) < ATTEMPTS_SHOWN:
            shown.append(dict(attempt._mapping))
    for row in rows:
        row["attempts_log"] = attempts[row["id"]]


def _load(uow: UnitOfWork, owner: str, subscription_id: int) -> Any:
    return _found(uow.session.execute(_own(owner, subscription_id)).first(), subscription_id)


def _own(owner: str, subscription_id: int) -> Select[Any]:
    return select(webhook_subscriptions).where(
        webhook_subscriptions.c.id == subscription_id, webhook_subscriptions.c.owner == owner
    )


def _found(row: Any, subscription_id: int) -> Any:
    if row is None:
        raise NotFound(f"no webhook subscription {subscription_id}")
    return row


def _own_delivery(uow: UnitOfWork, owner: str, delivery_id: int) -> Any:
    row = uow.session.execute(
        select(webhook_deliveries)
        .join(webhook_subscriptions)
        .where(webhook_deliveries.c.id == delivery_id, webhook_subscriptions.c.owner == owner)
    ).first()
    if row is None:
        raise NotFound(f"no webhook delivery {delivery_id}")
    return row


def _update(uow: UnitOfWork, subscription_id: int, changes: dict[str, Any]) -> None:
    uow.session.execute(
        update(webhook_subscriptions)
        .where(webhook_subscriptions.c.id == subscription_id)
        .values(**changes, updated_at=clock.now())
    )


def _emit(uow: UnitOfWork, event: EventType, row: Any) -> None:
    uow.emit(
        event.name,
        subject=str(row.id),
        data={
            "subscription_id": row.id,
            "owner": row.owner,
            "event_types": row.event_types,
            "enabled": row.enabled,
            "at": row.updated_at,
        },
    )


def _emit_replayed(
    uow: UnitOfWork,
    subscription: Any,
    count: int,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
) -> None:
    uow.emit(
        contracts.WEBHOOK_REPLAYED.name,
        subject=str(subscription.id),
        data={
            "subscription_id": subscription.id,
            "owner": subscription.owner,
            "deliveries": count,
            "start": start,
            "end": end,
            "at": now,
        },
    )
