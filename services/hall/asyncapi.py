"""The event catalog as an AsyncAPI 3.0 document: every type, its payload and who consumes it.

Generated from the contracts and SUBSCRIPTIONS tables (`govhall asyncapi`), committed as
`docs/asyncapi.yaml`, and compared with a fresh generation by the tests, so the published
catalog can never drift from the code. One channel per event type (its address is the routing
key), one `send` operation for the service that publishes it and one `receive` operation for
each service whose queue takes it. Payloads are JSON Schema (AsyncAPI's default schema format):
the marshmallow contracts are converted as for OpenAPI 3.1, so "may be null" is
`type: [x, "null"]`, never OpenAPI 3.0's `nullable`.
"""

from __future__ import annotations

from typing import Any

import yaml
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter

from shared import events
from shared.config import SERVICES
from shared.consumer import handler_for

EXCHANGE = "govhall.events"
CONTENT_TYPE = "application/cloudevents+json"
AMQP_BINDING = "0.3.0"


def _load_services() -> dict[str, Any]:
    from services.hall.embedded import service_module

    modules = {name: service_module(name) for name in SERVICES}
    for name in SERVICES:  # contracts register their types on import
        __import__(f"services.{name}.contracts")
    return modules


def catalog() -> dict[str, events.EventType]:
    """Every published event type, with every service's contracts imported."""
    _load_services()
    return events.catalog()


def _converter() -> OpenAPIConverter:
    spec = APISpec("govhall", "v1", "3.1.0", plugins=[MarshmallowPlugin()])
    return OpenAPIConverter("3.1.0", lambda schema: None, spec)


def envelope() -> dict[str, Any]:
    """The CloudEvents 1.0 envelope every message shares; each message narrows `type`, `source`
    and `data`."""
    string = {"type": "string"}
    return {
        "type": "object",
        "description": "CloudEvents 1.0, structured JSON mode, with govhall's extensions.",
        "required": ["specversion", "id", "source", "type", "time", "subject", "data"],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {"type": "string", "format": "uuid"},
            "source": {**string, "description": "/govhall/<service>"},
            "type": {**string, "description": "the event type, also the routing key"},
            "time": {"type": "string", "format": "date-time"},
            "subject": {**string, "description": "the id of the aggregate"},
            "datacontenttype": {"const": "application/json"},
            "correlationid": string,
            "causationid": string,
            "actor": string,
            "data": {"type": "object"},
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


def _ref(*path: str) -> dict[str, str]:
    # JSON Pointer: "~" and "/" would need escaping; event types hold neither.
    return {"$ref": "#/" + "/".join(path)}


def _message(event_type: events.EventType) -> dict[str, Any]:
    name = event_type.name
    return {
        "name": name,
        "summary": event_type.description or name,
        "contentType": CONTENT_TYPE,
        "payload": {
            "allOf": [
                _ref("components", "schemas", "CloudEvent"),
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": name},
                        "source": {"const": f"/govhall/{event_type.service}"},
                        "data": _ref("components", "schemas", name),
                    },
                },
            ]
        },
        "bindings": _ref("components", "messageBindings", "cloudevent"),
    }


def _channel(event_type: events.EventType) -> dict[str, Any]:
    name = event_type.name
    return {
        "address": name,
        "description": event_type.description or name,
        "messages": {name: _ref("components", "messages", name)},
        "bindings": _ref("components", "channelBindings", "routingKey"),
    }


def _operation(name: str, service: str, action: str) -> dict[str, Any]:
    if action == "send":
        summary = f"{service} publishes {name} through its outbox."
    else:
        summary = f"{service} takes {name} from its queue `{service}.events`."
    return {
        "action": action,
        "channel": _ref("channels", name),
        "messages": [_ref("channels", name, "messages", name)],
        "summary": summary,
        "tags": [{"name": service}],
        "bindings": _ref("components", "operationBindings", action),
    }


def _bindings() -> dict[str, Any]:
    """The AMQP details every channel, operation and message shares, once."""

    def amqp(binding: dict[str, Any]) -> dict[str, Any]:
        return {"amqp": {**binding, "bindingVersion": AMQP_BINDING}}

    exchange = {"name": EXCHANGE, "type": "topic", "durable": True, "autoDelete": False}
    return {
        "channelBindings": {"routingKey": amqp({"is": "routingKey", "exchange": exchange})},
        "operationBindings": {
            "send": amqp({"deliveryMode": 2}),  # persistent, with publisher confirms
            "receive": amqp({"ack": True}),  # acked only after the inbox commits
        },
        "messageBindings": {"cloudevent": amqp({"contentEncoding": "utf-8"})},
    }


def document() -> dict[str, Any]:
    modules = _load_services()
    converter = _converter()
    types = sorted(events.catalog().items())
    consumers = consumers_of(
        dict(types), {name: m.SPEC.subscriptions for name, m in modules.items()}
    )
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEvent": envelope()}
    for name, event_type in types:
        channels[name] = _channel(event_type)
        messages[name] = _message(event_type)
        schemas[name] = converter.schema2jsonschema(event_type.schema)
        operations[f"{event_type.service}.send.{name}"] = _operation(
            name, event_type.service, "send"
        )
        for consumer in sorted(consumers[name]):
            operations[f"{consumer}.receive.{name}"] = _operation(name, consumer, "receive")
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "govhall events",
            "version": "1",
            "description": "Every event the hall's services publish: CloudEvents 1.0 "
            f"(structured JSON) on the durable topic exchange `{EXCHANGE}`, the routing key "
            "being the type. Each consuming service reads from its own durable queue "
            "`<service>.events`. Integrators without broker access receive the same events "
            "as signed webhooks (docs/webhooks.md).",
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "broker": {
                "host": "{host}",
                "protocol": "amqp",
                "protocolVersion": "0-9-1",
                "title": "RabbitMQ",
                "description": "The broker in the services' BROKER_URL.",
                "variables": {
                    "host": {"default": "localhost:5672", "description": "host:port"},
                },
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages, **_bindings()},
    }


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # a document for people: no &id001 anchors


def render() -> str:
    return yaml.dump(
        document(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2
    )
