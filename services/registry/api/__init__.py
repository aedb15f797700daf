"""Registry's HTTP adapter: one blueprint per resource."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.registry.api import (
    agreements,
    appointments,
    cases,
    directory,
    enquiries,
    halls,
    matters,
    units,
    volume,
    windows,
)


def blueprints() -> list[Blueprint]:
    return [
        units.blp,
        halls.blp,
        matters.blp,
        matters.forms_blp,
        windows.blp,
        agreements.blp,
        directory.blp,
        cases.blp,
        cases.tracking_blp,
        cases.warnings_blp,
        enquiries.blp,
        volume.blp,
        *appointments.blueprints,
    ]
