"""Windows: the setup procedure (TJ-4, TJ-5), their types (EQ-2.2) and their life until
suspension, termination (TJ-8.2) or revocation (TJ-7.6).

The procedure is an explicit state machine: each step moves a window from exactly one state to
the next, so a step can be neither skipped nor repeated.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from services.registry.domain.agreements import Agreement
from shared.errors import Invalid, RuleViolation, StateConflict


class WindowType(StrEnum):
    PERMANENT = "permanent"  # EQ-2.2a
    COMPREHENSIVE = "comprehensive"  # EQ-2.2b
    EMERGENCY = "emergency"  # EQ-2.2c
    SEASONAL = "seasonal"  # EQ-2.2d


class WindowState(StrEnum):
    APPLIED = "applied"  # TJ-5.1
    INSPECTED = "inspected"  # TJ-5.2
    REVIEWED = "reviewed"  # TJ-5.3
    APPROVED = "approved"  # TJ-5.4
    AGREED = "agreed"  # TJ-5.5
    ACTIVE = "active"  # TJ-5.6: published
    SUSPENDED = "suspended"  # TJ-8.2
    TERMINATED = "terminated"  # TJ-8.2
    REVOKED = "revoked"  # TJ-7.6
    REJECTED = "rejected"  # failed inspection or review


# Windows the public sees and that may take cases once open.
PUBLISHED = (WindowState.ACTIVE, WindowState.SUSPENDED)
ENDED = (WindowState.TERMINATED, WindowState.REVOKED, WindowState.REJECTED)
# Reserved windows stay closed until opened (EQ-2.2c, EQ-2.2d).
RESERVED = (WindowType.EMERGENCY, WindowType.SEASONAL)

PUBLIC_DETAILS = ("address", "phone", "hours")
# TJ-6.1: what every window publishes besides its matters.
STANDARDS = (
    "service_standards",
    "code_of_conduct",
    "performance_assessment",
    "complaint_channel",
    "emergency_plan",
)


@dataclass(frozen=True)
class Evidence:
    """The unit's written application (TJ-5.1) with evidence for each condition of TJ-4."""

    demand: str  # TJ-4.1, e.g. the population or case volume served
    staffing: str  # TJ-4.2: staff
    funding: str  # TJ-4.2
    equipment: str  # TJ-4.2
    district_consent: str  # TJ-4.2, TJ-5.1: the district's consent (document number)


@dataclass(frozen=True)
class Window:
    id: int | None
    unit_code: str
    hall_code: str
    name_zh: str
    name_en: str
    type: WindowType
    state: WindowState
    evidence: Evidence
    applied_at: datetime
    co_units: tuple[str, ...] = ()  # EQ-2.2b: the other units sharing a comprehensive window
    seasonal_months: tuple[int, ...] = ()  # EQ-2.2d
    is_open: bool = False  # reserved windows open and close; others are open while active
    open_reason: str = ""
    details: dict[str, str] = field(default_factory=dict)  # address, phone, hours, standards
    records: dict[str, Any] = field(default_factory=dict)  # inspection, review, letter, ...
    revocation_request: str = ""
    version: int = 1

    @property
    def units(self) -> tuple[str, ...]:
        return (self.unit_code, *self.co_units)

    def serves(self, unit_code: str) -> bool:
        return unit_code in self.units

    def takes_cases(self) -> bool:
        """Open to applicants now (cases also need an agreement in force, TJ-2.1)."""
        return self.state is WindowState.ACTIVE and self.is_open


