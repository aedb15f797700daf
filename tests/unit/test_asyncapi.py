"""The published event catalog (AsyncAPI 3.0, docs/asyncapi.yaml) matches the code and the spec.

`asyncapi-3.0.0-schema.json` beside this file is the official JSON Schema of AsyncAPI 3.0.0,
`schemas/3.0.0-without-$id.json` of the AsyncAPI Initiative's spec-json-schemas as published in
the npm package @asyncapi/specs 6.11.1 (Apache-2.0), vendored so the test runs offline.
"""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from services.hall import asyncapi
from shared import events

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "asyncapi.yaml"
SPEC_SCHEMA = Path(__file__).with_name("asyncapi-3.0.0-schema.json")


@cache
def _document() -> dict[str, Any]:
    return asyncapi.document()


def _operations(action: str) -> dict[str, list[str]]:
    """Event type → the services with an operation of that action on its channel."""
    found: dict[str, list[str]] = {}
    for operation in _document()["operations"].values():
        if operation["action"] == action:
            channel = _resolve(operation["channel"]["$ref"])
            found.setdefault(channel["address"], []).append(operation["tags"][0]["name"])
    return found


def _resolve(ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} is not a local reference"
    node: Any = _document()
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} points nowhere"
        node = node[part]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_committed_catalog_is_up_to_date() -> None:
    regenerate = "run `govhall asyncapi -o docs/asyncapi.yaml` and commit it"
    assert COMMITTED.exists(), f"docs/asyncapi.yaml is missing: {regenerate}"
    assert COMMITTED.read_text(encoding="utf-8") == asyncapi.render(), (
        f"docs/asyncapi.yaml is stale: {regenerate}"
    )


def test_the_catalog_is_a_valid_asyncapi_3_document() -> None:
    doc = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    assert doc["asyncapi"] == "3.0.0"
    spec = json.loads(SPEC_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(
        spec, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:10]
    )


def test_the_official_schema_does_catch_a_broken_document() -> None:
    spec = json.loads(SPEC_SCHEMA.read_text(encoding="utf-8"))
    broken = {**_document(), "operations": {"x": {"action": "publish", "channel": {}}}}
    assert not jsonschema.Draft7Validator(spec).is_valid(broken)


def test_every_reference_points_at_something() -> None:
    refs = _refs(_document())
    assert refs
    for ref in set(refs):
        _resolve(ref)


def _declared_event_types() -> list[events.EventType]:
    """Every EventType any service's contracts modules declare, registered or not."""
    declared = []
    services = ROOT / "services"
    modules = {*services.glob("**/contracts*.py"), *services.glob("*/contracts/*.py")}
    for path in sorted(modules):
        if path.name == "__init__.py":
            path = path.parent
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        declared += [v for v in vars(module).values() if isinstance(v, events.EventType)]
    return declared


def test_every_published_type_has_a_channel_and_a_payload_schema() -> None:
    doc = _document()
    catalog = asyncapi.catalog()
    declared = {event_type.name for event_type in _declared_event_types()}
    assert declared <= set(catalog), f"declared but never registered: {declared - set(catalog)}"
    assert set(doc["channels"]) == set(catalog)
    senders = _operations("send")
    for name, event_type in catalog.items():
        assert doc["channels"][name]["address"] == name  # the routing key
        message = _resolve(doc["channels"][name]["messages"][name]["$ref"])
        data = message["payload"]["allOf"][1]["properties"]["data"]
        schema = _resolve(data["$ref"])
        assert schema["type"] == "object" and schema["properties"], f"{name}: empty payload"
        assert set(schema["properties"]) == set(event_type.schema().fields), name
        assert senders[name] == [event_type.service], f"{name} is sent by its own service only"


def test_payload_schemas_are_json_schema_not_openapi_3_0() -> None:
    text = json.dumps(_document()["components"]["schemas"])
    assert '"nullable"' not in text  # OpenAPI 3.0 only; JSON Schema says type: [x, "null"]
    for schema in _document()["components"]["schemas"].values():
        jsonschema.Draft7Validator.check_schema(schema)


def test_a_real_event_matches_its_message_payload() -> None:
    catalog = asyncapi.catalog()
    name = "govhall.registry.unit.registered.v1"
    event = events.new_event(
        source="/govhall/registry",
        type=name,
        subject="tj-hexi",
        data={
            "code": "tj-hexi",
            "name": "河西区政务服务办",
            "district": "hexi",
            "registered_at": datetime(2026, 12, 1, 2, tzinfo=UTC).isoformat(),
        },
    )
    assert name in catalog
    components = _document()["components"]
    # the payload, with the components its references point into
    payload = jsonschema.Draft7Validator(
        {"components": components, **components["messages"][name]["payload"]}
    )
    payload.validate(json.loads(event.to_json()))
    with pytest.raises(jsonschema.ValidationError):
        payload.validate({**event.to_dict(), "source": "/govhall/staffing"})
    with pytest.raises(jsonschema.ValidationError):
        payload.validate({**event.to_dict(), "data": {**event.data, "code": None}})


def test_consumers_come_from_each_services_subscriptions() -> None:
    receivers = _operations("receive")
    assert receivers  # the skeleton's consumers are in it
    assert sorted(receivers["govhall.registry.unit.registered.v1"]) == [
        "inspection",
        "notification",
        "staffing",
    ]
    for operation in _document()["operations"].values():
        service = operation["tags"][0]["name"]
        assert service in ("registry", "staffing", "inspection", "notification")


def test_subscriptions_only_name_known_types() -> None:
    from services.hall.embedded import service_module

    known = set(asyncapi.catalog())
    for name in ("registry", "staffing", "inspection", "notification"):
        keys = set(service_module(name).SPEC.subscriptions)
        patterns = {key for key in keys if key.endswith(".#")}
        unknown = keys - patterns - known
        assert not unknown, f"{name} subscribes to types nobody publishes: {unknown}"
        for pattern in patterns:
            assert any(t.startswith(pattern[:-1]) for t in known), f"{pattern} matches nothing"


def test_a_pattern_subscription_consumes_every_channel_it_matches() -> None:
    receivers = _operations("receive")
    # notification takes "govhall.#" (webhooks forward whatever integrators ask for)
    for name in _document()["channels"]:
        assert "notification" in receivers.get(name, []), name
    # and an exact subscription still counts only for its own type
    consumers = asyncapi.consumers_of(
        {"govhall.a.b.c.v1": None, "govhall.x.y.z.v1": None},
        {"one": {"govhall.a.b.c.v1": print}, "every": {"govhall.#": print}},
    )
    assert consumers == {
        "govhall.a.b.c.v1": ["one", "every"],
        "govhall.x.y.z.v1": ["every"],
    }


def test_the_cli_prints_or_writes_the_document(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from services.hall.cli import main

    printed = CliRunner().invoke(main, ["asyncapi"])
    assert printed.exit_code == 0, printed.output
    assert printed.output == asyncapi.render()
    target = tmp_path / "asyncapi.yaml"
    written = CliRunner().invoke(main, ["asyncapi", "-o", str(target)])
    assert written.exit_code == 0, written.output
    assert target.read_text(encoding="utf-8") == printed.output
