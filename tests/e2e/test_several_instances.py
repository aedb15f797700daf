"""Two web processes and two workers per service on one PostgreSQL and one RabbitMQ: writes
spread over both registry instances, both relays on one outbox, both consumers of each service
on one queue, and still every write has exactly one effect in every service that consumes it."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, bindparam, create_engine, text

from shared.config import SERVICES
from tests.e2e.conftest import Cluster, running_cluster
from tests.mailbox import Mailbox
from tests.support import bearer, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
AUTHORITY = bearer("authority")
UNIT_REGISTERED = "govhall.registry.unit.registered.v1"
INSTANCES = 2
WRITES = 48
CONSUMERS = ("staffing", "inspection", "notification")


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[Cluster]:
    """Its own cluster: two gunicorn instances (one worker each) and two workers per service,
    every instance consuming before the test starts."""
    with running_cluster(
        tmp_path_factory.mktemp("twins"), mailbox, instances=INSTANCES, web_workers=1
    ) as cluster:
        yield cluster


def test_every_write_has_exactly_one_effect_in_every_consumer(
    twins: Cluster, mailbox: Mailbox
) -> None:
    cluster = twins
    run = cluster.namespace.run
    units: list[dict[str, Any]] = [
        {
            "code": f"twin-{i:02d}",
            "name": f"Unit {i}",
            "district": "河西区",
            "contacts": [
                {"name": "Li", "phone": "022-1234", "email": f"twin{i}-{run}@example.org"}
            ],
        }
        for i in range(WRITES)
    ]

    def write(i: int) -> int:
        url = cluster.instance_url("registry", i % INSTANCES, "/api/v1/units")
        return requests.post(url, json=units[i], headers=AUTHORITY, timeout=10).status_code

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(write, range(WRITES))) == [201] * WRITES

    engines = {s: create_engine(cluster.namespace.database_url(s)) for s in SERVICES}
    try:
        # Every write is one unit.registered event in registry's outbox, published once.
        outbox = _rows(
            engines["registry"],
            "SELECT id, subject, published_at FROM outbox WHERE type = :type",
            type=UNIT_REGISTERED,
        )
        assert sorted(row.subject for row in outbox) == [u["code"] for u in units]
        event_of = {row.subject: row.id for row in outbox}
        ids = sorted(event_of.values())

        def settled() -> bool:
            published = _scalar(
                engines["registry"],
                "SELECT count(*) FROM outbox WHERE type = :type AND published_at IS NOT NULL",
                type=UNIT_REGISTERED,
            )
            applied = [_processed(engines[s], s, ids) for s in CONSUMERS]
            sent = _scalar(
                engines["notification"],
                "SELECT count(*) FROM email_deliveries WHERE event_id IN :ids AND status = 'sent'",
                ids=ids,
            )
            return published == WRITES and applied == [WRITES] * 3 and sent == WRITES

        wait_for(settled, timeout=30, interval=0.25)
        time.sleep(0.5)  # a second copy of anything still in flight would land now
        queues = {
            s: cluster.namespace.queue_counts(cluster.namespace.queue_name(s)) for s in SERVICES
        }
        assert queues == {s: (0, INSTANCES) for s in SERVICES}  # all taken and acked

        # staffing and inspection: each unit known once, from the event registry wrote.
        for service in ("staffing", "inspection"):
            assert _processed(engines[service], service, ids) == WRITES
            known = _rows(
                engines[service],
                "SELECT code, source_event_id FROM units WHERE code LIKE 'twin-%'",
            )
            assert {row.code: row.source_event_id for row in known} == event_of
            assert len(known) == WRITES

        # notification: one inbox notice per recipient per event, one e-mail per unit.
        notices = _rows(
            engines["notification"],
            "SELECT event_id, recipient, channel FROM notices WHERE event_id IN :ids",
            ids=ids,
        )
        expected = {
            (event_of[u["code"]], recipient, "inbox")
            for u in units
            for recipient in ("authority", f"unit:{u['code']}")
        }
        assert Counter((n.event_id, n.recipient, n.channel) for n in notices) == dict.fromkeys(
            expected, 1
        )
        deliveries = _rows(
            engines["notification"],
            "SELECT event_id, recipient, address, status FROM email_deliveries"
            " WHERE event_id IN :ids",
            ids=ids,
        )
        assert sorted((d.event_id, d.recipient, d.address, d.status) for d in deliveries) == sorted(
            (event_of[u["code"]], f"unit:{u['code']}", u["contacts"][0]["email"], "sent")
            for u in units
        )
        mails = {
            u["contacts"][0]["email"]: len(mailbox.to(u["contacts"][0]["email"])) for u in units
        }
        assert mails == dict.fromkeys(mails, 1)

        # Nothing failed, retried or dead-lettered, in any database or on the broker.
        for service in SERVICES:
            kept = _rows(engines[service], "SELECT consumer, event_type, status FROM failed_events")
            assert kept == [], f"{service}: {kept}"
        dead = cluster.namespace.queue_counts(cluster.namespace.dead_queue_name)
        assert dead is not None and dead[0] == 0
    finally:
        for engine in engines.values():
            engine.dispose()

    # Both instances did their share, and their counts add up to the writes exactly.
    def per_instance(service: str, sample: str, **labels: str) -> list[float]:
        return [
            _sample(cluster.instance_url(service, i, "/metrics"), sample, labels)
            for i in range(INSTANCES)
        ]

    posts = per_instance(
        "registry", "govhall_http_requests_total", method="POST", endpoint="/api/v1/units"
    )
    assert posts == [WRITES / INSTANCES] * INSTANCES
    published = per_instance("registry", "govhall_events_published_total", type=UNIT_REGISTERED)
    assert sum(published) == WRITES  # two relays on one outbox published no row twice
    for service in CONSUMERS:
        applied = per_instance(
            service, "govhall_events_consumed_total", type=UNIT_REGISTERED, outcome="applied"
        )
        assert sum(applied) == WRITES, f"{service}: {applied}"
        assert all(applied), f"{service}: one worker took every event: {applied}"
    for service in SERVICES:
        assert per_instance(service, "govhall_events_dead_lettered_total") == [0] * INSTANCES
        assert per_instance(service, "govhall_events_retried_total") == [0] * INSTANCES


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    statement = text(sql)
    if "ids" in params:
        statement = statement.bindparams(bindparam("ids", expanding=True))
    with engine.connect() as conn:
        return list(conn.execute(statement, params).all())


def _scalar(engine: Engine, sql: str, **params: Any) -> int:
    return int(_rows(engine, sql, **params)[0][0])


def _processed(engine: Engine, consumer: str, ids: list[str]) -> int:
    return _scalar(
        engine,
        "SELECT count(*) FROM processed_events WHERE consumer = :consumer AND event_id IN :ids",
        consumer=consumer,
        ids=ids,
    )


def _sample(url: str, name: str, labels: dict[str, str]) -> float:
    """The sum of one sample's series whose labels include `labels`, from a /metrics page."""
    page = requests.get(url, timeout=5).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(page)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )
