"""A published window's life: opening and closing (EQ-2.2c/d), suspension, reinstatement and
termination after a sanction (TJ-8.2), and revocation on the unit's application (TJ-7.6)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from services.registry.domain.agreements import Agreement
from services.registry.domain.windows import (
    ENDED,
    Window,
    WindowState,
    WindowType,
    recorded_on,
    step_date,
)
from shared.errors import RuleViolation, StateConflict


def open_window(window: Window, reason: str) -> Window:
    """EQ-2.2c/d: a reserved window is opened by the center, with a reason (e.g. a surge)."""
    _require_active(window, "opened")
    if window.type not in (WindowType.EMERGENCY, WindowType.SEASONAL):
        raise RuleViolation(
            "only emergency and seasonal windows are opened and closed; others are open while "
            "active (EQ-2.2a)",
            rule="EQ-2.2c",
            field="type",
        )
    if window.type is WindowType.EMERGENCY and not reason.strip():
        raise RuleViolation(
            "an emergency window is opened for a reason, such as a surge (EQ-2.2c)",
            rule="EQ-2.2c",
            field="reason",
        )
    if window.is_open:
        raise StateConflict("the window is open already", field="is_open")
    return replace(window, is_open=True, open_reason=reason.strip(), version=window.version + 1)


def close_window(window: Window, reason: str) -> Window:
    _require_active(window, "closed")
    if window.type not in (WindowType.EMERGENCY, WindowType.SEASONAL):
        raise RuleViolation(
            "only emergency and seasonal windows are closed (EQ-2.2a)", rule="EQ-2.2c", field="type"
        )
    if not window.is_open:
        raise StateConflict("the window is closed already", field="is_open")
    return replace(window, is_open=False, open_reason=reason.strip(), version=window.version + 1)


def seasonal_change(window: Window, today: date) -> bool | None:
    """EQ-2.2d: True to open, False to close, None to leave a seasonal window as it is."""
    if window.type is not WindowType.SEASONAL or window.state is not WindowState.ACTIVE:
        return None
    should_be_open = today.month in window.seasonal_months
    return None if should_be_open == window.is_open else should_be_open


def _require_active(window: Window, verb: str) -> None:
    if window.state is not WindowState.ACTIVE:
        raise StateConflict(
            f"only an active window is {verb}; this one is {window.state}", field="state"
        )


# -- sanctions from inspection (TJ-8.2) ----------------------------------------------------------
def suspend(window: Window, sanction: dict[str, Any]) -> Window | None:
    """None when the sanction no longer applies (the window is not active): nothing changes."""
    if window.state is not WindowState.ACTIVE:
        return None
    return _record(window, WindowState.SUSPENDED, "suspension", sanction)


def reinstate(window: Window, lifting: dict[str, Any]) -> Window | None:
    if window.state is not WindowState.SUSPENDED:
        return None
    return _record(window, WindowState.ACTIVE, "reinstatement", lifting)


def terminate(window: Window, sanction: dict[str, Any]) -> Window | None:
    if window.state not in (WindowState.ACTIVE, WindowState.SUSPENDED):
        return None
    ended = _record(window, WindowState.TERMINATED, "termination", sanction)
    return replace(ended, is_open=False)


# -- revocation (TJ-7.6) ------------------------------------------------------------------------
def request_revocation(window: Window, reason: str, today: date) -> Window:
    """The unit applies, e.g. for too little volume; the authority then consents or not. The
    request's day is recorded: consent cannot come before it."""
    if window.state not in (WindowState.ACTIVE, WindowState.SUSPENDED):
        raise StateConflict(
            f"only a published window is revoked; this one is {window.state} (TJ-7.6)",
            rule="TJ-7.6",
            field="state",
        )
    if window.revocation_request:
        raise StateConflict("revocation has been requested already", field="reason")
    if not reason.strip():
        raise RuleViolation(
            "a revocation request gives its reason, e.g. too little volume (TJ-7.6)",
            rule="TJ-7.6",
            field="reason",
        )
    return replace(
        window,
        revocation_request=reason.strip(),
        records={**window.records, "revocation_request": {"on": today.isoformat()}},
        version=window.version + 1,
    )


def consent_to_revocation(window: Window, record: dict[str, Any], today: date) -> Window:
    if window.state in ENDED:
        raise StateConflict(f"the window is {window.state} already", field="state")
    if not window.revocation_request:
        raise StateConflict(
            "a window is revoked on its unit's application: none has been made (TJ-7.6)",
            rule="TJ-7.6",
            field="state",
        )
    # A request made before its day was recorded: it followed the publication at least.
    requested_on = recorded_on(window, "revocation_request", "on") or recorded_on(
        window, "publication", "on"
    )
    step_date(
        record,
        "consented_on",
        since=requested_on or date.min,
        since_what="the unit's request",
        today=today,
        rule="TJ-7.6",
    )
    revoked = _record(window, WindowState.REVOKED, "revocation", record)
    return replace(revoked, is_open=False)


def _record(window: Window, state: WindowState, name: str, record: dict[str, Any]) -> Window:
    return replace(
        window, state=state, records={**window.records, name: record}, version=window.version + 1
    )


def check_accepts(window: Window, agreement: Agreement | None, matter_code: str, day: date) -> None:
    """Whether the window may take a case for this matter today; raises naming the rule."""
    if window.state is WindowState.SUSPENDED:
        raise RuleViolation(
            "the window's delegated business is suspended (TJ-8.2)", rule="TJ-8.2", field="window"
        )
    if window.state is not WindowState.ACTIVE:
        raise RuleViolation(
            f"the window is {window.state}, not published (TJ-5.6)", rule="TJ-5.6", field="window"
        )
    if not window.is_open:
        raise RuleViolation(
            "the reserved window is closed (EQ-2.2c, EQ-2.2d)", rule="EQ-2.2c", field="window"
        )
    if agreement is None or not agreement.in_force_on(day):
        raise RuleViolation(
            "the window has no delegation agreement in force (TJ-5.5)",
            rule="TJ-5.5",
            field="window",
        )
    if not agreement.delegates(matter_code, day):
        raise RuleViolation(
            f"the agreement does not delegate {matter_code} (TJ-2.1)", rule="TJ-2.1", field="matter"
        )
