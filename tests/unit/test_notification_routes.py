"""Every route names a published event type and renders a title for any payload its contract
allows: the smallest (only required fields) and a full one. A route that reads a field the
contract does not promise fails here, not in a consumer's dead letters. And every type in the
catalogue is routed or named in `silence.SILENT`, never both."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from marshmallow import Schema, fields

from services.notification.domain.routing import ROUTES, notices_for
from services.notification.domain.silence import SILENT
from shared import asyncapi, events

SAMPLE: dict[type, Any] = {
    fields.AwareDateTime: datetime(2026, 12, 1, 2, tzinfo=UTC).isoformat(),
    fields.DateTime: datetime(2026, 12, 1, 2, tzinfo=UTC).isoformat(),
    fields.Date: date(2026, 12, 1).isoformat(),
    fields.Integer: 1,
    fields.Boolean: True,
    fields.Decimal: "1.0",
    fields.List: [],
    fields.Dict: {},
}


def _value(field: fields.Field) -> Any:
    choices = getattr(field.validate, "choices", None) if field.validate else None
    if choices:
        return next(iter(choices))
    for kind, value in SAMPLE.items():
        if isinstance(field, kind):
            return value
    return "x"


def _payload(schema: Schema, full: bool) -> dict[str, Any]:
    data = {name: _value(field) for name, field in schema.fields.items() if full or field.required}
    return schema.load(data)  # as a consumer reads it


def _catalog() -> dict[str, events.EventType]:
    return asyncapi.catalog()  # with every service's contracts imported


@pytest.mark.parametrize("event_type", sorted(ROUTES))
def test_every_route_renders_for_what_its_contract_promises(event_type: str) -> None:
    catalog = _catalog()
    assert event_type in catalog, f"{event_type} is routed but nobody publishes it"
    schema = catalog[event_type].schema()
    for full in (False, True):
        notices = notices_for(event_type, _payload(schema, full))
        assert notices and all(n.title and n.recipient for n in notices)


def test_every_event_type_is_routed_or_silent_never_both() -> None:
    catalog = set(_catalog())
    assert catalog - set(ROUTES) - set(SILENT) == set(), "route these or say in SILENT why not"
    assert set(ROUTES) & set(SILENT) == set()


def test_silence_names_only_known_types_and_always_says_why() -> None:
    assert set(SILENT) - set(_catalog()) == set()
    assert all(reason.strip() for reason in SILENT.values())
