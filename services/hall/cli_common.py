"""What the `govhall` commands share: the service argument, and a service's settings or its
refusal to start as one clear line."""

from __future__ import annotations

from typing import Any

import click

SERVICE = click.Choice(["registry", "staffing", "inspection", "notification"])


def service_settings(name: str, *, separate_process: bool = False) -> Any:
    """The service's settings, or the refusal to start (production checks; memory:// for a
    `serve` or `worker`, which run apart from each other) as a clear error."""
    from shared import config

    try:
        settings = config.load(name)
        if separate_process:
            config.check_separate_process(settings)
    except config.ConfigError as exc:
        raise click.ClickException(f"{name} will not start: {exc}") from exc
    return settings
