"""The applicant's notices: one inbox per case (`case:<receipt number>`), read without a token by
whoever holds the receipt number and its query code.

Notification never sees the code: registry's case.accepted carries a verifier (a slow salted
hash, shared/receipts.py), kept here per receipt. A wrong code, an unknown receipt, and a
receipt whose case.accepted has not arrived yet all answer the same 404, as slowly (an unknown
receipt is checked against a decoy): nothing can be probed.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import select

from services.notification.adapters import tables
from services.notification.domain.inboxes import case_key
from services.notification.handlers import inbox
from shared import receipts
from shared.db import upsert
from shared.errors import NotFound
from shared.events import CloudEvent
from shared.sqltypes import utcnow
from shared.unit_of_work import UnitOfWork

CASE_ACCEPTED = "govhall.registry.case.accepted.v1"


def learn_receipt(uow: UnitOfWork, event: CloudEvent) -> None:
    """Keep the receipt's verifier from case.accepted (later case events carry none)."""
    verifier = event.data.get("query_code_verifier") or ""
    if event.type != CASE_ACCEPTED or not verifier:
        return
    values = {
        "receipt_number": event.data["receipt_number"],
        "case_id": event.data["case_id"],
        "query_code_verifier": verifier,
        "source_event_id": event.id,
        "learned_at": utcnow(),
    }
    upsert(uow.session, tables.case_receipts, ["receipt_number"], values)


@functools.cache
def _decoy() -> str:
    return receipts.verifier("0", "decoy")


def case_notices(
    uow: UnitOfWork, receipt_number: str, query_code: str, language: str, after: int, limit: int
) -> list[dict[str, Any]]:
    """The case's notices, oldest first, if the code is the receipt's."""
    receipt_number = receipt_number.strip()
    table = tables.case_receipts
    with uow:
        stored = uow.session.execute(
            select(table.c.query_code_verifier).where(table.c.receipt_number == receipt_number)
        ).scalar_one_or_none()
        verified = receipts.verify(stored or _decoy(), receipt_number, query_code)
        if stored is None or not verified:
            said = "no case has that receipt number and query code"
            raise NotFound(said, errors={"receipt_number": [said], "query_code": [said]})
        case_inbox = (case_key(receipt_number),)
        return inbox.inbox_page(uow.session, case_inbox, False, after, limit, language)
