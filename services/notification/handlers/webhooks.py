"""Webhook deliveries: recorded with the event that causes them, sent by a sweep, retried with
back-off, and a subscription that keeps failing is disabled and its owner told.

Sending happens outside any transaction (a receiver has up to `WEBHOOK_TIMEOUT` seconds). A
sweep claims due rows with a lease: it stamps them with its own token and moves
`next_attempt_at` past the time a try can take, so a second sweep (another worker process)
skips them, and a sweep that dies leaves them due again once the lease runs out. On PostgreSQL
the claim itself uses FOR UPDATE SKIP LOCKED; on SQLite the write lock serialises claims.
"""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from services.notification.adapters import metrics, webhook_sender
from services.notification.adapters.tables import (
    webhook_attempts,
    webhook_deliveries,
    webhook_events,
    webhook_subscriptions,
)
from services.notification.contracts import webhooks as contracts
from services.notification.domain import webhooks as rules
from shared import clock
from shared.events import CloudEvent
from shared.service import ServiceRuntime, Sweep
from shared.unit_of_work import UnitOfWork

BATCH = 50
SENDERS = 8
ACTOR = "notification:webhooks"
OWNER_ONLY = "govhall.notification.webhook."


def settings() -> rules.WebhookSettings:
    return rules.WebhookSettings.from_env(os.environ)


# -- recording, in the consumer's transaction ---------------------------------------------------
_ENABLED = select(webhook_subscriptions).where(webhook_subscriptions.c.enabled.is_(True))


def on_event(uow: UnitOfWork, event: CloudEvent) -> None:
    """Called with every event notification receives, in the same transaction: the event is kept
    (for replays) and one delivery is recorded per enabled subscription it matches."""
    now = clock.now()
    # The row as parameters of one statement, and the subscriptions' query built once: this runs
    # for every event the hall makes (a fresh `.values()` statement costs ~0.15 ms to build).
    uow.session.execute(
        insert(webhook_events),
        {"event_id": event.id, "type": event.type, "body": event.to_json(), "received_at": now},
    )
    for subscription in uow.session.execute(_ENABLED):
        if wants(subscription, event.type, event.data):
            uow.session.execute(
                insert(webhook_deliveries).values(
                    queued(subscription.id, event.id, event.type, now)
                )
            )


def wants(subscription: Any, event_type: str, data: dict[str, Any]) -> bool:
    """Its patterns match; and a subscription's own events go to their owner only."""
    if event_type.startswith(OWNER_ONLY) and data.get("owner") != subscription.owner:
        return False
    return rules.matches_any(subscription.event_types, event_type)


def queued(
    subscription_id: int, event_id: str, event_type: str, now: datetime, *, replay: bool = False
) -> dict[str, Any]:
    """A new delivery; `replay` when an integrator asked for it (its latency is not measured)."""
    return {
        "subscription_id": subscription_id,
        "event_id": event_id,
        "event_type": event_type,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
        "requeued_at": now if replay else None,
    }


# -- the sweep ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    subscription_id: int
    lease: str
    url: str
    secrets: list[str]
    event_id: str
    body: str
    event_time: datetime
    measured: bool  # not sent again by hand: its latency is the pipeline's


def deliver_due(rt: ServiceRuntime) -> int:
    """Send every delivery that is due; returns how many were tried."""
    config = settings()
    claimed = claim(rt, config)
    if not claimed:
        return 0
    with ThreadPoolExecutor(max_workers=min(SENDERS, len(claimed))) as pool:
        answers = list(pool.map(lambda c: _send(c, config), claimed))
    for item, answer in zip(claimed, answers, strict=True):
        record(rt, item, answer, config)
    return len(claimed)


def claim(rt: ServiceRuntime, config: rules.WebhookSettings) -> list[Claimed]:
    now = clock.now()
    lease = str(uuid.uuid4())
    query = (
        select(
            webhook_deliveries.c.id,
            webhook_deliveries.c.subscription_id,
            webhook_deliveries.c.event_id,
            webhook_deliveries.c.requeued_at,
            webhook_subscriptions.c.url,
            webhook_subscriptions.c.secret,
            webhook_subscriptions.c.previous_secret,
            webhook_subscriptions.c.previous_secret_until,
            webhook_events.c.body,
        )
        .join(
            webhook_subscriptions,
            webhook_subscriptions.c.id == webhook_deliveries.c.subscription_id,
        )
        .join(webhook_events, webhook_events.c.event_id == webhook_deliveries.c.event_id)
        .where(
            webhook_deliveries.c.status == "pending",
            webhook_deliveries.c.next_attempt_at <= now,
            webhook_subscriptions.c.enabled.is_(True),
        )
        .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id)
        .limit(BATCH)
    )
    with rt.db.session() as session, session.begin():
        if rt.db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=webhook_deliveries)
        rows = session.execute(query).all()
        if rows:
            session.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.id.in_([row.id for row in rows]))
                .values(lease=lease, next_attempt_at=now + _lease_time(config))
            )
    return [_claimed(row, lease, now) for row in rows]


def _lease_time(config: rules.WebhookSettings) -> timedelta:
    return timedelta(seconds=config.timeout * 2 + 30)


