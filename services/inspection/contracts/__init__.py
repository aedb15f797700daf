"""The events inspection publishes, a module per topic; importing this package registers them
all (the catalog, the app).

Declared ahead of the inspection issues (contract first), because registry and staffing already
act on them: a sanction suspends or terminates a window (TJ-8.2), any finding or sanction is a
violation that bars the unit from setting up a window (TJ-4.3), and evaluations, upheld
complaints, findings and sanctions are inputs to the annual assessment (EQ-3.2.2a).
"""

from __future__ import annotations

from services.inspection.contracts import (
    complaints,
    draws,
    evaluations,
    findings,
    proposals,
    sanctions,
)

__all__ = ["complaints", "draws", "evaluations", "findings", "proposals", "sanctions"]
