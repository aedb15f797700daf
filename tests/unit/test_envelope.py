"""The CloudEvents envelope and the event catalog."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema, fields

import services.registry.contracts  # noqa: F401  (registers the registry's event types)
from shared.events import CloudEvent, EnvelopeError, EventType, lookup, new_event


def test_new_event_round_trips_through_json() -> None:
    event = new_event(
        source="/govhall/registry",
        type="govhall.registry.unit.registered.v1",
        subject="tj-hexi",
        data={
            "code": "tj-hexi",
            "name": "河西区政务服务中心",
            "district": "河西区",
            "registered_at": datetime(2026, 11, 2, 8, 30, tzinfo=UTC),
        },
        actor="authority:alice",
    )
    wire = event.to_json()
    doc = json.loads(wire)
    assert doc["specversion"] == "1.0"
    assert doc["datacontenttype"] == "application/json"
    assert doc["time"].endswith("Z")
    assert doc["data"]["registered_at"] == "2026-11-02T08:30:00+00:00"
    assert doc["correlationid"] == event.id  # a new chain starts with the event itself
    assert "causationid" not in doc
    assert "河西区" in wire  # UTF-8 on the wire, not \\u escapes
    assert CloudEvent.from_json(wire) == event


# NUL is the one character the envelope refuses in its attributes (PostgreSQL cannot store it).
NO_NUL = st.characters(blacklist_characters="\x00")


@given(
    subject=st.text(NO_NUL, max_size=40),
    data=st.dictionaries(st.text(max_size=10), st.integers() | st.text(max_size=20), max_size=5),
    actor=st.none() | st.text(NO_NUL, min_size=1, max_size=20),
)
def test_any_envelope_survives_the_wire(subject: str, data: dict, actor: str | None) -> None:
    event = CloudEvent(
        id="0b7f6c1e-0000-4000-8000-000000000001",
        source="/govhall/staffing",
        type="govhall.staffing.staff.posted.v1",
        subject=subject,
        data=data,
        time=datetime(2026, 1, 1, tzinfo=UTC),
        actor=actor,
    )
    assert CloudEvent.from_json(event.to_json()) == event


HEAD = '"specversion": "1.0", "id": "x", "source": "/s", "type": "t"'
AT = '"time": "2026-01-01T00:00:00Z"'


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "JSON object"),
        ('{"specversion": "1.0", "id": "x", "source": "/s"}', "missing attributes: type"),
        ('{"specversion": "0.3", "id": "x", "source": "/s", "type": "t", ' + AT + "}", "0.3"),
        ("{" + HEAD + ', "time": "yesterday"}', "RFC 3339"),
        ("{" + HEAD + ', "time": "2026-01-01T00:00:00"}', "zone"),
        ("{" + HEAD + ", " + AT + ', "data": [1]}', "data must be"),
    ],
)
def test_broken_envelopes_are_refused_with_the_reason(raw: str, message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        CloudEvent.from_json(raw)


def test_payload_must_match_its_contract() -> None:
    with pytest.raises(ValueError, match="district"):
        new_event(
            source="/govhall/registry",
            type="govhall.registry.unit.registered.v1",
            subject="x",
            data={"code": "x", "name": "n", "registered_at": datetime.now(UTC)},
        )


def test_a_service_may_publish_only_its_own_types() -> None:
    with pytest.raises(ValueError, match="may not publish"):
        new_event(
            source="/govhall/staffing",
            type="govhall.registry.unit.registered.v1",
            subject="x",
            data={"code": "x", "name": "n", "district": "d", "registered_at": datetime.now(UTC)},
        )


def test_unknown_types_and_badly_named_types_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        lookup("govhall.registry.unit.exploded.v1")

    class Empty(Schema):
        x = fields.Integer()

    with pytest.raises(ValueError, match="is not govhall"):
        EventType("registry.unit.registered", Empty)
    assert EventType("govhall.inspection.sanction.imposed.v2", Empty).version == 2
