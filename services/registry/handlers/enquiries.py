"""First-inquiry responsibility (EQ-4.4a): enquiries owned by the first staff member asked."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from services.registry.adapters import tables
from services.registry.adapters.repositories import cases as store
from services.registry.adapters.repositories import windows as window_store
from services.registry.domain import enquiries as rules
from services.registry.domain.enquiries import Enquiry
from shared import clock
from shared.db import insert_returning_id
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork


def open_enquiry(uow: UnitOfWork, unit: str, body: dict[str, Any]) -> Enquiry:
    with uow:
        window = window_store.get_window(uow.session, body["window_id"], unit=unit)
        enquiry = rules.open_enquiry(
            window.id or 0, unit, body["question"], body["staff_id"], clock.now()
        )
        enquiry_id = insert_returning_id(
            uow.session, tables.enquiries, store.enquiry_values(enquiry)
        )
        uow.commit()
    return _get(uow, enquiry_id, unit)


def hand_over(uow: UnitOfWork, enquiry_id: int, unit: str | None, body: dict[str, Any]) -> Enquiry:
    return _change(
        uow,
        enquiry_id,
        unit,
        lambda e: rules.hand_over(
            e, body["by_staff_id"], body["to_staff_id"], body["reason"], clock.now()
        ),
    )


def answer(uow: UnitOfWork, enquiry_id: int, unit: str | None, body: dict[str, Any]) -> Enquiry:
    return _change(
        uow,
        enquiry_id,
        unit,
        lambda e: rules.answer(e, body["by_staff_id"], body["answer"], clock.now()),
    )


def get(uow: UnitOfWork, enquiry_id: int, unit: str | None) -> Enquiry:
    return _get(uow, enquiry_id, unit)


def _change(uow: UnitOfWork, enquiry_id: int, unit: str | None, apply: Any) -> Enquiry:
    with uow:
        enquiry = _load(uow, enquiry_id, unit)
        changed = apply(enquiry)
        uow.session.execute(
            update(tables.enquiries)
            .where(tables.enquiries.c.id == enquiry_id)
            .values(store.enquiry_values(changed))
        )
        uow.commit()
    return changed


def _get(uow: UnitOfWork, enquiry_id: int, unit: str | None) -> Enquiry:
    with uow:
        return _load(uow, enquiry_id, unit)


def _load(uow: UnitOfWork, enquiry_id: int, unit: str | None) -> Enquiry:
    query = select(tables.enquiries).where(tables.enquiries.c.id == enquiry_id)
    if unit is not None:
        query = query.where(tables.enquiries.c.unit_code == unit)
    row = uow.session.execute(query).first()
    if row is None:
        raise NotFound(f"no enquiry {enquiry_id}")
    return store.enquiry_from_row(row)
