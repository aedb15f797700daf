"""The CloudEvents 1.0 envelope (structured JSON mode) and the catalog of event types.

An event type is `govhall.<service>.<aggregate>.<past-tense-verb>.v<N>`; the routing key is the
type. Each producing service declares its types with a marshmallow schema in its `contracts`
module; `new_event` refuses data that does not match the contract.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError

SPECVERSION = "1.0"
TYPE_PATTERN = re.compile(r"^govhall\.(?P<service>[a-z]+)\.[a-z_]+\.[a-z_]+\.v(?P<version>\d+)$")
EXTENSIONS = ("correlationid", "causationid", "actor")
REQUIRED = ("specversion", "id", "source", "type")


class EnvelopeError(ValueError):
    """A message that is not a valid govhall CloudEvent."""


@dataclass(frozen=True)
class CloudEvent:
    id: str
    source: str
    type: str
    subject: str
    data: dict[str, Any]
    time: datetime
    datacontenttype: str = "application/json"
    specversion: str = SPECVERSION
    correlationid: str | None = None
    causationid: str | None = None
    actor: str | None = None

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "specversion": self.specversion,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": self.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "datacontenttype": self.datacontenttype,
            "data": self.data,
        }
        for name in EXTENSIONS:
            value = getattr(self, name)
            if value is not None:
                doc[name] = value
        return doc

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, doc: Any) -> CloudEvent:
        if not isinstance(doc, dict):
            raise EnvelopeError("a CloudEvent must be a JSON object")
        missing = [name for name in REQUIRED if not doc.get(name)]
        if missing:
            raise EnvelopeError(f"missing attributes: {', '.join(missing)}")
        if doc["specversion"] != SPECVERSION:
            raise EnvelopeError(f"unsupported specversion {doc['specversion']!r}")
        data = doc.get("data", {})
        if not isinstance(data, dict):
            raise EnvelopeError("data must be a JSON object")
        return cls(
            id=str(doc["id"]),
            source=str(doc["source"]),
            type=str(doc["type"]),
            subject=str(doc.get("subject", "")),
            data=data,
            time=_parse_time(doc.get("time")),
            datacontenttype=str(doc.get("datacontenttype", "application/json")),
            correlationid=doc.get("correlationid"),
            causationid=doc.get("causationid"),
            actor=doc.get("actor"),
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> CloudEvent:
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise EnvelopeError(f"not JSON: {exc}") from exc
        return cls.from_dict(doc)


def _parse_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise EnvelopeError("time must be an RFC 3339 string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise EnvelopeError(f"time is not RFC 3339: {value!r}") from exc
    if parsed.tzinfo is None:
        raise EnvelopeError("time must carry a zone")
    return parsed.astimezone(UTC)


@dataclass(frozen=True)
class EventType:
    """One published event type: its name, its payload contract and what it means."""

    name: str
    schema: type[Schema]
    description: str = ""
    service: str = field(init=False)
    version: int = field(init=False)

    def __post_init__(self) -> None:
        match = TYPE_PATTERN.match(self.name)
        if not match:
            raise ValueError(
                f"event type {self.name!r} is not govhall.<service>.<aggregate>.<verb>.v<N>"
            )
        object.__setattr__(self, "service", match["service"])
        object.__setattr__(self, "version", int(match["version"]))

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        """The payload as it goes on the wire, or ValueError naming the fields that break it."""
        schema = _schema(self.schema)
        try:
            loaded = schema.load(data)
        except ValidationError as exc:
            raise ValueError(f"{self.name} payload breaks its contract: {exc.messages}") from exc
        dumped: dict[str, Any] = schema.dump(loaded)
        return dumped


@functools.cache
def _schema(schema_class: type[Schema]) -> Schema:
    # One instance per contract: building a marshmallow schema costs more than using it.
    return schema_class()


_CATALOG: dict[str, EventType] = {}


def register(*types: EventType) -> None:
    for event_type in types:
        known = _CATALOG.get(event_type.name)
        if known is not None and known is not event_type:
            raise ValueError(f"event type {event_type.name} registered twice")
        _CATALOG[event_type.name] = event_type


def lookup(name: str) -> EventType:
    try:
        return _CATALOG[name]
    except KeyError:
        raise ValueError(f"unknown event type {name!r}: declare it in a contracts module") from None


def catalog() -> dict[str, EventType]:
    return dict(_CATALOG)


def new_event(
    *,
    source: str,
    type: str,
    subject: str,
    data: dict[str, Any],
    actor: str | None = None,
    correlationid: str | None = None,
    causationid: str | None = None,
) -> CloudEvent:
    event_type = lookup(type)
    if f"/govhall/{event_type.service}" != source:
        raise ValueError(f"{source} may not publish {type}")
    event_id = str(uuid.uuid4())
    return CloudEvent(
        id=event_id,
        source=source,
        type=type,
        subject=subject,
        data=event_type.validate(data),
        time=datetime.now(UTC),
        actor=actor,
        correlationid=correlationid or event_id,
        causationid=causationid,
    )