def apply(
    *,
    unit_code: str,
    hall_code: str,
    name_zh: str,
    name_en: str,
    type: WindowType,
    evidence: Evidence,
    co_units: list[str],
    seasonal_months: list[int],
    violations: int,
    now: datetime,
    today: date,
) -> Window:
    """TJ-5.1: a unit's written application, checked against the conditions of TJ-4. Its day in
    the hall (`today`) is recorded: the site inspection cannot come before it."""
    if violations:
        raise RuleViolation(
            f"{violations} violation(s) are recorded against {unit_code}'s windows; a unit "
            "with any recorded violation may not set up a window (TJ-4.3)",
            rule="TJ-4.3",
        )
    _check_evidence(evidence)
    _check_type(type, unit_code, co_units, seasonal_months)
    if not name_zh.strip() or not name_en.strip():
        raise Invalid("a window needs its name in Chinese and English", field="name_zh")
    return Window(
        id=None,
        unit_code=unit_code,
        hall_code=hall_code,
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        type=type,
        state=WindowState.APPLIED,
        evidence=evidence,
        applied_at=now,
        records={"application": {"on": today.isoformat()}},
        co_units=tuple(co_units),
        seasonal_months=tuple(sorted(set(seasonal_months))),
    )


def _check_evidence(evidence: Evidence) -> None:
    rules = {
        "demand": "TJ-4.1",
        "staffing": "TJ-4.2",
        "funding": "TJ-4.2",
        "equipment": "TJ-4.2",
        "district_consent": "TJ-4.2",
    }
    for name, rule in rules.items():
        if not getattr(evidence, name).strip():
            raise RuleViolation(
                f"the application must give evidence of {name.replace('_', ' ')} ({rule})",
                rule=rule,
                field=f"evidence.{name}",
            )


def _check_type(
    type: WindowType, unit_code: str, co_units: list[str], seasonal_months: list[int]
) -> None:
    if type is WindowType.COMPREHENSIVE:
        if not co_units or unit_code in co_units or len(set(co_units)) != len(co_units):
            raise RuleViolation(
                "a comprehensive window is shared by several units: name the other units (EQ-2.2b)",
                rule="EQ-2.2b",
                field="co_units",
            )
    elif co_units:
        raise RuleViolation(
            "only a comprehensive window is shared by several units (EQ-2.2b)",
            rule="EQ-2.2b",
            field="co_units",
        )
    if type is WindowType.SEASONAL:
        if not seasonal_months or any(not 1 <= m <= 12 for m in seasonal_months):
            raise RuleViolation(
                "a seasonal window names the months it is open, 1–12 (EQ-2.2d)",
                rule="EQ-2.2d",
                field="seasonal_months",
            )
    elif seasonal_months:
        raise Invalid("only a seasonal window has open months", field="seasonal_months")


# -- the procedure (TJ-5.2 … TJ-5.6) -----------------------------------------------------------
def _step(window: Window, expected: WindowState, rule: str, step: str) -> None:
    if window.state is not expected:
        raise StateConflict(
            f"{step} follows the {expected} state; this window is {window.state} ({rule}): "
            "steps are taken in order, once each",
            rule=rule,
            field="state",
        )


def step_date(
    record: dict[str, Any], name: str, *, since: date, since_what: str, today: date, rule: str
) -> date:
    """A step's date: not after today in the hall, not before the step it follows."""
    raw = record[name]
    on = raw if isinstance(raw, date) else date.fromisoformat(raw)
    if on > today:
        raise RuleViolation(
            f"{name} {on} is after today ({today}) in the hall ({rule})", rule=rule, field=name
        )
    if on < since:
        raise RuleViolation(
            f"{name} {on} is before {since_what} ({since}) ({rule}): each step follows the one "
            "before it",
            rule=rule,
            field=name,
        )
    return on


def recorded_on(window: Window, step: str, name: str) -> date | None:
    """The date a past step recorded, if it did."""
    raw = window.records.get(step, {}).get(name)
    return date.fromisoformat(raw) if raw else None


def record_inspection(
    window: Window, record: dict[str, Any], *, today: date, applied_on: date
) -> Window:
    """TJ-5.2: the joint on-site inspection, after the application (`applied_on`, the hall's
    day of `applied_at`); a failed one ends the application."""
    _step(window, WindowState.APPLIED, "TJ-5.2", "the site inspection")
    step_date(
        record,
        "inspected_on",
        since=applied_on,
        since_what="the application",
        today=today,
        rule="TJ-5.2",
    )
    if len(record["inspectors"]) < 2:
        raise RuleViolation(
            "a joint inspection is done by at least two inspectors (TJ-5.2)",
            rule="TJ-5.2",
            field="inspectors",
        )
    state = WindowState.INSPECTED if record["passed"] else WindowState.REJECTED
    return _advance(window, state, "inspection", record)


