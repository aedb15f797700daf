"""Who is told of notification's own events: the center, of a webhook that kept failing (its
owner hears of it through the webhook's own events)."""

from __future__ import annotations

from services.notification.domain.route import Route

ROUTES: dict[str, Route] = {
    "govhall.notification.webhook.disabled.v1": Route(
        lambda d: ("center",),
        lambda d: (
            f"Webhook 已停用 Webhook disabled: subscription #{d['subscription_id']} of "
            f"{d['owner']} after {d['failures']} failures: {d['reason']}"
        ),
    ),
}
