"""Matters: each published version's content in, `MatterVersion` out, and back; the forms known."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from services.registry.adapters import tables
from services.registry.domain.matters import CaseKind, Material, MatterType, MatterVersion
from shared.errors import Conflict, NotFound


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
