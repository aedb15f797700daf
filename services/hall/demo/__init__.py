"""Demo data (docs/demo.md), loaded through the public HTTP API like any client would.

Two halls, one from each seed: Tianjin's foreign-work-permit windows in every state of the
TJ-5 procedure, and Zhengzhou Erqi's hall with every EQ-2.2 window type. Nothing is stubbed:
each service's own API makes its events, sanctions and evaluations included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.hall.demo import (
    assessment,
    cases,
    inspection_complaints,
    inspection_draws,
    inspection_evaluations,
    inspection_findings,
    inspection_proposals,
    inspection_sanctions,
    registry,
    staffing,
    webhooks,
)
from services.hall.demo.client import DemoClient, settle, step
from shared import limits

if TYPE_CHECKING:
    from services.hall.embedded import Hall


def load(hall: Hall) -> bool:
    """Load the demo hall; False when the data is there already (a second run adds nothing)."""
    client = DemoClient(hall)
    if client.call("GET", "/registry/api/v1/halls", role="center"):
        return False
    # Dozens of complaints and evaluations from one address: the public limits would refuse them.
    with limits.suspended(hall.apps.values()):
        _load(hall, client)
    return True


def _load(hall: Hall, client: DemoClient) -> None:
    # A line per step: the load takes half a minute, and a silent terminal looks hung.
    step("units, halls, windows and matters (registry)")
    registry.load(client)
    settle(hall)
    step("staff and their posts (staffing)")
    people = staffing.load(client)
    staffing.extras(client, people)
    posted = {s["window"]["id"]: [s["a"]["id"], s["b"]["id"]] for s in people["seats"]}
    receipts = cases.load(client, posted, progress=step)
    settle(hall)
    step("draws, findings, complaints and evaluations (inspection)")
    inspection_draws.load(client)
    inspection_findings.load(client)
    inspection_complaints.load(client)
    inspection_evaluations.load(client, receipts)
    settle(hall)
    step("sanctions and proposals (inspection)")
    inspection_sanctions.load(client)
    inspection_proposals.load(client)
    settle(hall)
    step("the year's assessment and the integrator's webhooks")
    assessment.load(client, people)
    webhooks.load(client)
    settle(hall)
