"""The events notification consumes: every routed type goes to `record_notices`."""

from __future__ import annotations

from services.notification.domain.routing import ROUTES
from services.notification.handlers.events import keep_checkpoint, record_notices
from shared import audit_checkpoints
from shared.consumer import Handler

# "govhall.#": every other event too, for the webhooks integrators subscribe to.
SUBSCRIPTIONS: dict[str, Handler] = {
    **dict.fromkeys(ROUTES, record_notices),
    **{kind.name: keep_checkpoint for kind in audit_checkpoints.TYPES.values()},
    "govhall.#": record_notices,
}
