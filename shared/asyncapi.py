"""The event catalog as an AsyncAPI 2.6 document: every type, its payload and who consumes it.

Generated from the contracts and SUBSCRIPTIONS tables (`govhall asyncapi`), committed as
`docs/asyncapi.json`, and compared with a fresh generation by the tests, so the published
catalog can never drift from the code.
"""

from __future__ import annotations

import json
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter

from shared import events
from shared.config import SERVICES
from shared.consumer import handler_for


def _load_services() -> dict[str, Any]:
    from shared.embedded import service_module

    modules = {name: service_module(name) for name in SERVICES}
    for name in SERVICES:  # contracts register their types on import
        __import__(f"services.{name}.contracts")
    return modules


def _converter() -> OpenAPIConverter:
    spec = APISpec("govhall", "v1", "3.0.3", plugins=[MarshmallowPlugin()])
    return OpenAPIConverter("3.0.3", lambda schema: None, spec)


def envelope(data_schema: dict[str, Any]) -> dict[str, Any]:
    string = {"type": "string"}
    return {
        "type": "object",
        "required": ["specversion", "id", "source", "type", "time", "subject", "data"],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {"type": "string", "format": "uuid"},
            "source": string,
            "type": string,
            "time": {"type": "string", "format": "date-time"},
            "subject": string,
            "datacontenttype": {"const": "application/json"},
            "correlationid": string,
            "causationid": string,
            "actor": string,
            "data": data_schema,
        },
    }


def consumers_of(catalog: Any, subscriptions: dict[str, Any]) -> dict[str, list[str]]:
    """Who consumes each event type: a service with its own handler for it, or with a pattern
    that takes it (`govhall.#`), exactly as the consumer dispatches."""
    return {
        event_type: [
            service
            for service, table in subscriptions.items()
            if handler_for(table, event_type) is not None
        ]
        for event_type in catalog
    }


def document() -> dict[str, Any]:
    modules = _load_services()
    converter = _converter()
    catalog = events.catalog()
    consumers = consumers_of(catalog, {name: m.SPEC.subscriptions for name, m in modules.items()})
    channels: dict[str, Any] = {}
    for name, event_type in sorted(catalog.items()):
        payload = converter.schema2jsonschema(event_type.schema)
        channels[name] = {
            "description": event_type.description,
            "x-producer": event_type.service,
            "x-consumers": sorted(consumers.get(name, [])),
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "exchange": {"name": "govhall.events", "type": "topic", "durable": True},
                }
            },
            "subscribe": {
                "operationId": name.replace(".", "_"),
                "message": {
                    "name": name,
                    "contentType": "application/cloudevents+json",
                    "payload": envelope(payload),
                },
            },
        }
    return {
        "asyncapi": "2.6.0",
        "info": {
            "title": "govhall events",
            "version": "1",
            "description": "CloudEvents 1.0 (structured JSON) on the topic exchange "
            "govhall.events; the routing key is the type.",
        },
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
    }


def render() -> str:
    return json.dumps(document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
