"""The audit log of every full read of the public's personal data in inspection (issue 7 point 8):
complainants' and evaluators' names and phones."""

from __future__ import annotations

from sqlalchemy import insert

from services.inspection.adapters.tables import complaints as tables
from shared import clock
from shared.unit_of_work import UnitOfWork

reads = tables.personal_data_reads


def record_personal_read(
    uow: UnitOfWork, reader: str, record_kind: str, record_id: int, fields: list[str]
) -> None:
    """Log one full read of the public's personal data, in the reader's transaction: the
    caller commits it (a read that shows personal data commits even if it changes nothing
    else). `reader` is the actor string (`role:unit:sub` or `role:sub`); its role is kept apart
    so the log can be filtered by it."""
    uow.session.execute(
        insert(reads).values(
            reader=reader,
            role=reader.split(":", 1)[0],
            record_kind=record_kind,
            record_id=record_id,
            fields=list(fields),
            at=clock.now(),
        )
    )
    uow.audit_read(f"{record_kind}:{record_id}", fields)
