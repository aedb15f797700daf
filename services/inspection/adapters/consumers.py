"""The events inspection consumes: event type → handler, one table."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields
from sqlalchemy import update

from services.inspection.adapters.tables import learned
from shared.consumer import Handler
from shared.db import upsert
from shared.events import CloudEvent
from shared.sqltypes import utcnow
from shared.unit_of_work import UnitOfWork


class UnitSeen(Schema):
    """The fields inspection reads from registry's unit events (a tolerant reader)."""

    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True)
    name = fields.String(required=True)
    district = fields.String(required=True)


def unit_registered(uow: UnitOfWork, event: CloudEvent) -> None:
    unit = UnitSeen().load(event.data)
    values = {**unit, "learned_at": utcnow(), "source_event_id": event.id}
    upsert(uow.session, learned.units, ["code"], values)


class CaseSeen(Schema):
    class Meta:
        unknown = EXCLUDE

    case_id = fields.Integer(required=True)
    receipt_number = fields.String(required=True)
    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    matter_code = fields.String(required=True)
    stage = fields.String(required=True)
    accepted_on = fields.Date(required=True)
    on = fields.Date(required=True)
    overdue = fields.Boolean(load_default=False)
    staff_id = fields.String(load_default="")
    query_code_verifier = fields.String(load_default="")


def case_changed(uow: UnitOfWork, event: CloudEvent) -> None:
    case = CaseSeen().load(event.data)
    done = case["stage"] in ("delivered", "refused")
    accepted = event.type.endswith(".case.accepted.v1")
    # Who accepted and the verifier come with case.accepted only; later steps keep them.
    kept = {"staff_id": case["staff_id"], "query_code_verifier": case["query_code_verifier"]}
    values = {
        **(kept if accepted else {}),
        "case_id": case["case_id"],
        "receipt_number": case["receipt_number"],
        "window_id": case["window_id"],
        "unit_code": case["unit_code"],
        "matter_code": case["matter_code"],
        "stage": case["stage"],
        "accepted_on": case["accepted_on"],
        "completed_on": case["on"] if done else None,
        "overdue": case["overdue"],
        "source_event_id": event.id,
    }
    if not accepted:
        values.setdefault("staff_id", "")
        values.setdefault("query_code_verifier", "")
        _update_keeping(uow, values)
        return
    upsert(uow.session, learned.cases, ["case_id"], values)


def _update_keeping(uow: UnitOfWork, values: dict[str, Any]) -> None:
    """A later step updates the case but keeps who accepted it and the verifier, whichever
    event arrived first."""
    table = learned.cases
    # The update first, no lookup before it: a case step nearly always finds its case.
    changes = {k: v for k, v in values.items() if k not in ("staff_id", "query_code_verifier")}
    updated = uow.session.execute(
        update(table).where(table.c.case_id == values["case_id"]).values(changes)
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        upsert(uow.session, table, ["case_id"], values)


class WindowSeen(Schema):
    class Meta:
        unknown = EXCLUDE

    window_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    co_units = fields.List(fields.String(), required=True)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    type = fields.String(required=True)
    state = fields.String(required=True)


def window_changed(uow: UnitOfWork, event: CloudEvent) -> None:
    seen = WindowSeen().load(event.data)
    window_id = seen.pop("window_id")
    upsert(
        uow.session, learned.windows, ["id"], {**seen, "id": window_id, "source_event_id": event.id}
    )


WINDOW_EVENTS = (
    *("applied", "inspected", "reviewed", "rejected", "approved", "agreed", "published"),
    *("details_changed", "opened", "closed", "suspended", "reinstated", "terminated"),
    *("revocation_requested", "revoked"),
)

CASE_EVENTS = ("accepted", "advanced", "refused")

SUBSCRIPTIONS: dict[str, Handler] = {
    "govhall.registry.unit.registered.v1": unit_registered,
    **{f"govhall.registry.case.{verb}.v1": case_changed for verb in CASE_EVENTS},
    **{f"govhall.registry.window.{verb}.v1": window_changed for verb in WINDOW_EVENTS},
}
