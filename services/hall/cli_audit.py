"""`govhall audit verify`: a service's audit chain recomputed and compared with the signed
checkpoints notification keeps."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from services.hall.cli_common import SERVICE, service_settings


@click.group()
def audit() -> None:
    """The audit trail of a service (every write, every read of personal data)."""


@audit.command("verify")
@click.argument("name", type=SERVICE)
def audit_verify(name: str) -> None:
    """Recompute the MAC chain of a service's audit trail and compare it with the checkpoints
    notification keeps; name the first broken link, or the missing tail."""
    from services.hall import embedded
    from shared.audit_sealer import seal_all
    from shared.audit_table import TABLE
    from shared.audit_verify import verify_table
    from shared.service import ServiceRuntime

    rt = ServiceRuntime(embedded.service_module(name).SPEC, service_settings(name))
    missing = _no_trail(rt)
    if missing:
        rt.db.dispose()
        raise click.ClickException(f"{name}: {missing}")
    checkpoints, note = _checkpoints(name)
    seal_all(rt.db)  # what writes left for the sealer is chained first, then verified
    with rt.db.engine.connect() as connection:
        verdict = verify_table(connection, rt.db.table(TABLE), rt.keyring, checkpoints=checkpoints)
    rt.db.dispose()
    if note:
        click.echo(f"{name}: {note}")
    if verdict.unsigned_checkpoints:
        click.echo(
            f"{name}: {verdict.unsigned_checkpoints} checkpoint(s) whose signature does not hold"
            " with AUDIT_KEY or AUDIT_KEYS were left out: forged, or signed by a key not given"
        )
    if verdict.broken_at is not None:
        click.echo(
            f"{name}: the audit trail is broken at record {verdict.broken_at}: {verdict.reason}"
            f" ({verdict.records} records read)"
        )
        sys.exit(1)
    if verdict.pending_broken_at is not None:
        click.echo(
            f"{name}: the audit trail is broken at pending record {verdict.pending_broken_at}"
            f" (not yet chained): {verdict.pending_reason} ({verdict.pending} pending)"
        )
        sys.exit(1)
    waiting = f", {verdict.pending} pending" if verdict.pending else ""
    click.echo(
        f"{name}: the audit trail is intact ({verdict.records} records,"
        f" {verdict.checkpoints} checkpoints agree{waiting})"
    )


def _no_trail(rt: Any) -> str | None:
    """Why there is no audit trail to verify (no database, not migrated, unreachable), in one
    line; None when there is one. A missing SQLite file is not created by asking."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from shared.audit_table import TABLE

    name = rt.spec.name
    missing = _missing_sqlite_file(rt.db.url)
    if missing:
        return f"no database at {missing}: run `govhall migrate {name}` (or `govhall up`) first"
    try:
        with rt.db.engine.connect() as connection:
            present = inspect(connection).has_table(TABLE)
    except SQLAlchemyError as exc:
        return f"cannot read the database ({str(exc).splitlines()[0]})"
    if not present:
        return f"the database has no {TABLE} table: run `govhall migrate {name}` first"
    return None


def _missing_sqlite_file(url: str) -> str | None:
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1]
    return path if path and path != ":memory:" and not Path(path).exists() else None


def _checkpoints(name: str) -> tuple[list[Any], str | None]:
    """The checkpoints of `name` that notification received: the anchor lives in another
    service's database, which whoever tampers with `name`'s database does not also hold."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.exc import SQLAlchemyError

    from services.notification.adapters import tables
    from shared import audit_checkpoints

    url = service_settings("notification").database_url
    if _missing_sqlite_file(url):
        return [], "notification has no database: the tail is unchecked"
    table = tables.audit_checkpoints
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(table).where(table.c.service == name).order_by(table.c.id)
            ).mappings()
            found = [audit_checkpoints.from_data(dict(row)) for row in rows]
    except SQLAlchemyError as exc:
        reason = str(exc).splitlines()[0]
        return [], f"no checkpoints read from notification's database ({reason}): tail unchecked"
    finally:
        engine.dispose()
    if not found:
        return [], "notification holds no checkpoint yet: a deleted tail cannot be told"
    return found, None
