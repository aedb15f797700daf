"""Agreements after signing: assessment, renewal, reminders and expiry (TJ-5.5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import select

from services.registry.adapters import tables
from services.registry.adapters.repositories import agreements as agreement_store
from services.registry.adapters.repositories import windows as window_store
from services.registry.contracts import agreements as contracts
from services.registry.domain import agreements as rules
from services.registry.domain.agreements import Agreement, Assessment
from services.registry.handlers.windows import agreement_event
from shared import clock
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork


def get(uow: UnitOfWork, agreement_id: int, *, unit: str | None) -> Agreement:
    with uow:
        agreement = agreement_store.get_agreement(uow.session, agreement_id)
        try:
            window_store.get_window(uow.session, agreement.window_id, unit=unit)
        except NotFound:  # another unit's reads like a missing one, not naming its window
            raise NotFound(f"no agreement {agreement_id}") from None
    return agreement


def for_window(uow: UnitOfWork, window_id: int, *, unit: str | None) -> list[Agreement]:
    with uow:
        window_store.get_window(uow.session, window_id, unit=unit)
        rows = uow.session.execute(
            select(tables.agreements)
            .where(tables.agreements.c.window_id == window_id)
            .order_by(tables.agreements.c.id)
        ).all()
    return [agreement_store.agreement_from_row(row) for row in rows]


def record_assessment(
    uow: UnitOfWork, agreement_id: int, body: dict[str, Any], today: date | None = None
) -> Agreement:
    with uow:
        agreement = agreement_store.get_agreement(uow.session, agreement_id)
        assessment = Assessment(**body, assessed_by=uow.actor or "")
        assessed = rules.assess(agreement, assessment, today or clock.today())
        agreement_store.save_agreement(uow.session, assessed)
        uow.commit()
    return assessed


def renew(uow: UnitOfWork, agreement_id: int, today: date | None = None) -> Agreement:
    with uow:
        agreement = agreement_store.get_agreement(uow.session, agreement_id)
        window = window_store.get_window(uow.session, agreement.window_id)
        old, following = rules.renew(agreement, today or clock.today())
        agreement_store.save_agreement(uow.session, old)
        following = replace(following, id=agreement_store.add_agreement(uow.session, following))
        uow.emit(
            contracts.AGREEMENT_RENEWED.name,
            subject=str(following.id),
            data=agreement_event(following, window.unit_code),
        )
        uow.commit()
    return following


def sweep(uow: UnitOfWork, today: date) -> int:
    """The worker's daily look at agreements in force: reminders at 90 and 30 days, expiry."""
    changed = 0
    with uow:
        rows = uow.session.execute(
            select(tables.agreements, tables.windows.c.unit_code)
            .join(tables.windows, tables.windows.c.id == tables.agreements.c.window_id)
            .where(tables.agreements.c.status == rules.AgreementStatus.IN_FORCE.value)
        ).all()
        for row in rows:
            agreement = agreement_store.agreement_from_row(row)
            changed += _remind_or_expire(uow, agreement, row.unit_code, today)
        uow.commit()
    return changed


def _remind_or_expire(uow: UnitOfWork, agreement: Agreement, unit_code: str, today: date) -> int:
    if rules.expired(agreement, today):
        lapsed = replace(agreement, status=rules.AgreementStatus.EXPIRED)
        agreement_store.save_agreement(uow.session, lapsed)
        uow.emit(
            contracts.AGREEMENT_EXPIRED.name,
            subject=str(agreement.id),
            data=agreement_event(lapsed, unit_code),
        )
        return 1
    due = rules.notices_due(agreement, today)
    if not due:
        return 0
    reminded = replace(agreement, notices_sent=tuple(sorted({*agreement.notices_sent, *due})))
    agreement_store.save_agreement(uow.session, reminded)
    days_left = (agreement.ends_on - today).days
    uow.emit(
        contracts.AGREEMENT_RENEWAL_DUE.name,
        subject=str(agreement.id),
        data=agreement_event(reminded, unit_code, days_left=days_left),
    )
    return 1
