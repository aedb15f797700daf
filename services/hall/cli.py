"""The `govhall` command: up, serve, worker, migrate, token, asyncapi, access-matrix, audit verify.

Here: the group and `up` (all four services in one process). The other commands are in
cli_run.py (serve, worker, migrate), cli_audit.py (audit verify) and cli_tools.py (token and the
generated documents); they share cli_common.py, and none imports this module.

Imports stay inside the commands: `serve` must set PROMETHEUS_MULTIPROC_DIR before
prometheus_client is first imported anywhere in the process.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from services.hall.cli_audit import audit
from services.hall.cli_run import migrate_command, serve, worker
from services.hall.cli_tools import access_matrix, asyncapi, token

log = logging.getLogger("services.hall.cli")  # also when run as `python -m services.hall.cli`

# Our own lines a person at the terminal wants at INFO while `govhall up` starts: its progress.
PROGRESS_LOGGERS = ("services.hall.cli", "services.hall.demo")


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

    from services.hall import embedded, schema_cache
    from shared import config, logs

    # A busy port is said at once, not after the migrations and half a minute of demo.
    listener = _claim_port(host, port)
    Path(var_dir).mkdir(parents=True, exist_ok=True)
    log_format = log_format or ("console" if sys.stderr.isatty() else "json")
    if access_log is None and log_format == "console":
        access_log = str(Path(var_dir) / "access.log")
    access_file = None if access_log in (None, "-") else access_log
    if log_format == "console":
        logs.configure_console(access_file, progress=PROGRESS_LOGGERS)
    else:
        logs.configure()  # one process for four services: each line names its own
        if access_file:
            logs.configure_access_file(access_file)
    os.environ.setdefault("VAR_DIR", var_dir)
    log.info("migrating the databases in %s…", Path(var_dir).resolve())
    try:
        # A fresh var directory starts from copies of schemas migrated once (schema_cache.py).
        fresh = schema_cache.is_fresh(Path(var_dir))
        schemas = schema_cache.templates(embedded.migrated) if fresh else None
        hall = embedded.build(var_dir, schemas=schemas)
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


for command in (serve, worker, migrate_command, audit, token, asyncapi, access_matrix):
    main.add_command(command)


if __name__ == "__main__":
    main()
