"""The audit trail's head, anchored outside the service's database.

The worker publishes a signed checkpoint (how many records, the last one's id and MAC) every
`AUDIT_CHECKPOINT_INTERVAL` seconds when the chain has grown, and once more when it stops, as the
event `govhall.<service>.audit.checkpointed.v1` through the outbox. Notification keeps every
checkpoint it receives (`audit_checkpoints`), integrators may subscribe to them by webhook, and
`govhall audit verify` compares the chain with them: whoever deletes the last records of a
service's trail (or rewrites one a checkpoint anchored) cannot change the copies held elsewhere.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate

from shared import audit_sealer, audit_table, audit_verify
from shared.config import SERVICES
from shared.events import EventType, register

if TYPE_CHECKING:
    from shared.service import ServiceRuntime

log = logging.getLogger(__name__)


class CheckpointV1(Schema):
    service = fields.String(required=True)
    records = fields.Integer(required=True, metadata={"description": "records in the chain"})
    last_id = fields.Integer(required=True, metadata={"description": "the last record's id"})
    last_mac = fields.String(
        required=True,
        validate=validate.Length(equal=64),
        metadata={"description": "the last record's MAC (hex HMAC-SHA-256)"},
    )
    at = fields.AwareDateTime(required=True)
    key_id = fields.String(
        required=True, metadata={"description": "the audit key's id (a fingerprint, not the key)"}
    )
    signature = fields.String(
        required=True,
        metadata={"description": "hex HMAC-SHA-256 of the other fields, with the audit key"},
    )


TYPES = {
    service: EventType(
        f"govhall.{service}.audit.checkpointed.v1",
        CheckpointV1,
        f"The head of {service}'s audit trail, signed: kept outside its database so that a "
        "deleted tail or a rewritten record is found (`govhall audit verify`)",
    )
    for service in SERVICES
}
register(*TYPES.values())


def to_data(cp: audit_verify.Checkpoint) -> dict[str, Any]:
    return {
        "service": cp.service,
        "records": cp.records,
        "last_id": cp.last_id,
        "last_mac": cp.last_mac,
        "at": cp.at,
        "key_id": cp.key_id,
        "signature": cp.signature,
    }


def from_data(data: dict[str, Any]) -> audit_verify.Checkpoint:
    at = data["at"]
    return audit_verify.Checkpoint(
        service=str(data["service"]),
        records=int(data["records"]),
        last_id=int(data["last_id"]),
        last_mac=str(data["last_mac"]),
        at=at if isinstance(at, datetime) else datetime.fromisoformat(at.replace("Z", "+00:00")),
        key_id=str(data["key_id"]),
        signature=str(data["signature"]),
    )


class Publisher:
    """The worker's checkpoint sweep: publishes the head when it moved since the last one this
    process published (and the first time, unless the chain is still empty)."""

    def __init__(self) -> None:
        self.last: tuple[int, str] | None = None

    def __call__(self, rt: ServiceRuntime) -> int:
        table = rt.db.metadata.tables.get(audit_table.TABLE)
        if table is None:
            return 0
        audit_sealer.seal_all(rt.db)  # the head anchored is that of every write committed
        with rt.uow() as uow:
            cp = audit_verify.checkpoint(uow.session.connection(), table, rt.spec.name, rt.keyring)
            if cp.last_id == 0 or self.last == (cp.last_id, cp.last_mac):
                return 0
            uow.emit(TYPES[rt.spec.name].name, rt.spec.name, to_data(cp))
            uow.commit()
        self.last = (cp.last_id, cp.last_mac)
        return 1
