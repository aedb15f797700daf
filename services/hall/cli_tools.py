"""`govhall token`, `asyncapi` and `access-matrix`: a bearer token for a caller, and the
documents generated from the code (docs/asyncapi.yaml, docs/access-matrix.md)."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import click


def _parse_ttl(value: str) -> timedelta:
    match = re.fullmatch(r"(-?\d+)([smhd])", value.strip())
    if not match:
        raise click.BadParameter("use a number and s, m, h or d, e.g. 12h")
    amount, unit = int(match[1]), match[2]
    if amount <= 0:
        raise click.BadParameter(f"{value} is no lifetime: a token must live more than 0, e.g. 12h")
    return timedelta(**{{"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[unit]: amount})


@click.command()
@click.option(
    "--role",
    required=True,
    type=click.Choice(["authority", "center", "unit", "inspector", "integrator"]),
)
@click.option("--unit", default=None, help="The unit's code (for --role unit).")
@click.option("--sub", default=None, help="Who the token is for (default: generated).")
@click.option("--ttl", default="12h", show_default=True, help="e.g. 30m, 12h, 7d")
def token(role: str, unit: str | None, sub: str | None, ttl: str) -> None:
    """Print a bearer token signed with JWT_SECRET (or the embedded local key)."""
    from services.registry.domain.units import CODE_PATTERN
    from shared import auth, signing_keys

    if unit is not None and not CODE_PATTERN.match(unit):
        # A token's unit is compared exactly, and registry keeps only canonical codes: `TJ-Hexi`
        # would name no unit at all (docs/architecture.md, "Identifiers").
        raise click.UsageError(
            f"--unit {unit!r}: a unit code as registered, 2–63 lower-case letters, digits or "
            "hyphens"
        )

    secret = os.environ.get("JWT_SECRET") or signing_keys.local_secret(
        os.environ.get("VAR_DIR", "var")
    )
    claims = {
        "issuer": os.environ.get("JWT_ISSUER") or auth.ISSUER,
        "audience": os.environ.get("JWT_AUDIENCE") or auth.AUDIENCE,
    }
    lifetime = _parse_ttl(ttl)
    try:
        click.echo(auth.issue_token(secret, role=role, unit=unit, sub=sub, ttl=lifetime, **claims))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


@click.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write here (docs/asyncapi.yaml is the committed one) instead of printing.",
)
def asyncapi(output: str | None) -> None:
    """The event catalog as an AsyncAPI 3.0 YAML document (committed as docs/asyncapi.yaml)."""
    from services.hall import asyncapi as catalog

    text = catalog.render()
    if output is None:
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")


@click.command("access-matrix")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write here (docs/access-matrix.md is the committed one) instead of printing.",
)
def access_matrix(output: str | None) -> None:
    """Who may call each route, read from the code (committed as docs/access-matrix.md)."""
    from services.hall import access_matrix as matrix

    text = matrix.render()
    if output is None:
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")
