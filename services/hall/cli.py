"""The `govhall` command: up, serve, worker, migrate, token, asyncapi, access-matrix, audit verify.

Imports stay inside the commands: `serve` must set PROMETHEUS_MULTIPROC_DIR before
prometheus_client is first imported anywhere in the process.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import socket
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

log = logging.getLogger("services.hall.cli")  # also when run as `python -m services.hall.cli`

SERVICE = click.Choice(["registry", "staffing", "inspection", "notification"])


@click.group()
@click.version_option(package_name="govhall", prog_name="govhall", message="%(prog)s %(version)s")
def main() -> None:
    """govhall: the software that runs a government administrative service hall."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--var-dir", default=lambda: os.environ.get("VAR_DIR", "var"), show_default="var")
@click.option("--demo", is_flag=True, help="Load the demo hall (docs/demo.md).")
@click.option(
    "--log-format",
    type=click.Choice(["console", "json"]),
    default=None,
    help="Short lines for a person, or JSON lines (default: console at a terminal, else json).",
)
@click.option(
    "--access-log",
    default=None,
    help="Where the JSON access lines go: a file, or - for stderr "
    "(default: <var-dir>/access.log with console logs, stderr with json).",
)
def up(
    host: str,
    port: int,
    var_dir: str,
    demo: bool,
    log_format: str | None,
    access_log: str | None,
) -> None:
    """Run all four services in one process (SQLite, in-memory broker)."""
    from werkzeug.serving import make_server

    from services.hall import embedded
    from shared import config, logs

    # A busy port is said at once, not after the migrations and half a minute of demo.
    listener = _claim_port(host, port)
    Path(var_dir).mkdir(parents=True, exist_ok=True)
    log_format = log_format or ("console" if sys.stderr.isatty() else "json")
    if access_log is None and log_format == "console":
        access_log = str(Path(var_dir) / "access.log")
    access_file = None if access_log in (None, "-") else access_log
    if log_format == "console":
        logs.configure_console(access_file)
    else:
        logs.configure()  # one process for four services: each line names its own
        if access_file:
            logs.configure_access_file(access_file)
    os.environ.setdefault("VAR_DIR", var_dir)
    log.info("migrating the databases in %s…", Path(var_dir).resolve())
    try:
        hall = embedded.build(var_dir)
    except config.ConfigError as exc:
        raise click.ClickException(f"govhall will not start: {exc}") from exc
    log.info("starting the relays, consumers and sweeps…")
    hall.start()
    loaded = None
    if demo:
        from services.hall import demo as demo_data

        loaded = demo_data.load(hall)
    listener.listen(128)
    server = make_server(host, port, hall.wsgi(), threaded=True, fd=listener.fileno())
    listener.close()  # the server holds its own copy
    base = f"http://{host}:{server.port}"
    click.echo(_banner(hall, base, var_dir, access_file, demo=demo, loaded=loaded))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        hall.stop()


def _claim_port(host: str, port: int) -> socket.socket:
    """Bind `host:port` now (listening comes once the hall is ready), or exit in one line."""
    from werkzeug.serving import get_sockaddr, select_address_family

    family = select_address_family(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(get_sockaddr(host, port, family))
    except OSError as exc:
        sock.close()
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} (another govhall up? "
            "stop it, or choose another --port)"
        ) from exc
    return sock


def _banner(
    hall: Any, base: str, var_dir: str, access_log: str | None, *, demo: bool, loaded: bool | None
) -> str:
    """The URLs and tokens, framed, as the last thing `govhall up` prints: easy to find."""
    from shared import auth

    settings = hall.runtime("registry").settings
    claims = {"issuer": settings.jwt_issuer, "audience": settings.jwt_audience}

    def token(role: str, sub: str, unit: str | None = None) -> str:
        return auth.issue_token(
            settings.jwt_secret, role=role, unit=unit, sub=sub, ttl=timedelta(hours=12), **claims
        )

    lines = [f"govhall is up at {base}/", f"  data in {Path(var_dir).resolve()}"]
    if access_log:
        lines.append(f"  access log in {Path(access_log).resolve()}")
    if loaded is False:
        lines.append("  the demo data was there already; nothing added")
    lines.append("")
    lines += [f"  {name:<13} {base}/{name}/docs" for name in hall.apps]
    lines += ["", "operator token (authority, 12 h):", f"    {token('authority', 'operator')}"]
    if demo:
        # The demo's other sides: a department's own view, and the sample integrator's webhooks.
        lines += ["unit token (tj-hexi, 12 h):", f"    {token('unit', 'demo-unit', 'tj-hexi')}"]
        lines += [
            "integrator token (demo-integrator, 12 h):",
            f"    {token('integrator', 'demo-integrator')}",
        ]
    lines += ["", "Ctrl-C stops it."]
    rule = "=" * 78
    return "\n".join([rule, *lines, rule])


