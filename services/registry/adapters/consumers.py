"""The events registry consumes: event type → handler, one table."""

from __future__ import annotations

from functools import partial

from services.registry.handlers import sanctions, staff
from shared.consumer import Handler

SUBSCRIPTIONS: dict[str, Handler] = {
    "govhall.inspection.finding.recorded.v1": partial(sanctions.remember_violation, kind="finding"),
    "govhall.inspection.finding.withdrawn.v1": sanctions.withdraw_violation,
    "govhall.inspection.sanction.imposed.v1": sanctions.apply_sanction,
    "govhall.inspection.sanction.lifted.v1": sanctions.lift_sanction,
    "govhall.staffing.assignment.made.v1": staff.staff_assigned,
    "govhall.staffing.assignment.ended.v1": staff.staff_left,
}
