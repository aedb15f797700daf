"""Loading and saving registry's aggregates: rows in, domain objects out, and back."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from services.registry.adapters import tables
from services.registry.domain.agreements import RUNNING, Agreement, AgreementStatus, Assessment
from services.registry.domain.matters import CaseKind, Material, MatterType, MatterVersion
from services.registry.domain.windows import Evidence, Window, WindowState, WindowType
from shared.db import insert_returning_id
from shared.errors import Conflict, NotFound


# -- windows -----------------------------------------------------------------------------------
def window_from_row(row: Any) -> Window:
    return Window(
        id=row.id,
        unit_code=row.unit_code,
        hall_code=row.hall_code,
        name_zh=row.name_zh,
        name_en=row.name_en,
        type=WindowType(row.type),
        state=WindowState(row.state),
        evidence=Evidence(**row.evidence),
        applied_at=row.applied_at,
        co_units=tuple(row.co_units),
        seasonal_months=tuple(row.seasonal_months),
        is_open=row.is_open,
        open_reason=row.open_reason,
        details=dict(row.details),
        records=dict(row.records),
        revocation_request=row.revocation_request,
        version=row.version,
    )


def _window_values(window: Window) -> dict[str, Any]:
    return {
        "unit_code": window.unit_code,
        "hall_code": window.hall_code,
        "name_zh": window.name_zh,
        "name_en": window.name_en,
        "type": window.type.value,
        "state": window.state.value,
        "evidence": asdict(window.evidence),
        "applied_at": window.applied_at,
        "co_units": list(window.co_units),
        "seasonal_months": list(window.seasonal_months),
        "is_open": window.is_open,
        "open_reason": window.open_reason,
        "details": window.details,
        "records": window.records,
        "revocation_request": window.revocation_request,
        "version": window.version,
    }


def add_window(session: Session, window: Window) -> int:
    window_id = insert_returning_id(session, tables.windows, _window_values(window))
    for unit_code in window.units:
        session.execute(
            insert(tables.window_units).values(window_id=window_id, unit_code=unit_code)
        )
    return window_id


def save_window(session: Session, window: Window, expected_version: int) -> None:
    """Optimistic: a concurrent change to the same window makes this a 409, not a lost update."""
    result = session.execute(
        update(tables.windows)
        .where(tables.windows.c.id == window.id, tables.windows.c.version == expected_version)
        .values(_window_values(window))
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("the window was changed by someone else meanwhile; reload and retry")


def get_window(session: Session, window_id: int, *, unit: str | None = None) -> Window:
    """A window by id; for a unit token only a window that serves the unit (else 404)."""
    query = select(tables.windows).where(tables.windows.c.id == window_id)
    if unit is not None:
        query = query.join(
            tables.window_units, tables.window_units.c.window_id == tables.windows.c.id
        ).where(tables.window_units.c.unit_code == unit)
    row = session.execute(query).first()
    if row is None:
        raise NotFound(f"no window {window_id}")
    return window_from_row(row)


# -- agreements --------------------------------------------------------------------------------
def agreement_from_row(row: Any) -> Agreement:
    assessment = row.assessment
    return Agreement(
        id=row.id,
        window_id=row.window_id,
        matters=tuple(row.matters),
        duties=row.duties,
        rights=row.rights,
        requirements=row.requirements,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        status=AgreementStatus(row.status),
        assessment=Assessment(
            assessed_on=date.fromisoformat(assessment["assessed_on"]),
            passed=assessment["passed"],
            summary=assessment["summary"],
            assessed_by=assessment["assessed_by"],
        )
        if assessment
        else None,
        previous_id=row.previous_id,
        notices_sent=tuple(row.notices_sent),
    )


def _agreement_values(agreement: Agreement) -> dict[str, Any]:
    assessment = None
    if agreement.assessment is not None:
        assessment = {
            **asdict(agreement.assessment),
            "assessed_on": agreement.assessment.assessed_on.isoformat(),
        }
    return {
        "window_id": agreement.window_id,
        "matters": list(agreement.matters),
        "duties": agreement.duties,
        "rights": agreement.rights,
        "requirements": agreement.requirements,
        "starts_on": agreement.starts_on,
        "ends_on": agreement.ends_on,
        "status": agreement.status.value,
        "assessment": assessment,
        "previous_id": agreement.previous_id,
        "notices_sent": list(agreement.notices_sent),
    }


def add_agreement(session: Session, agreement: Agreement) -> int:
    return insert_returning_id(session, tables.agreements, _agreement_values(agreement))


def save_agreement(session: Session, agreement: Agreement) -> None:
    session.execute(
        update(tables.agreements)
        .where(tables.agreements.c.id == agreement.id)
        .values(_agreement_values(agreement))
    )


def get_agreement(session: Session, agreement_id: int) -> Agreement:
    row = session.execute(
        select(tables.agreements).where(tables.agreements.c.id == agreement_id)
    ).first()
    if row is None:
        raise NotFound(f"no agreement {agreement_id}")
    return agreement_from_row(row)


def agreement_on(session: Session, window_id: int, day: date) -> Agreement | None:
    """The window's agreement in force that day, if any: after an early renewal the old one
    until its end, then its successor (TJ-5.5)."""
    rows = session.execute(
        select(tables.agreements)
        .where(
            tables.agreements.c.window_id == window_id,
            tables.agreements.c.status.in_([s.value for s in RUNNING]),
            tables.agreements.c.starts_on <= day,
            tables.agreements.c.ends_on >= day,
        )
        .order_by(tables.agreements.c.id.desc())
        .limit(1)
    ).first()
    return agreement_from_row(rows) if rows else None


def running_agreements(session: Session, window_id: int) -> list[Agreement]:
    """Agreements in force or yet to start, e.g. a renewal signed ahead of expiry."""
    rows = session.execute(
        select(tables.agreements).where(
            tables.agreements.c.window_id == window_id,
            tables.agreements.c.status.in_([s.value for s in RUNNING]),
        )
    ).all()
    return [agreement_from_row(row) for row in rows]


# -- matters -----------------------------------------------------------------------------------
def matter_from_content(code: str, version: int, row: Any) -> MatterVersion:
    content = dict(row.content)
    return MatterVersion(
        code=code,
        version=version,
        name_zh=content["name_zh"],
        name_en=content["name_en"],
        type=MatterType(content["type"]),
        case_kind=CaseKind(content["case_kind"]),
        legal_limit_days=content["legal_limit_days"],
        promised_limit_days=content["promised_limit_days"],
        extension_days=content["extension_days"],
        extension_note=content["extension_note"],
        materials=tuple(Material(**m) for m in content["materials"]),
        flow=tuple(content["flow"]),
        visits=content["visits"],
        fees=content["fees"],
        legal_basis=content["legal_basis"],
        forms=tuple(content["forms"]),
        published_at=row.published_at,
        published_by=row.published_by,
        unit_code=content.get("unit_code"),
        description=content.get("description", ""),
    )


def matter_content(matter: MatterVersion) -> dict[str, Any]:
    content = asdict(matter)
    for key in ("code", "version", "published_at", "published_by"):
        content.pop(key)
    content["type"] = matter.type.value
    content["case_kind"] = matter.case_kind.value
    return content


def get_matter(session: Session, code: str, version: int | None = None) -> MatterVersion:
    if version is None:
        current = session.execute(
            select(tables.matters.c.current_version).where(tables.matters.c.code == code)
        ).scalar()
        if current is None:
            raise NotFound(f"no matter {code}")
        version = current
    row = session.execute(
        select(tables.matter_versions).where(
            tables.matter_versions.c.code == code, tables.matter_versions.c.version == version
        )
    ).first()
    if row is None:
        raise NotFound(f"matter {code} has no version {version}")
    return matter_from_content(code, version, row)


def save_matter(session: Session, matter: MatterVersion) -> None:
    summary = {
        "current_version": matter.version,
        "name_zh": matter.name_zh,
        "name_en": matter.name_en,
        "type": matter.type.value,
        "unit_code": matter.unit_code,
    }
    if matter.version == 1:
        session.execute(insert(tables.matters).values(code=matter.code, **summary))
    else:
        result = session.execute(
            update(tables.matters)
            .where(
                tables.matters.c.code == matter.code,
                tables.matters.c.current_version == matter.version - 1,
            )
            .values(summary)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"matter {matter.code} was edited meanwhile; reload and retry")
    session.execute(
        insert(tables.matter_versions).values(
            code=matter.code,
            version=matter.version,
            content=matter_content(matter),
            published_at=matter.published_at,
            published_by=matter.published_by,
        )
    )


def known_forms(session: Session, ids: tuple[int, ...] | list[int]) -> set[int]:
    if not ids:
        return set()
    return set(
        session.execute(select(tables.forms.c.id).where(tables.forms.c.id.in_(list(ids)))).scalars()
    )


def clear_window_units(session: Session, window_id: int) -> None:
    session.execute(delete(tables.window_units).where(tables.window_units.c.window_id == window_id))
