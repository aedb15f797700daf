"""The consumer's decoder is bounded: whatever the bytes, it raises EnvelopeError with a class
(the `reason` the metric counts), never RecursionError or anything else (issue 16, point 1)."""

from __future__ import annotations

import json

import pytest

from shared.events import MAX_DEPTH, CloudEvent, EnvelopeError, decode_json
from tests.support import unit_registered_body


def _event(**changes: object) -> str:
    doc = json.loads(unit_registered_body("u-1", "0b7f6c1e-0000-4000-8000-000000000001"))
    doc.update(changes)
    return json.dumps(doc)


def _reason(raw: str | bytes, **bounds: int) -> str:
    with pytest.raises(EnvelopeError) as caught:
        CloudEvent.from_json(raw, **bounds)
    return caught.value.reason


@pytest.mark.parametrize("raw", ["[" * 100_000, b"[" * 100_000, '{"a":' * 100_000])
def test_deep_nesting_is_too_deep_not_a_recursion_error(raw: str | bytes) -> None:
    assert _reason(raw) == "too_deep"


def test_depth_is_bounded_below_the_interpreters_limit() -> None:
    nested = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    with pytest.raises(EnvelopeError) as caught:
        decode_json(nested)
    assert caught.value.reason == "too_deep"
    assert decode_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    deep_data = _event(data={"a": json.loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))})
    assert _reason(deep_data) == "too_deep"


def test_size_is_bounded_before_parsing() -> None:
    event = _event()
    assert CloudEvent.from_json(event, max_bytes=len(event.encode())).id
    assert _reason(event, max_bytes=len(event.encode()) - 1) == "too_large"
    assert _reason("é" * 600, max_bytes=1000) == "too_large"  # bytes, not characters


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe binary", "not_utf8"),
        ("not json", "not_json"),
        ('{"id": "raw\x00nul"}', "not_json"),  # a raw control character in a string
        ("1" * 5000, "not_json"),  # past Python's limit on integer digits
        ("[1, 2]", "bad_envelope"),
        (_event(id="x" * 101), "bad_envelope"),  # longer than processed_events.event_id
        (_event(id="nul\u0000id"), "bad_envelope"),  # PostgreSQL text refuses NUL
        (_event(id=["a", "list"]), "bad_envelope"),
        (_event(id=7), "bad_envelope"),
        (_event(type="t" * 201), "bad_envelope"),
        (_event(type="govhall.x\n"), "bad_envelope"),
        (_event(subject="s\u0000"), "bad_envelope"),
        (_event(correlationid="c" * 129), "bad_envelope"),
        (_event(actor={"not": "a string"}), "bad_envelope"),
        (_event(specversion=["1.0"]), "bad_envelope"),
    ],
)
def test_every_malformed_message_has_its_class(raw: str | bytes, reason: str) -> None:
    assert _reason(raw) == reason


def test_an_id_at_the_column_size_is_an_event() -> None:
    assert CloudEvent.from_json(_event(id="x" * 100)).id == "x" * 100
