"""The base of every HTTP request and response schema: nothing a client sends is unbounded.

A string field without a `Length(max=…)` of its own takes `LINE_MAX` (the width of a name, a code
or a one-line reason, and of the database columns that keep them); prose takes `Text()`. A list
without a bound takes `MAX_ITEMS`, a free-form mapping `MAX_ENTRIES`, an integer the range of the
database's integer columns. The bounds are validators,
so a request past them is a 422 naming the field, and they are in the OpenAPI document.

Replies (schemas of responses only) take no default bounds: the server's data is what it is.
Event contracts and consumers keep plain marshmallow schemas: a bound there would dead-letter
another service's valid event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sized
from typing import Any, ClassVar

import marshmallow
from marshmallow import ValidationError, fields, validate
from marshmallow.validate import Length

LINE_MAX = 200
INT_MAX = 2**31 - 1  # PostgreSQL's integer: every id and count we keep
BIGINT_MAX = 2**63 - 1  # PostgreSQL's bigint, and SQLite's integer
TEXT_MAX = 4000
MAX_ITEMS = 100
MAX_ENTRIES = 50
MAX_DEPTH = 32  # how deep JSON a request body may nest


def storable(text: str) -> bool:
    """Text a database can keep: UTF-8 (no lone surrogate, which JSON's `\\ud800` can carry)
    and no NUL character (which PostgreSQL's text refuses)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class MaxEntries(validate.Validator):
    """At most `max` keys in a mapping (documented as `maxProperties`, not as a length)."""

    def __init__(self, max: int) -> None:
        self.max = max

    def __call__(self, value: Any) -> Any:
        if isinstance(value, Sized) and len(value) > self.max:
            raise ValidationError(f"At most {self.max} entries.")
        return value


def Text(*, validate: Any = None, **kwargs: Any) -> fields.String:
    """Free prose (opinions, minutes, legal bases): up to `TEXT_MAX` characters."""
    more = [] if validate is None else validate if isinstance(validate, list) else [validate]
    return fields.String(validate=[Length(max=TEXT_MAX), *more], **kwargs)


def _bounded(field: fields.Field) -> bool:
    return any(
        isinstance(v, validate.OneOf | MaxEntries)
        or (isinstance(v, validate.Length) and (v.max is not None or v.equal is not None))
        for v in field.validators
    )


def bound(field: fields.Field) -> None:
    """Give `field` (a bound copy, never the declared one) the default bounds it lacks."""
    # Bound fields are shallow copies: replace `validators`, never append to the shared list.
    if isinstance(field, fields.List | fields.Tuple):
        if isinstance(field, fields.List):
            bound(field.inner)
            if not _bounded(field):
                field.validators = [*field.validators, validate.Length(max=MAX_ITEMS)]
        else:
            for inner in field.tuple_fields:
                bound(inner)
    elif isinstance(field, fields.Nested):
        if field.many and not _bounded(field):
            field.validators = [*field.validators, validate.Length(max=MAX_ITEMS)]
    elif isinstance(field, fields.Mapping):
        for part in (field.key_field, field.value_field):
            if part is not None:
                bound(part)
        if not _bounded(field):
            field.validators = [*field.validators, MaxEntries(MAX_ENTRIES)]
            field.metadata = {**field.metadata, "maxProperties": MAX_ENTRIES}
    elif isinstance(field, fields.String) and not _bounded(field):
        field.validators = [*field.validators, validate.Length(max=LINE_MAX)]
    elif isinstance(field, fields.Integer) and not any(
        (isinstance(v, validate.Range) and v.max is not None) or isinstance(v, validate.OneOf)
        for v in field.validators
    ):
        field.validators = [*field.validators, validate.Range(min=-INT_MAX - 1, max=INT_MAX)]


class Schema(marshmallow.Schema):
    # A reply, what the server writes, is documented as it is: no default bounds. A reply is a
    # schema named `…Out` or `…Page`, one derived from such a schema, or one that says so here.
    reply: ClassVar[bool] = False

    @classmethod
    def is_reply(cls) -> bool:
        return any(
            klass.__dict__.get("reply") or klass.__name__.endswith(("Out", "Page"))
            for klass in cls.__mro__
        )

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        if not field_obj.dump_only and not self.is_reply():
            bound(field_obj)

    @marshmallow.pre_load
    def _refuse_unstorable_text(self, data: Any, **kwargs: Any) -> Any:
        """Every string a request carries, as a value or a key, at any depth, is text a
        database can keep; else a 422 naming where it sits, before any field reads it."""
        errors = unstorable(data)
        if errors:
            raise ValidationError(errors)
        return data


UNSTORABLE = "Not text this service can keep: a lone surrogate or a NUL character."


def _name(key: Any) -> Any:
    # A key that is itself unstorable is named escaped, or the problem document could not be
    # written either.
    return key.encode("utf-8", "backslashreplace").decode() if isinstance(key, str) else key


def unstorable(value: Any, depth: int = 0) -> Any:
    """Where under `value` a string is no storable text: messages in marshmallow's shape (a
    list for the value itself, a mapping by key or index below), or None."""
    if isinstance(value, str):
        return None if storable(value) else [UNSTORABLE]
    if depth > MAX_DEPTH:
        return None  # the body's depth is bounded before any schema reads it
    found: dict[Any, Any] = {}
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if isinstance(key, str) and not storable(key):
                found[_name(key)] = [UNSTORABLE]
            elif (errors := unstorable(inner, depth + 1)) is not None:
                found[key] = errors
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            if (errors := unstorable(inner, depth + 1)) is not None:
                found[index] = errors
    return found or None
