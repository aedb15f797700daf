"""The event types nobody is told of, each with the reason. Every type in the catalogue is routed
(`routing.ROUTES`) or named here: a new type must choose, the tests see to it. A routed type
may still tell nobody of some of its events: of case.advanced the applicant hears only the last
step, delivery (the inner steps show on tracking). Webhooks still carry every event to the
integrators who subscribe to it."""

from __future__ import annotations

OWN_WEBHOOK = "the owner caused it and receives it through their own subscriptions"
KEPT = "records kept, not news"

SILENT: dict[str, str] = {
    # registry
    "govhall.registry.unit.updated.v1": "the unit's or the authority's own edit; records kept",
    "govhall.registry.hall.registered.v1": (
        "set up by the center or authority; the public hall list shows it"
    ),
    "govhall.registry.matter.published.v1": (
        "the authority's own action; the public matter guide shows it"
    ),
    "govhall.registry.slot.published.v1": "the window's own action; the public slot list shows it",
    "govhall.registry.extended_hours.scheduled.v1": (
        "the window's own action; the public list of extended hours shows it"
    ),
    "govhall.registry.booking.made.v1": (
        "the public's own booking; the window reads its slot's bookings"
    ),
    "govhall.registry.booking.cancelled.v1": (
        "the public's own cancellation; the window reads its slot's bookings"
    ),
    # The applicant is told of acceptance, missing materials, extensions and the outcome
    # (routing: `case:<receipt number>`); of these two they need not be.
    "govhall.registry.case.supplement_received.v1": (
        "the applicant handed the materials in themselves; the unit carries on with the case"
    ),
    "govhall.registry.case.assisted.v1": (
        "assistance the applicant asked the hall for; records kept"
    ),
    # staffing
    "govhall.staffing.post.created.v1": KEPT,
    "govhall.staffing.seal.registered.v1": (
        "the unit's own registration; its custodians are told when they are appointed"
    ),
    "govhall.staffing.assignment.made.v1": (
        "the unit's or the center's own posting; the public directory shows who is on duty"
    ),
    "govhall.staffing.assignment.ended.v1": (
        "the unit's or the center's own change; the public directory shows who is on duty"
    ),
    "govhall.staffing.seal.used.v1": f"{KEPT}: the seal's log of uses (EQ-4.2)",
    "govhall.staffing.training.recorded.v1": f"{KEPT}; the assessment counts it",
    "govhall.staffing.attendance.recorded.v1": f"{KEPT}; the assessment counts it",
    "govhall.staffing.assessment.scheme_published.v1": "the center's own action; records kept",
    "govhall.staffing.assessment.unit_weight_set.v1": "the center's own setting; records kept",
    "govhall.staffing.assessment.scored.v1": (
        "the center's own step; grades are told at assessment.finalised"
    ),
    # inspection
    "govhall.inspection.evaluation.submitted.v1": (
        "a bad review is covered by rectification.opened; the rest count in the ranking"
    ),
    "govhall.inspection.evaluation.voided.v1": "covered by evaluation_appeal.decided",
    "govhall.inspection.finding.evidence_added.v1": f"{KEPT}; the finding itself was told",
    "govhall.inspection.rectification.called_back.v1": (
        "the unit's own step; the center reviews it at rectification.reported"
    ),
    "govhall.inspection.local_rule.changed.v1": (
        "the authority's own action; what a rule proposes is told at sanction.proposed"
    ),
    "govhall.inspection.accountability.district_opinion_recorded.v1": (
        "the authority's own record; the outcome is told at accountability.concluded"
    ),
    # notification
    "govhall.notification.webhook.created.v1": OWN_WEBHOOK,
    "govhall.notification.webhook.updated.v1": OWN_WEBHOOK,
    "govhall.notification.webhook.secret_rotated.v1": OWN_WEBHOOK,
    "govhall.notification.webhook.replayed.v1": OWN_WEBHOOK,
    # every service's audit checkpoints: kept in audit_checkpoints, not news for anyone's inbox
    **{
        f"govhall.{service}.audit.checkpointed.v1": (
            "an anchor of the audit trail, kept for `govhall audit verify`; integrators subscribe"
        )
        for service in ("registry", "staffing", "inspection", "notification")
    },
}