def _claimed(row: Any, lease: str, now: datetime) -> Claimed:
    secrets = [row.secret]
    if row.previous_secret and row.previous_secret_until and row.previous_secret_until > now:
        secrets.append(row.previous_secret)
    return Claimed(
        delivery_id=row.id,
        subscription_id=row.subscription_id,
        lease=lease,
        url=row.url,
        secrets=secrets,
        event_id=row.event_id,
        body=row.body,
        event_time=_event_time(row.body),
        measured=row.requeued_at is None,
    )


def _event_time(body: str) -> datetime:
    """When the event happened, as its envelope says: the start of the delivery latency, as on
    the e-mail channel."""
    return CloudEvent.from_json(body).time


def _send(item: Claimed, config: rules.WebhookSettings) -> webhook_sender.Answer:
    timestamp = int(clock.now().timestamp())
    headers = webhook_sender.headers(item.event_id, timestamp, item.body, item.secrets)
    return webhook_sender.post(item.url, item.body, headers, config.timeout)


def record(
    rt: ServiceRuntime, item: Claimed, answer: webhook_sender.Answer, config: rules.WebhookSettings
) -> None:
    """Log the attempt and move the delivery on, unless another sweep took it over meanwhile."""
    now = clock.now()
    with rt.uow(actor=ACTOR) as uow:
        uow.session.execute(
            insert(webhook_attempts).values(
                delivery_id=item.delivery_id,
                attempted_at=now,
                status_code=answer.status_code,
                error=answer.error,
                response=answer.response,
                duration_ms=answer.duration_ms,
            )
        )
        mine = (webhook_deliveries.c.id == item.delivery_id) & (
            webhook_deliveries.c.lease == item.lease
        )
        delivery = uow.session.execute(select(webhook_deliveries).where(mine)).first()
        if delivery is not None:
            if answer.ok:
                _delivered(uow, item, answer, now)
            else:
                _failed(uow, item, delivery, answer, now, config)
        uow.commit()


def _delivered(
    uow: UnitOfWork, item: Claimed, answer: webhook_sender.Answer, now: datetime
) -> None:
    uow.session.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == item.delivery_id)
        .values(
            status="delivered",
            lease=None,
            next_attempt_at=None,
            delivered_at=now,
            last_status_code=answer.status_code,
            updated_at=now,
        )
    )
    uow.session.execute(
        update(webhook_subscriptions)
        .where(webhook_subscriptions.c.id == item.subscription_id)
        .values(consecutive_failures=0)
    )
    metrics.SENT.labels(metrics.WEBHOOK).inc()
    if item.measured:
        metrics.observe_latency(metrics.WEBHOOK, item.event_time, now)


def _failed(
    uow: UnitOfWork,
    item: Claimed,
    delivery: Any,
    answer: webhook_sender.Answer,
    now: datetime,
    config: rules.WebhookSettings,
) -> None:
    subscription = webhook_subscriptions.c
    uow.session.execute(
        update(webhook_subscriptions)
        .where(subscription.id == item.subscription_id)
        .values(consecutive_failures=subscription.consecutive_failures + 1)
    )
    current = uow.session.execute(
        select(webhook_subscriptions).where(subscription.id == item.subscription_id)
    ).one()
    attempts = delivery.attempts + 1
    outcome = rules.after_failure(
        attempts, current.consecutive_failures, now, config.max_attempts, config.disable_after
    )
    uow.session.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == item.delivery_id)
        .values(
            status=outcome.status,
            attempts=attempts,
            lease=None,
            next_attempt_at=outcome.next_attempt_at,
            last_status_code=answer.status_code,
            updated_at=now,
        )
    )
    counter = metrics.RETRIED if outcome.status == "pending" else metrics.FAILED
    counter.labels(metrics.WEBHOOK).inc()
    if outcome.disable_subscription and current.enabled:
        _disable(uow, current, answer, now)


def _disable(
    uow: UnitOfWork, subscription: Any, answer: webhook_sender.Answer, now: datetime
) -> None:
    answered = f"HTTP {answer.status_code}" if answer.status_code else (answer.error or "no answer")
    reason = f"{subscription.consecutive_failures} failed deliveries in a row; last: {answered}"
    uow.session.execute(
        update(webhook_subscriptions)
        .where(webhook_subscriptions.c.id == subscription.id)
        .values(enabled=False, disabled_reason=reason[:2000], updated_at=now)
    )
    uow.emit(
        contracts.WEBHOOK_DISABLED.name,
        subject=str(subscription.id),
        data={
            "subscription_id": subscription.id,
            "owner": subscription.owner,
            "failures": subscription.consecutive_failures,
            "last_status_code": answer.status_code,
            "reason": reason,
            "at": now,
        },
    )
    metrics.DISABLED.labels(metrics.WEBHOOK).inc()


def prune_events(rt: ServiceRuntime) -> int:
    """Forget received events past the retention that no delivery still refers to."""
    cutoff = clock.now() - timedelta(days=settings().retention_days)
    referenced = select(webhook_deliveries.c.event_id)
    with rt.db.session() as session, session.begin():
        result: Any = session.execute(
            delete(webhook_events).where(
                webhook_events.c.received_at < cutoff,
                webhook_events.c.event_id.not_in(referenced),
            )
        )
    return int(result.rowcount)


SWEEPS: tuple[Sweep, ...] = (
    Sweep("webhook-deliveries", 2.0, deliver_due),
    Sweep("webhook-events-prune", 3600, prune_events),
)
