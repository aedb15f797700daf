"""The matter catalogue (EQ-2.1, TJ-6.2, EQ-1.3): what the hall handles and how, versioned.

An edit never rewrites a version: it adds the next one, so an applicant's guide stays what it
was when they read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.errors import Invalid, RuleViolation

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class MatterType(StrEnum):
    """EQ-2.1: the four kinds of matter a hall handles."""

    LICENSING = "licensing"
    CONFIRMATION = "confirmation"
    PUBLIC_SERVICE = "public_service"
    OTHER = "other"


class CaseKind(StrEnum):
    ON_THE_SPOT = "on_the_spot"  # 即办件
    PROMISED = "promised"  # 承诺件
    JOINT = "joint"  # 联办件
    FORWARDED = "forwarded"  # 上报件


@dataclass(frozen=True)
class Material:
    name_zh: str
    name_en: str
    required: bool = True
    copies: int = 1
    note: str = ""


@dataclass(frozen=True)
class MatterVersion:
    code: str
    version: int
    name_zh: str
    name_en: str
    type: MatterType
    case_kind: CaseKind
    legal_limit_days: int
    promised_limit_days: int
    extension_days: int  # 0: the clock may not be extended
    extension_note: str
    materials: tuple[Material, ...]
    flow: tuple[str, ...]
    visits: int
    fees: str
    legal_basis: str
    forms: tuple[int, ...]
    published_at: datetime
    published_by: str
    unit_code: str | None = None  # the unit that handles it, where one does
    description: str = field(default="")

    @property
    def extendable(self) -> bool:
        return self.extension_days > 0


def publish(
    code: str,
    content: dict[str, Any],
    *,
    previous: MatterVersion | None,
    known_forms: set[int],
    now: datetime,
    actor: str,
) -> MatterVersion:
    """The next version of a matter's guide, checked against TJ-6.2 and EQ-4.4c."""
    if previous is None and not CODE_PATTERN.match(code):
        raise Invalid("a matter code is 2–63 lower-case letters, digits or hyphens", field="code")
    version = MatterVersion(
        code=code,
        version=previous.version + 1 if previous else 1,
        name_zh=content["name_zh"].strip(),
        name_en=content["name_en"].strip(),
        type=MatterType(content["type"]),
        case_kind=CaseKind(content["case_kind"]),
        legal_limit_days=content["legal_limit_days"],
        promised_limit_days=content["promised_limit_days"],
        extension_days=content.get("extension_days", 0),
        extension_note=content.get("extension_note", ""),
        materials=tuple(Material(**m) for m in content["materials"]),
        flow=tuple(step.strip() for step in content["flow"]),
        visits=content["visits"],
        fees=content.get("fees", "") or "免费 Free",
        legal_basis=content["legal_basis"].strip(),
        forms=tuple(content.get("forms", ())),
        published_at=now,
        published_by=actor,
        unit_code=content.get("unit_code"),
        description=content.get("description", ""),
    )
    _check_guide(version, known_forms)
    return version


def _check_guide(matter: MatterVersion, known_forms: set[int]) -> None:
    if not matter.name_zh or not matter.name_en:
        raise Invalid("a matter needs its name in Chinese and English", field="name_zh")
    if not matter.flow or any(not step for step in matter.flow):
        raise RuleViolation(
            "the guide must show the process flow (TJ-6.2)", rule="TJ-6.2", field="flow"
        )
    if not matter.materials:
        raise RuleViolation(
            "the guide must list the materials, even if only an ID card (TJ-6.2)",
            rule="TJ-6.2",
            field="materials",
        )
    if not matter.legal_basis:
        raise RuleViolation(
            "the guide must name its legal basis (EQ-1.3)", rule="EQ-1.3", field="legal_basis"
        )
    _check_time_limits(matter)
    unknown = sorted(set(matter.forms) - known_forms)
    if unknown:
        raise Invalid(f"no uploaded form with id {unknown}", field="forms")


def _check_time_limits(matter: MatterVersion) -> None:
    if matter.legal_limit_days < 0 or matter.promised_limit_days < 0:
        raise Invalid("time limits are working days, 0 or more", field="legal_limit_days")
    if matter.promised_limit_days > matter.legal_limit_days:
        raise RuleViolation(
            f"the promised limit ({matter.promised_limit_days} working days) may not exceed "
            f"the legal limit ({matter.legal_limit_days}) (EQ-4.4c)",
            rule="EQ-4.4c",
            field="promised_limit_days",
        )
    if matter.case_kind is CaseKind.ON_THE_SPOT and matter.promised_limit_days != 0:
        raise RuleViolation(
            "an on-the-spot matter is completed at once: its promised limit is 0 (EQ-4.4c)",
            rule="EQ-4.4c",
            field="promised_limit_days",
        )
    if matter.extension_days and not matter.extension_note:
        raise Invalid(
            "say how the clock may be extended (e.g. told to the applicant with reasons)",
            field="extension_note",
        )
