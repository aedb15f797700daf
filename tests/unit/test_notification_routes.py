"""Every route names a published event type and finds its recipients in any payload its contract
allows: the smallest (only required fields) and a full one. A route that reads a field the
contract does not promise fails here, not in a consumer's dead letters. Every type in the
catalogue is routed or named in `silence.SILENT`, never both. And for a representative set of
events, exactly who is told."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from marshmallow import Schema, fields

from services.hall import asyncapi
from services.notification.domain.inboxes import is_inbox_key
from services.notification.domain.routing import ROUTES, recipients_for
from services.notification.domain.silence import SILENT
from shared import events

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


# Routes that tell nobody of some of their events, by design (see silence.py's docstring).
SOMETIMES_NOBODY = {"govhall.registry.case.advanced.v1"}


@pytest.mark.parametrize("event_type", sorted(ROUTES))
def test_every_route_finds_recipients_in_what_its_contract_promises(event_type: str) -> None:
    catalog = _catalog()
    assert event_type in catalog, f"{event_type} is routed but nobody publishes it"
    schema = catalog[event_type].schema()
    for full in (False, True):
        recipients = recipients_for(event_type, _payload(schema, full))
        assert recipients or event_type in SOMETIMES_NOBODY
        assert all(is_inbox_key(r) for r in recipients), recipients
        assert len(set(recipients)) == len(recipients)


def test_every_event_type_is_routed_or_silent_never_both() -> None:
    catalog = set(_catalog())
    assert catalog - set(ROUTES) - set(SILENT) == set(), "route these or say in SILENT why not"
    assert set(ROUTES) & set(SILENT) == set()


def test_silence_names_only_known_types_and_always_says_why() -> None:
    assert set(SILENT) - set(_catalog()) == set()
    assert all(reason.strip() for reason in SILENT.values())


# -- exactly who is told -----------------------------------------------------------------------
def _case(stage: str, **more: Any) -> dict[str, Any]:
    return {
        "case_id": 7,
        "receipt_number": "2026120100000007",
        "window_id": 3,
        "unit_code": "tj-hexi",
        "matter_code": "work-permit",
        "stage": stage,
        "accepted_on": "2026-12-01",
        "due_on": "2026-12-29",
        "paused": False,
        "on": "2026-12-01",
        **more,
    }


def _absence(**more: Any) -> dict[str, Any]:
    return {
        "absence_id": 9,
        "staff_id": "s-a",
        "name": "张伟",
        "unit_code": "tj-hexi",
        "window_id": 3,
        "post_id": 5,
        "starts_on": "2026-12-08",
        "ends_on": "2026-12-08",
        "late": False,
        "status": "reported",
        **more,
    }


def _sanction(kind: str, district: str | None = "河西区") -> dict[str, Any]:
    return {"kind": kind, "unit_code": "tj-hexi", "district": district}


def _draw(kind: str) -> dict[str, Any]:
    return {"kind": kind, "sampled_units": ["tj-hexi", "tj-nankai"]}


CASE = "case:2026120100000007"
HEXI = "unit:tj-hexi"
DISTRICT = "district:河西区"

EXPECTED: list[tuple[str, str, dict[str, Any], set[str]]] = [
    # an unannounced spot check surprises the unit: it, and the center, hear nothing (TJ-7.4)
    (
        "spot check",
        "govhall.inspection.draw.made.v1",
        _draw("spot_check"),
        {"authority", "inspector"},
    ),
    (
        "sampling draw",
        "govhall.inspection.draw.made.v1",
        _draw("sampling"),
        {"authority", "inspector", "center", HEXI, "unit:tj-nankai"},
    ),
    (
        "sampling draw naming a unit twice",
        "govhall.inspection.draw.made.v1",
        {"kind": "sampling", "sampled_units": ["tj-hexi", "tj-hexi"]},
        {"authority", "inspector", "center", HEXI},
    ),
    (
        "interview",
        "govhall.inspection.sanction.imposed.v1",
        _sanction("interview"),
        {HEXI, "inspector"},
    ),
    (
        "notice and order",
        "govhall.inspection.sanction.imposed.v1",
        _sanction("rectification"),
        {HEXI, "authority", DISTRICT},
    ),
    (
        "notice and order, district unknown",
        "govhall.inspection.sanction.imposed.v1",
        _sanction("rectification", None),
        {HEXI, "authority"},
    ),
    *(
        (
            kind,
            "govhall.inspection.sanction.imposed.v1",
            _sanction(kind),
            {HEXI, "center", "authority", DISTRICT},
        )
        for kind in ("suspension", "termination", "accountability")
    ),
    (
        "absence approved: the unit, A and B",
        "govhall.staffing.absence.approved.v1",
        _absence(status="approved", cover_staff_id="s-b", cover_name="李娜"),
        {HEXI, "staff:tj-hexi:s-a", "staff:tj-hexi:s-b"},
    ),
    (
        "absence of B approved: nobody covers",
        "govhall.staffing.absence.approved.v1",
        _absence(status="approved", cover_staff_id=None),
        {HEXI, "staff:tj-hexi:s-a"},
    ),
    (
        "absence reported: the unit and its chief representative",
        "govhall.staffing.absence.reported.v1",
        _absence(chief_staff_id="s-chief", deputy_staff_id="s-deputy"),
        {HEXI, "staff:tj-hexi:s-chief"},
    ),
    (
        "the chief's own absence goes to the deputy",
        "govhall.staffing.absence.reported.v1",
        _absence(staff_id="s-chief", chief_staff_id="s-chief", deputy_staff_id="s-deputy"),
        {HEXI, "staff:tj-hexi:s-deputy"},
    ),
    (
        "absence reported, no chief on record (an event from before the field)",
        "govhall.staffing.absence.reported.v1",
        _absence(),
        {HEXI},
    ),
    (
        "absence rejected: the unit and A",
        "govhall.staffing.absence.rejected.v1",
        _absence(status="rejected", chief_staff_id="s-chief"),
        {HEXI, "staff:tj-hexi:s-a"},
    ),
    (
        "webhook disabled: its owner and the center",
        "govhall.notification.webhook.disabled.v1",
        {"owner": "acme-erp"},
        {"integrator:acme-erp", "center"},
    ),
    ("case accepted", "govhall.registry.case.accepted.v1", _case("accepted"), {CASE}),
    (
        "materials missing",
        "govhall.registry.case.supplement_requested.v1",
        _case("accepted", detail="护照复印件"),
        {CASE},
    ),
    ("limit extended", "govhall.registry.case.extended.v1", _case("handled"), {CASE}),
    ("case delivered", "govhall.registry.case.advanced.v1", _case("delivered"), {CASE}),
    ("an inner step", "govhall.registry.case.advanced.v1", _case("reviewed"), set()),
    ("case refused", "govhall.registry.case.refused.v1", _case("refused"), {CASE}),
    # the unit and the center, never the applicant, of the hall's own supervision
    ("case warned", "govhall.registry.case.warned.v1", _case("handled"), {HEXI, "center"}),
    ("materials received back", "govhall.registry.case.supplement_received.v1", _case("x"), set()),
]


@pytest.mark.parametrize(
    ("event_type", "data", "expected"),
    [pytest.param(t, d, e, id=name) for name, t, d, e in EXPECTED],
)
def test_exactly_who_is_told(event_type: str, data: dict[str, Any], expected: set[str]) -> None:
    recipients = recipients_for(event_type, data)
    assert set(recipients) == expected
    assert len(recipients) == len(set(recipients)), "one notice per recipient"


def test_a_recipient_a_route_names_twice_is_told_once_in_the_routes_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(ROUTES, "govhall.test.thing.happened.v1", lambda d: ("b", "a", "b", "a"))
    assert recipients_for("govhall.test.thing.happened.v1", {}) == ("b", "a")
    assert recipients_for("govhall.test.nobody.cares.v1", {}) == ()
