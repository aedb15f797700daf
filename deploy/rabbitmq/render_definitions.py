"""Render deploy/rabbitmq/definitions.json from the code's own broker declarations.

The queues, their arguments and their bindings are what each worker declares on start
(`shared.broker`), so a definitions import and a worker agree; tests/deploy checks the file
is current. Regenerate after a service's SUBSCRIPTIONS change:

    .venv/bin/python deploy/rabbitmq/render_definitions.py > deploy/rabbitmq/definitions.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kombu import Exchange  # noqa: E402

from services.hall import embedded  # noqa: E402
from shared import broker, config  # noqa: E402

VHOST = "/"

# What the broker adds to the declared queues. Policies are not part of the equivalence check
# of a queue declaration, so a worker re-declaring its queue never conflicts with them.
POLICIES: list[dict[str, Any]] = [
    {
        "vhost": VHOST,
        "name": "govhall-events",
        "pattern": r"^(registry|staffing|inspection|notification)\.events$",
        "apply-to": "quorum_queues",
        "priority": 10,
        "definition": {
            # The consumer keeps failed events in its own database (retries, dead letters);
            # it returns a message to the queue only while that database is unreachable,
            # every half second. RabbitMQ 4's default limit of 20 deliveries would turn a
            # 10-second database outage into broker-side dead letters; 100,000 lasts hours.
            # (Not -1, "unlimited": RabbitMQ honours that as a queue argument only.) The workers
            # declare the same limit as x-delivery-limit (QUEUE_DELIVERY_LIMIT); the policy
            # covers queues declared before they did (docs/operations.md).
            "delivery-limit": 100_000,
            # What does reach the dead-letter exchange (undecodable and not storable) is
            # moved with publisher confirms, never dropped on the way.
            "dead-letter-strategy": "at-least-once",
            "overflow": "reject-publish",
        },
    },
]


def _settings(service: str) -> config.Settings:
    # A non-memory URL: the declarations RabbitMQ gets (quorum queues), not the embedded ones.
    return config.Settings(
        service=service, database_url="sqlite://", broker_url="amqp://localhost//"
    )


def _exchange(exchange: Exchange) -> dict[str, Any]:
    return {
        "name": exchange.name,
        "vhost": VHOST,
        "type": exchange.type,
        "durable": bool(exchange.durable),
        "auto_delete": bool(exchange.auto_delete),
        "internal": False,
        "arguments": dict(exchange.arguments or {}),
    }


def render() -> dict[str, Any]:
    any_settings = _settings(config.SERVICES[0])
    exchanges = [
        _exchange(broker.events_exchange(any_settings)),
        _exchange(broker.dead_exchange(any_settings)),
    ]
    dead = broker.dead_queue(any_settings)
    queues = [
        {
            "name": dead.name,
            "vhost": VHOST,
            "durable": bool(dead.durable),
            "auto_delete": bool(dead.auto_delete),
            "arguments": dict(dead.queue_arguments or {}),
        }
    ]
    bindings = [
        {
            "source": dead.exchange.name,
            "vhost": VHOST,
            "destination": dead.name,
            "destination_type": "queue",
            "routing_key": dead.routing_key or "",
            "arguments": {},
        }
    ]
    for service in config.SERVICES:
        subscriptions = embedded.service_module(service).SPEC.subscriptions
        queue = broker.service_queue(_settings(service), subscriptions)
        queues.append(
            {
                "name": queue.name,
                "vhost": VHOST,
                "durable": bool(queue.durable),
                "auto_delete": bool(queue.auto_delete),
                "arguments": dict(sorted((queue.queue_arguments or {}).items())),
            }
        )
        for each in sorted(queue.bindings, key=lambda b: b.routing_key):
            bindings.append(
                {
                    "source": each.exchange.name,
                    "vhost": VHOST,
                    "destination": queue.name,
                    "destination_type": "queue",
                    "routing_key": each.routing_key,
                    "arguments": {},
                }
            )
    return {
        "vhosts": [{"name": VHOST}],
        "exchanges": exchanges,
        "queues": queues,
        "bindings": bindings,
        "policies": POLICIES,
    }


def dumps() -> str:
    return json.dumps(render(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(dumps())
