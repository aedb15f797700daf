"""Issue 16.3: the shapes of a request that a stranger controls, checked before they reach a
query: a cursor's decoded key, text a database cannot keep, JSON's depth."""

from __future__ import annotations

import json

import pytest
from marshmallow import ValidationError, fields

from shared.errors import Invalid
from shared.pagination import decode_cursor, encode_cursor
from shared.request_guards import json_depth
from shared.schemas import MAX_DEPTH, Schema, storable


@pytest.mark.parametrize(
    ("key", "shape"),
    [
        (5, int),
        ("tj-hexi", str),
        (["2026-01-05", 7], (str, int)),
        (["d", "09:00", 3], (str, str, int)),
    ],
)
def test_a_cursor_of_its_shape_decodes(key: object, shape: type | tuple[type, ...]) -> None:
    assert decode_cursor(encode_cursor(key), shape) == key


@pytest.mark.parametrize(
    ("cursor", "shape"),
    [
        ("eyJhIjogMX0", int),  # {"a": 1}
        ("NQ", str),  # 5 where a code belongs
        (encode_cursor("5"), int),
        (encode_cursor(True), int),
        (encode_cursor(1.5), int),
        (encode_cursor(2**64), int),
        (encode_cursor("\ud800"), str),
        (encode_cursor("a\x00"), str),
        (encode_cursor([1, 2]), (str, int)),
        (encode_cursor(["d"]), (str, int)),
        (encode_cursor([[1] * 2]), int),
        ("W" * 30, int),
        ("@@", int),
        (encode_cursor([]), int),
    ],
)
def test_a_cursor_of_another_shape_is_invalid_naming_it(
    cursor: str, shape: type | tuple[type, ...]
) -> None:
    with pytest.raises(Invalid) as refused:
        decode_cursor(cursor, shape)
    assert "cursor" in refused.value.errors


def test_a_deep_cursor_is_invalid() -> None:
    import base64

    deep = base64.urlsafe_b64encode(b"[" * 100_000).decode()
    with pytest.raises(Invalid):
        decode_cursor(deep, int)


def test_text_a_database_cannot_keep() -> None:
    assert storable("名字 name")
    assert not storable("\ud800")
    assert not storable("a\x00b")


class Contact(Schema):
    name = fields.String()


class Person(Schema):
    name = fields.String()
    contacts = fields.List(fields.Nested(Contact))
    extra = fields.Dict(keys=fields.String(), values=fields.String())


def test_a_schema_refuses_unstorable_text_naming_where_it_sits() -> None:
    with pytest.raises(ValidationError) as refused:
        Person().load(
            {
                "name": "\ud800",
                "contacts": [{"name": "ok"}, {"name": "a\x00"}],
                "extra": {"\ud800": "x"},
            }
        )
    messages = refused.value.messages
    assert isinstance(messages, dict)
    assert set(messages) == {"name", "contacts", "extra"}
    assert messages["contacts"] == {1: {"name": messages["name"]}}
    assert "\\ud800" in messages["extra"]  # named escaped, so the answer can be written
    assert Person().load({"name": "名字"}) == {"name": "名字"}


def test_json_depth() -> None:
    assert json_depth(json.loads('{"a": [1, {"b": "[[["}]}')) == 3
    assert json_depth(1) == 0
    assert json_depth(json.loads("[" * 500 + "]" * 500)) > MAX_DEPTH
