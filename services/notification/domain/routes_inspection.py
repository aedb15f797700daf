"""Who is told of inspection's events (TJ-7.2, TJ-7.4, TJ-7.5, TJ-8.3).

An unannounced spot check reaches the authority and the inspectors only, never the unit or the
center before the check. No text carries the public's names or phones: the events have none.
"""

from __future__ import annotations

from typing import Any

from services.notification.domain.inboxes import unit_key
from services.notification.domain.route import Route, only, unit_and

D = dict[str, Any]


def _draw_recipients(d: D) -> tuple[str, ...]:
    if d["kind"] != "sampling":  # a spot check is a surprise to the unit (TJ-7.4)
        return ("authority", "inspector")
    return ("authority", "inspector", "center", *(unit_key(u) for u in d["sampled_units"]))


def _sanction_recipients(d: D) -> tuple[str, ...]:
    """TJ-8.1: a notice and order goes to the window's district too; the ladder's heavier steps
    to the center, which runs the hall."""
    unit = unit_key(d["unit_code"])
    if d["kind"] == "interview":
        return (unit, "inspector")
    district = (f"district:{d['district']}",) if d.get("district") else ()
    if d["kind"] == "rectification":
        return (unit, "authority", *district)
    return (unit, "center", "authority", *district)


def _unit_only(d: D) -> tuple[str, ...]:
    return (unit_key(d["unit_code"]),)


def _found(d: D) -> tuple[str, ...]:
    return ("authority", "inspector", unit_key(d["unit_code"]))


ROUTES: dict[str, Route] = {
    "govhall.inspection.sanction.imposed.v1": _sanction_recipients,
    "govhall.inspection.sanction.lifted.v1": unit_and("center", "authority"),
    "govhall.inspection.sanction.corrected.v1": unit_and("authority"),
    "govhall.inspection.sanction.proposed.v1": only("authority"),
    "govhall.inspection.proposal.settled.v1": only("inspector"),
    "govhall.inspection.accountability.opened.v1": unit_and("authority"),
    "govhall.inspection.accountability.concluded.v1": unit_and("authority"),
    "govhall.inspection.order.reported.v1": only("authority"),
    "govhall.inspection.order.verified.v1": _unit_only,
    "govhall.inspection.order.rejected.v1": _unit_only,
    "govhall.inspection.order.overdue.v1": unit_and("authority"),
    "govhall.inspection.inspector.registered.v1": only("authority"),
    "govhall.inspection.inspector.changed.v1": only("authority"),
    "govhall.inspection.sampling_plan.created.v1": only("authority", "inspector", "center"),
    "govhall.inspection.spot_check.planned.v1": only("authority", "inspector"),
    "govhall.inspection.draw.made.v1": _draw_recipients,
    "govhall.inspection.finding.recorded.v1": _found,
    "govhall.inspection.finding.withdrawn.v1": _found,
    "govhall.inspection.guidance_visit.recorded.v1": unit_and("authority", "center"),
    "govhall.inspection.finding.rectification_reported.v1": only("authority", "inspector"),
    "govhall.inspection.finding.rectified.v1": unit_and("authority"),
    "govhall.inspection.finding.rectification_rejected.v1": unit_and("authority"),
    "govhall.inspection.finding.rectification_overdue.v1": unit_and(
        "authority", "inspector", "center"
    ),
    # TJ-7.5: a bad review opens a task for the unit: call the applicant back, rectify.
    "govhall.inspection.rectification.opened.v1": unit_and("center"),
    "govhall.inspection.rectification.reported.v1": only("center"),
    "govhall.inspection.rectification.reopened.v1": _unit_only,
    "govhall.inspection.rectification.closed.v1": _unit_only,
    "govhall.inspection.rectification.overdue.v1": unit_and("center"),
    "govhall.inspection.evaluation_appeal.filed.v1": only("center"),
    "govhall.inspection.evaluation_appeal.decided.v1": _unit_only,
    "govhall.inspection.ranking.published.v1": only("center", "authority"),
    "govhall.inspection.complaint.received.v1": only("center", "inspector"),
    "govhall.inspection.complaint.assigned.v1": only("inspector"),
    "govhall.inspection.complaint.upheld.v1": unit_and("center", "authority"),
    "govhall.inspection.complaint.dismissed.v1": unit_and("center"),
    "govhall.inspection.complaint.overdue.v1": only("center", "authority"),
    "govhall.inspection.complaint.corrected.v1": unit_and("center", "authority"),
}
