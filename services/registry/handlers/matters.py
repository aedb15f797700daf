"""The matter catalogue and its downloadable forms (EQ-2.1, TJ-6.2, EQ-1.3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from services.registry.adapters import tables
from services.registry.adapters.repositories import matters as matter_store
from services.registry.contracts import matters as contracts
from services.registry.domain import forms, matters
from services.registry.domain.matters import MatterVersion
from shared import clock
from shared.db import insert_returning_id
from shared.errors import Conflict, NotFound
from shared.unit_of_work import UnitOfWork


def publish_matter(
    uow: UnitOfWork, code: str, content: dict[str, Any], *, new: bool
) -> MatterVersion:
    """`new`: create version 1 (409 if the code exists); else add the next version."""
    with uow:
        previous = _current_or_none(uow, code)
        if new and previous is not None:
            raise Conflict(
                f"matter {code} exists already; publish a new version instead", field="code"
            )
        if not new and previous is None:
            raise NotFound(f"no matter {code}")
        known = matter_store.known_forms(uow.session, content.get("forms", []))
        matter = matters.publish(
            code,
            content,
            previous=previous,
            known_forms=known,
            now=clock.now(),
            actor=uow.actor or "",
        )
        matter_store.save_matter(uow.session, matter)
        uow.emit(contracts.MATTER_PUBLISHED.name, subject=code, data=_event(matter))
        uow.commit()
    return matter


def _current_or_none(uow: UnitOfWork, code: str) -> MatterVersion | None:
    try:
        return matter_store.get_matter(uow.session, code)
    except NotFound:
        return None


def _event(matter: MatterVersion) -> dict[str, Any]:
    return {
        "code": matter.code,
        "version": matter.version,
        "name_zh": matter.name_zh,
        "name_en": matter.name_en,
        "type": matter.type.value,
        "case_kind": matter.case_kind.value,
        "legal_limit_days": matter.legal_limit_days,
        "promised_limit_days": matter.promised_limit_days,
        "extension_days": matter.extension_days,
        "unit_code": matter.unit_code,
    }


def get_matter(uow: UnitOfWork, code: str, version: int | None = None) -> MatterVersion:
    with uow:
        return matter_store.get_matter(uow.session, code, version)


def list_matters(
    uow: UnitOfWork, *, q: str | None, type: str | None, after: str | None, limit: int
) -> list[MatterVersion]:
    query = select(tables.matters.c.code).order_by(tables.matters.c.code).limit(limit)
    if after:
        query = query.where(tables.matters.c.code > after)
    if type:
        query = query.where(tables.matters.c.type == type)
    if q:
        pattern = "%" + _escape_like(q.strip()) + "%"
        query = query.where(
            or_(
                tables.matters.c.name_zh.ilike(pattern, escape="\\"),
                tables.matters.c.name_en.ilike(pattern, escape="\\"),
            )
        )
    with uow:
        codes = list(uow.session.execute(query).scalars())
        return [matter_store.get_matter(uow.session, code) for code in codes]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def upload_form(uow: UnitOfWork, filename: str, data: bytes) -> dict[str, Any]:
    form = forms.accept(filename, data)
    with uow:
        values = {
            **form.__dict__,
            "data": data,
            "uploaded_at": clock.now(),
            "uploaded_by": uow.actor or "",
        }
        form_id = insert_returning_id(uow.session, tables.forms, values)
        uow.commit()
    return {"id": form_id, **form.__dict__}


def get_form(uow: UnitOfWork, form_id: int) -> Any:
    with uow:
        row = uow.session.execute(select(tables.forms).where(tables.forms.c.id == form_id)).first()
    if row is None:
        raise NotFound(f"no form {form_id}")
    return row


def form_summaries(uow: UnitOfWork, ids: tuple[int, ...]) -> list[dict[str, Any]]:
    if not ids:
        return []
    columns = (
        tables.forms.c.id,
        tables.forms.c.filename,
        tables.forms.c.content_type,
        tables.forms.c.size,
    )
    with uow:
        rows = uow.session.execute(select(*columns).where(tables.forms.c.id.in_(ids))).all()
    by_id = {row.id: dict(row._mapping) for row in rows}
    return [by_id[i] for i in ids if i in by_id]
