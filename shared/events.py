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

# Bounds of what a consumer decodes. No event of ours comes near them: the largest carry a few
# kilobytes and nest four or five levels. A message beyond them is kept as a dead letter.
MAX_MESSAGE_BYTES = 1024 * 1024
MAX_DEPTH = 32
# Lengths of the envelope's attributes, as the inbox's columns keep them (messaging_tables).
MAX_LENGTHS = {"id": 100, "source": 200, "type": 200, "subject": 500}
MAX_EXTENSION_LENGTH = 128  # audit.correlation_id


class EnvelopeError(ValueError):
    """A message that is not a valid govhall CloudEvent; `reason` is its class, for metrics:
    not_utf8, not_json, too_large, too_deep or bad_envelope."""

    def __init__(self, message: str, reason: str = "bad_envelope") -> None:
        super().__init__(message)
        self.reason = reason


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
            raise EnvelopeError(f"unsupported specversion {str(doc['specversion'])[:20]!r}")
        data = doc.get("data", {})
        if not isinstance(data, dict):
            raise EnvelopeError("data must be a JSON object")
        for name, limit in MAX_LENGTHS.items():
            _check_text(name, doc.get(name, ""), limit)
        for name in EXTENSIONS:
            if doc.get(name) is not None:
                _check_text(name, doc[name], MAX_EXTENSION_LENGTH)
        return cls(
            id=doc["id"],
            source=doc["source"],
            type=doc["type"],
            subject=doc.get("subject", ""),
            data=data,
            time=_parse_time(doc.get("time")),
            datacontenttype=str(doc.get("datacontenttype", "application/json"))[:100],
            correlationid=doc.get("correlationid"),
            causationid=doc.get("causationid"),
            actor=doc.get("actor"),
        )

    @classmethod
    def from_json(
        cls,
        raw: str | bytes,
        *,
        max_bytes: int = MAX_MESSAGE_BYTES,
        max_depth: int = MAX_DEPTH,
    ) -> CloudEvent:
        """Decode a message; raises EnvelopeError and nothing else, whatever the bytes are."""
        doc = decode_json(raw, max_bytes=max_bytes, max_depth=max_depth)
        try:
            return cls.from_dict(doc)
        except EnvelopeError:
            raise
        except Exception as exc:  # a bound forgotten above must not kill a consumer
            raise EnvelopeError(f"not an event: {type(exc).__name__}") from exc


def decode_json(
    raw: str | bytes, *, max_bytes: int = MAX_MESSAGE_BYTES, max_depth: int = MAX_DEPTH
) -> Any:
    """JSON text to Python, bounded in size and depth; EnvelopeError (with its reason) else.

    json.loads recurses once per level: 100,000 `[` raise RecursionError, which is no
    ValueError. It is caught here, and a document nested deeper than `max_depth` but within
    the interpreter's limit is refused after parsing, by a walk that does not recurse."""
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise EnvelopeError(f"message of {size} bytes, over {max_bytes}", "too_large")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EnvelopeError(f"not UTF-8: {exc}", "not_utf8") from exc
    try:
        doc = json.loads(raw)
    except RecursionError as exc:
        raise EnvelopeError(f"JSON nested deeper than {max_depth}", "too_deep") from exc
    except Exception as exc:  # ValueError, and whatever else malformed text may raise
        raise EnvelopeError(f"not JSON: {str(exc)[:200]}", "not_json") from exc
    if _depth_over(doc, max_depth):
        raise EnvelopeError(f"JSON nested deeper than {max_depth}", "too_deep")
    return doc


def _depth_over(doc: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _check_text(name: str, value: Any, limit: int) -> None:
    if not isinstance(value, str):
        raise EnvelopeError(f"{name} must be a string")
    if len(value) > limit:
        raise EnvelopeError(f"{name} is {len(value)} characters long, over {limit}")
    # NUL is the one character PostgreSQL's text refuses; identifiers take no control at all.
    if "\x00" in value or (name in REQUIRED and any(ch < " " for ch in value)):
        raise EnvelopeError(f"{name} holds a control character")


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