def _settings(name: str, *, separate_process: bool = False) -> Any:
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


@main.command()
@click.argument("name", type=SERVICE)
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=2, show_default=True, type=int)
def serve(name: str, bind: str, workers: int) -> None:
    """Run a service's web tier under gunicorn (Prometheus multiprocess mode)."""
    _settings(name, separate_process=True)  # refused here in one line, not in each worker
    metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or str(
        Path(os.environ.get("VAR_DIR", "var")) / "prometheus" / name
    )
    # Stale files from a previous run would add old counts to the new ones.
    shutil.rmtree(metrics_dir, ignore_errors=True)
    Path(metrics_dir).mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    os.environ["GOVHALL_SERVICE"] = name  # for gunicorn's own log lines (shared.gunicorn_conf)
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:shared.gunicorn_conf",
        "--bind",
        bind,
        "--workers",
        str(workers),
        f"services.{name}.wsgi:app",
    ]
    os.execv(sys.executable, argv)


@main.command()
@click.argument("name", type=SERVICE)
@click.option(
    "--metrics-port",
    type=int,
    default=None,
    envvar="WORKER_METRICS_PORT",
    help="Serve this worker's metrics on this port.",
)
@click.option(
    "--metrics-addr",
    default="127.0.0.1",
    show_default=True,
    envvar="WORKER_METRICS_ADDR",
    help="The address the metrics server binds (0.0.0.0 in a container, for Prometheus).",
)
def worker(name: str, metrics_port: int | None, metrics_addr: str) -> None:
    """Run a service's outbox relay, event consumer and periodic sweeps."""
    from services.hall import embedded
    from shared import logs
    from shared.service import ServiceRuntime, WorkerThreads

    logs.configure(service=name)
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=metrics_addr)
    spec = embedded.service_module(name).SPEC
    threads = WorkerThreads(ServiceRuntime(spec, _settings(name, separate_process=True)))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads.start()
    click.echo(f"{name} worker running (pid {os.getpid()})")
    stop.wait()
    threads.shutdown()


@main.command("migrate")
@click.argument(
    "name", type=click.Choice(["registry", "staffing", "inspection", "notification", "all"])
)
def migrate_command(name: str) -> None:
    """Bring a service's database to the newest schema (Alembic), as the owner
    (<SERVICE>_MIGRATE_DATABASE_URL) granting the runtime role (<SERVICE>_DATABASE_URL's user)."""
    from services.hall import embedded
    from shared import config, migrate
    from shared.service import ServiceRuntime

    names = list(config.SERVICES) if name == "all" else [name]
    for each in names:
        spec = embedded.service_module(each).SPEC
        settings = _settings(each)
        role = migrate.runtime_role_of(settings)
        owner = settings.with_(
            database_url=settings.migrate_database_url or settings.database_url,
            database_timeouts=settings.database_timeouts.for_migrations(),
        )
        migrate.upgrade(ServiceRuntime(spec, owner), runtime_role=role)
        click.echo(f"{each}: migrated" + (f" (runtime role {role} granted)" if role else ""))


@main.group()
def audit() -> None:
    """The audit trail of a service (every write, every read of personal data)."""


@audit.command("verify")
@click.argument("name", type=SERVICE)
def audit_verify(name: str) -> None:
    """Recompute the MAC chain of a service's audit trail and compare it with the checkpoints
    notification keeps; name the first broken link, or the missing tail."""
    from services.hall import embedded
    from shared.audit_table import TABLE
    from shared.audit_verify import verify_table
    from shared.service import ServiceRuntime

    rt = ServiceRuntime(embedded.service_module(name).SPEC, _settings(name))
    missing = _no_trail(rt)
    if missing:
        rt.db.dispose()
        raise click.ClickException(f"{name}: {missing}")
    checkpoints, note = _checkpoints(name)
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
    if not verdict.intact:
        click.echo(
            f"{name}: the audit trail is broken at record {verdict.broken_at}: {verdict.reason}"
            f" ({verdict.records} records read)"
        )
        sys.exit(1)
    click.echo(
        f"{name}: the audit trail is intact ({verdict.records} records,"
        f" {verdict.checkpoints} checkpoints agree)"
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

    url = _settings("notification").database_url
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


def _parse_ttl(value: str) -> timedelta:
    match = re.fullmatch(r"(-?\d+)([smhd])", value.strip())
    if not match:
        raise click.BadParameter("use a number and s, m, h or d, e.g. 12h")
    amount, unit = int(match[1]), match[2]
    if amount <= 0:
        raise click.BadParameter(f"{value} is no lifetime: a token must live more than 0, e.g. 12h")
    return timedelta(**{{"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[unit]: amount})


@main.command()
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


@main.command()
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


@main.command("access-matrix")
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


if __name__ == "__main__":
    main()
