"""Who is told of which event. Recipients are inbox keys (`inboxes`): a role, a unit, one of a
unit's staff, a district, an integrator or the applicant of a case. Every routed type has a
template per channel (inbox, e-mail) and language; a type nobody is told of is in
`silence.SILENT`, with the reason."""

from __future__ import annotations

from typing import Any

from services.notification.domain import routes_inspection, routes_notification
from services.notification.domain.inboxes import case_key, staff_key, unit_key
from services.notification.domain.route import Route, only, unit_and

D = dict[str, Any]


def _unit(d: D) -> tuple[str, ...]:
    return (unit_key(d["unit_code"]),)


def _registered(d: D) -> tuple[str, ...]:
    return ("authority", unit_key(d["code"]))


def _staff(d: D, *fields: str) -> tuple[str, ...]:
    """The inboxes of the unit's staff the event names in `fields`, those it names at all."""
    return tuple(staff_key(d["unit_code"], d[f]) for f in fields if d.get(f))


def _absence_reported(d: D) -> tuple[str, ...]:
    """EQ-3.2.5: A reports to the chief representative, who decides; the deputy stands in when
    the chief is the one away. Without a chief on record, the unit alone is told."""
    chief, deputy = d.get("chief_staff_id"), d.get("deputy_staff_id")
    decider = deputy if chief == d["staff_id"] else chief
    return (*_unit(d), *((staff_key(d["unit_code"], decider),) if decider else ()))


def _absence_approved(d: D) -> tuple[str, ...]:
    """EQ-3.2.5: the unit, the one away, and B, who covers, each in their own inbox."""
    return (*_unit(d), *_staff(d, "staff_id", "cover_staff_id"))


def _absence_rejected(d: D) -> tuple[str, ...]:
    return (*_unit(d), *_staff(d, "staff_id"))


def _applicant(d: D) -> tuple[str, ...]:
    """The applicant follows the case by its receipt (number and query code)."""
    return (case_key(d["receipt_number"]),)


def _delivered(d: D) -> tuple[str, ...]:
    """Of the chain's steps the applicant hears of the last, when the result is delivered; the
    hall's inner steps (handled, reviewed, approved, issued) show on tracking."""
    return _applicant(d) if d["stage"] == "delivered" else ()


ROUTES: dict[str, Route] = {
    "govhall.registry.unit.registered.v1": _registered,
    "govhall.registry.window.applied.v1": unit_and("authority"),
    "govhall.registry.window.published.v1": unit_and("center"),
    "govhall.registry.window.suspended.v1": unit_and("center", "authority"),
    "govhall.registry.window.reinstated.v1": unit_and("center", "authority"),
    "govhall.registry.window.terminated.v1": unit_and("center", "authority"),
    "govhall.registry.window.revocation_requested.v1": unit_and("authority"),
    "govhall.registry.window.revoked.v1": unit_and("center"),
    # EQ-2.2b: the unit is told to come to the comprehensive window and accept the materials.
    "govhall.registry.window.materials_received.v1": _unit,
    "govhall.registry.agreement.renewal_due.v1": unit_and("authority"),
    "govhall.registry.agreement.expired.v1": unit_and("authority", "center"),
    "govhall.registry.window.inspected.v1": _unit,
    "govhall.registry.window.reviewed.v1": _unit,
    "govhall.registry.window.rejected.v1": unit_and("center"),
    "govhall.registry.window.approved.v1": _unit,
    "govhall.registry.window.agreed.v1": _unit,
    "govhall.registry.window.opened.v1": only("center"),
    "govhall.registry.window.closed.v1": only("center"),
    "govhall.registry.window.details_changed.v1": only("center"),
    "govhall.registry.agreement.signed.v1": _unit,
    "govhall.registry.agreement.renewed.v1": _unit,
    # EQ-4.5: announced in advance; the center runs the hall, the authority oversees it.
    "govhall.registry.hall_notice.announced.v1": only("center", "authority"),
    # EQ-1.4: electronic supervision warns the unit handling the case and the center.
    "govhall.registry.case.warned.v1": unit_and("center"),
    "govhall.registry.case.stage_overran.v1": _unit,
    # The applicant's own case: accepted (with the date promised), materials missing (EQ-4.4b,
    # told once), the limit extended (EQ-4.4c), and the end: delivered or refused.
    "govhall.registry.case.accepted.v1": _applicant,
    "govhall.registry.case.supplement_requested.v1": _applicant,
    "govhall.registry.case.extended.v1": _applicant,
    # EQ-4.5: a closure announced after acceptance moves the date promised to the applicant.
    "govhall.registry.case.rescheduled.v1": _applicant,
    "govhall.registry.case.advanced.v1": _delivered,
    "govhall.registry.case.refused.v1": _applicant,
    # EQ-3.2.5: B is told to cover, in B's own inbox, and the unit with the one away.
    "govhall.staffing.absence.approved.v1": _absence_approved,
    "govhall.staffing.post.uncovered.v1": unit_and("center"),
    "govhall.staffing.staff.returned.v1": _unit,
    # EQ-3.2.4 with EQ-4.2: the office and the seal's custody are vacant until the unit appoints.
    "govhall.staffing.chief_representative.vacated.v1": unit_and("center"),
    "govhall.staffing.replacement.overdue.v1": unit_and("center"),
    # EQ-3.2.2d: the home unit hears of excellent (promotion priority) and incompetent (no award).
    "govhall.staffing.assessment.grade_recorded.v1": _unit,
    "govhall.staffing.assessment.opened.v1": only("authority", "center"),
    "govhall.staffing.assessment.finalised.v1": only("authority", "center"),
    "govhall.staffing.assessment.appeal_filed.v1": only("center"),
    "govhall.staffing.assessment.appeal_decided.v1": _unit,
    # EQ-3.2.5: the chief representative approves, told in their own inbox.
    "govhall.staffing.absence.reported.v1": _absence_reported,
    "govhall.staffing.absence.rejected.v1": _absence_rejected,
    # EQ-3.2.3: the center decides rotations and swaps.
    "govhall.staffing.rotation.applied.v1": only("center"),
    "govhall.staffing.rotation.decided.v1": _unit,
    # EQ-4.2: the unit answers for its seal; the center supervises the hall.
    "govhall.staffing.seal.misuse_attempted.v1": unit_and("center"),
    "govhall.staffing.staff.registered.v1": only("center"),
    # EQ-3.1a: the exception to the age rule is the center's to approve.
    "govhall.staffing.staff.age_exception_requested.v1": only("center"),
    "govhall.staffing.staff.age_exception_approved.v1": _unit,
    "govhall.staffing.chief_representative.appointed.v1": only("center"),
    "govhall.staffing.replacement.named.v1": only("center"),
    "govhall.staffing.assessment.grade_changed.v1": _unit,
}


ROUTES.update(routes_inspection.ROUTES)
ROUTES.update(routes_notification.ROUTES)


def recipients_for(event_type: str, data: dict[str, Any]) -> tuple[str, ...]:
    """Who is told of one event, each once and in the route's order: a recipient named twice
    (the unit of a window and one of its co-units, say) gets one notice, as the unique index
    on (event, recipient, channel) demands."""
    route = ROUTES.get(event_type)
    if route is None:
        return ()
    return tuple(dict.fromkeys(route(data)))