def record_review(window: Window, record: dict[str, Any], *, today: date) -> Window:
    """TJ-5.3: the review meeting of departments and experts, after the inspection."""
    _step(window, WindowState.INSPECTED, "TJ-5.3", "the review meeting")
    inspected_on = recorded_on(window, "inspection", "inspected_on") or date.min
    step_date(
        record,
        "held_on",
        since=inspected_on,
        since_what="the site inspection",
        today=today,
        rule="TJ-5.3",
    )
    if not record["experts"]:
        raise RuleViolation(
            "the review meeting hears experts (TJ-5.3)", rule="TJ-5.3", field="experts"
        )
    state = WindowState.REVIEWED if record["passed"] else WindowState.REJECTED
    return _advance(window, state, "review", record)


def issue_letter(window: Window, record: dict[str, Any], *, today: date) -> Window:
    """TJ-5.4: the confirmation letter, only after a passed review."""
    _step(window, WindowState.REVIEWED, "TJ-5.4", "the confirmation letter")
    held_on = recorded_on(window, "review", "held_on") or date.min
    step_date(
        record, "issued_on", since=held_on, since_what="the review", today=today, rule="TJ-5.4"
    )
    return _advance(window, WindowState.APPROVED, "letter", record)


def agreement_signed(window: Window, agreement: Agreement, today: date) -> Window:
    """Signed today, so after the letter, itself not dated after today (TJ-5.4)."""
    _step(window, WindowState.APPROVED, "TJ-5.5", "the delegation agreement")
    record = {
        "signed_on": today.isoformat(),
        "starts_on": agreement.starts_on.isoformat(),
        "ends_on": agreement.ends_on.isoformat(),
    }
    return _advance(window, WindowState.AGREED, "agreement", record)


def publish(window: Window, published_on: date) -> Window:
    """TJ-5.6 and TJ-6.1: published with its contact details and service standards."""
    _step(window, WindowState.AGREED, "TJ-5.6", "publication")
    missing = [name for name in PUBLIC_DETAILS if not window.details.get(name, "").strip()]
    if missing:
        raise RuleViolation(
            f"publish the window's {', '.join(missing)} first (TJ-5.6)",
            rule="TJ-5.6",
            errors={f"details.{name}": ["required before publication"] for name in missing},
        )
    missing = [name for name in STANDARDS if not window.details.get(name, "").strip()]
    if missing:
        raise RuleViolation(
            f"publish the window's {', '.join(missing)} first (TJ-6.1)",
            rule="TJ-6.1",
            errors={f"details.{name}": ["required before publication"] for name in missing},
        )
    opened = window.type not in RESERVED
    published = _advance(
        window, WindowState.ACTIVE, "publication", {"on": published_on.isoformat()}
    )
    return replace(published, is_open=opened)


def _advance(window: Window, state: WindowState, name: str, record: dict[str, Any]) -> Window:
    return replace(
        window,
        state=state,
        records={**window.records, name: record},
        version=window.version + 1,
    )


def edit_details(window: Window, changes: dict[str, str]) -> Window:
    if window.state in ENDED:
        raise StateConflict(f"a window that is {window.state} is not edited", field="state")
    unknown = set(changes) - set(PUBLIC_DETAILS) - set(STANDARDS)
    if unknown:
        raise Invalid(f"unknown details {sorted(unknown)}", field="details")
    details = {**window.details, **{k: v.strip() for k, v in changes.items()}}
    if window.state in PUBLISHED:
        # A published window may not blank what TJ-5.6 and TJ-6.1 require it to show.
        blanked = [k for k in (*PUBLIC_DETAILS, *STANDARDS) if not details.get(k)]
        if blanked:
            raise RuleViolation(
                f"a published window must keep its {', '.join(blanked)}",
                rule="TJ-6.1",
                field=f"details.{blanked[0]}",
            )
    return replace(window, details=details, version=window.version + 1)
