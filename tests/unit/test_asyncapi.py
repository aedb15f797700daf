"""The published event catalog matches the code."""

from __future__ import annotations

from pathlib import Path

from shared import asyncapi, events

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json"


def test_committed_catalog_is_up_to_date() -> None:
    assert COMMITTED.read_text() == asyncapi.render(), (
        "docs/asyncapi.json is stale: run `govhall asyncapi > docs/asyncapi.json`"
    )


def test_every_subscription_names_a_published_type() -> None:
    doc = asyncapi.document()
    catalog = events.catalog()
    consumed = {t for channel in doc["channels"].values() for t in channel["x-consumers"]}
    assert consumed  # the skeleton's consumers are in it
    for name, channel in doc["channels"].items():
        assert channel["x-producer"] == catalog[name].service
    unit_registered = doc["channels"]["govhall.registry.unit.registered.v1"]
    assert unit_registered["x-consumers"] == ["inspection", "notification", "staffing"]


def test_subscriptions_only_name_known_types() -> None:
    from shared.embedded import service_module

    asyncapi.document()  # imports every contract
    known = set(events.catalog())
    for name in ("registry", "staffing", "inspection", "notification"):
        unknown = set(service_module(name).SPEC.subscriptions) - known
        assert not unknown, f"{name} subscribes to types nobody publishes: {unknown}"
