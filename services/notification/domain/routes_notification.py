"""Who is told of notification's own events: of a webhook that kept failing, its owner (the
integrator's inbox, and its e-mail if the address book has one: the disabled subscription
itself can no longer tell it) and the center. The owner's other subscriptions that match the
event receive it too, as any event."""

from __future__ import annotations

from services.notification.domain.route import Route

ROUTES: dict[str, Route] = {
    "govhall.notification.webhook.disabled.v1": lambda d: (f"integrator:{d['owner']}", "center"),
}
