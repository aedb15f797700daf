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
        keys = set(service_module(name).SPEC.subscriptions)
        patterns = {key for key in keys if key.endswith(".#")}
        unknown = keys - patterns - known
        assert not unknown, f"{name} subscribes to types nobody publishes: {unknown}"
        for pattern in patterns:
            assert any(t.startswith(pattern[:-1]) for t in known), f"{pattern} matches nothing"


def test_a_pattern_subscription_consumes_every_channel_it_matches() -> None:
    doc = asyncapi.document()
    # notification takes "govhall.#" (webhooks forward whatever integrators ask for)
    for name, channel in doc["channels"].items():
        assert "notification" in channel["x-consumers"], name
    # and an exact subscription still counts only for its own type
    consumers = asyncapi.consumers_of(
        {"govhall.a.b.c.v1": None, "govhall.x.y.z.v1": None},
        {"one": {"govhall.a.b.c.v1": print}, "every": {"govhall.#": print}},
    )
    assert consumers == {
        "govhall.a.b.c.v1": ["one", "every"],
        "govhall.x.y.z.v1": ["every"],
    }
