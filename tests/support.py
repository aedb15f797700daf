"""Test helpers every service's tests use: tokens, real servers on 127.0.0.1, child processes.

Integration tests need the real PostgreSQL and RabbitMQ. When `GOVHALL_REQUIRE_SERVERS=1` (CI)
a missing server fails the test; otherwise it is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

from shared import auth
from shared.config import SERVICES

TEST_SECRET = "test-secret-not-for-production-0123456789abcdef"
TEST_AUDIT_KEY = "5f0c2e9a7b41d3869e2af10c7d5b3e48a6c9f2017e3d5b8a4c6e0f92d1b7a35c"  # token_hex(32)
PG_ADMIN_URL = os.environ.get(
    "TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
AMQP_URL = os.environ.get("TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")


def token(role: str, unit: str | None = None, ttl: timedelta = timedelta(hours=1)) -> str:
    return auth.issue_token(TEST_SECRET, role=role, unit=unit, sub=f"test-{role}", ttl=ttl)


def bearer(role: str, unit: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, unit)}"}


def unit_registered_body(code: str, event_id: str) -> str:
    """A registry event as it arrives on the wire, for tests that publish by hand."""
    return json.dumps(
        {
            "specversion": "1.0",
            "id": event_id,
            "source": "/govhall/registry",
            "type": "govhall.registry.unit.registered.v1",
            "subject": code,
            "time": "2026-11-22T01:00:00Z",
            "datacontenttype": "application/json",
            "data": {
                "code": code,
                "name": f"Unit {code}",
                "district": "d",
                "registered_at": "2026-11-22T01:00:00+00:00",
            },
        }
    )


def servers_required() -> bool:
    return os.environ.get("GOVHALL_REQUIRE_SERVERS") == "1"


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll until `predicate` returns something truthy; returns it, or raises TimeoutError."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except Exception as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(interval)
    raise TimeoutError(f"condition not met within {timeout}s (last: {last!r})")


@dataclass
class Namespace:
    """Broker entity names, databases and roles of one test run, so runs never see each other.

    As deployed: each database is owned by the run's owner role, which migrates
    (`migrate_database_url`), and the services log in as the run's runtime role
    (`database_url`), granted DML but only INSERT and SELECT on `audit_log`. Roles are
    cluster-wide: both are dropped with the databases."""

    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    @property
    def exchange(self) -> str:
        return f"govhall.events.t{self.run}"

    @property
    def dead_exchange(self) -> str:
        return f"govhall.dead.t{self.run}"

    @property
    def queue_prefix(self) -> str:
        return f"t{self.run}."

    def database(self, service: str) -> str:
        return f"govhall_t{self.run}_{service}"

    @property
    def owner_role(self) -> str:
        return f"govhall_t{self.run}_owner"

    @property
    def runtime_role(self) -> str:
        return f"govhall_t{self.run}_app"

    def _url(self, service: str, user: str | None) -> str:
        url = make_url(PG_ADMIN_URL).set(database=self.database(service))
        if user is not None:
            url = url.set(username=user, password=None)
        return url.render_as_string(hide_password=False)

    def database_url(self, service: str) -> str:
        """The service's own login: the runtime role, which owns nothing."""
        return self._url(service, self.runtime_role)

    def migrate_database_url(self, service: str) -> str:
        """The owner's login, for migrations (and for tests that play the owner)."""
        return self._url(service, self.owner_role)

    def admin_database_url(self, service: str) -> str:
        return self._url(service, None)

    def settings(self, service: str, **extra: Any) -> dict[str, Any]:
        return {
            "database_url": self.database_url(service),
            "broker_url": AMQP_URL,
            "events_exchange": self.exchange,
            "dead_exchange": self.dead_exchange,
            "queue_prefix": self.queue_prefix,
            "jwt_secret": TEST_SECRET,
            "audit_key": TEST_AUDIT_KEY,
            "migrate_database_url": self.migrate_database_url(service),
            **extra,
        }

    def environment(self, service: str) -> dict[str, str]:
        return {
            "DATABASE_URL": self.database_url(service),
            "BROKER_URL": AMQP_URL,
            "EVENTS_EXCHANGE": self.exchange,
            "DEAD_EXCHANGE": self.dead_exchange,
            "QUEUE_PREFIX": self.queue_prefix,
            "JWT_SECRET": TEST_SECRET,
            "AUDIT_KEY": TEST_AUDIT_KEY,
            "MIGRATE_DATABASE_URL": self.migrate_database_url(service),
        }

    def create_databases(self) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            # Trust auth on the test server: LOGIN without a password.
            conn.execute(text(f'CREATE ROLE "{self.owner_role}" LOGIN'))
            conn.execute(text(f'CREATE ROLE "{self.runtime_role}" LOGIN'))
            for service in SERVICES:
                conn.execute(
                    text(f'CREATE DATABASE "{self.database(service)}" OWNER "{self.owner_role}"')
                )
        engine.dispose()

    def drop_databases(self) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for service in SERVICES:
                conn.execute(
                    text(f'DROP DATABASE IF EXISTS "{self.database(service)}" WITH (FORCE)')
                )
            for role in (self.runtime_role, self.owner_role):
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        engine.dispose()

    def queue_name(self, service: str) -> str:
        """The queue a service's workers consume from (shared by all its instances)."""
        return f"{self.queue_prefix}{service}.events"

    @property
    def dead_queue_name(self) -> str:
        return f"{self.queue_prefix}{self.dead_exchange}"

    def queue_counts(self, queue: str) -> tuple[int, int] | None:
        """(messages ready, consumers) of a queue, or None while it does not exist."""
        from kombu import Connection

        with Connection(AMQP_URL, connect_timeout=5) as conn:
            channel = conn.channel()
            try:
                declared = channel.queue_declare(queue=queue, passive=True)
            except Exception:
                return None
            finally:
                with contextlib.suppress(Exception):
                    channel.close()
        return int(declared.message_count), int(declared.consumer_count)

    def delete_broker_entities(self) -> None:
        from kombu import Connection

        queues = [f"{self.queue_prefix}{service}.events" for service in SERVICES]
        queues.append(f"{self.queue_prefix}{self.dead_exchange}")
        with Connection(AMQP_URL, connect_timeout=5) as conn:
            for queue in queues:
                _on_fresh_channel(conn, "queue_delete", queue)
            for exchange in (self.exchange, self.dead_exchange):
                _on_fresh_channel(conn, "exchange_delete", exchange)


def _on_fresh_channel(conn: Any, method: str, name: str) -> None:
    """A broker error closes its channel, so each clean-up step gets its own."""
    channel = conn.channel()
    with contextlib.suppress(Exception):
        getattr(channel, method)(name)
    with contextlib.suppress(Exception):
        channel.close()


@dataclass
class Process:
    """A child process started by a test and stopped by its PID."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
        if self.popen.poll() is not None:
            return
        os.killpg(self.pid, sig)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.pid, signal.SIGKILL)
            self.popen.wait(timeout)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def stop_together(started: list[Process], timeout: float = 10.0) -> None:
    """SIGTERM to every process group first, then wait for each (SIGKILL after `timeout`), so
    many processes take as long to stop as the slowest of them, not the sum."""
    for process in started:
        if process.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in started:
        try:
            process.popen.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.stop(signal.SIGKILL, timeout)


@contextmanager
def processes(log_dir: Path, *, together: bool = False) -> Iterator[Callable[..., Process]]:
    """Start processes with `start(name, argv, env)`; every one is stopped on exit, one after
    the other in reverse order, or with `together` all at once (`stop_together`)."""
    started: list[Process] = []

    def start(name: str, argv: list[str], env: dict[str, str]) -> Process:
        log = log_dir / f"{name}.log"
        handle = log.open("wb")
        popen = subprocess.Popen(
            argv,
            env={**os.environ, **env},
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() reaches gunicorn's workers
        )
        process = Process(name, popen, log)
        started.append(process)
        return process

    try:
        yield start
    finally:
        if together:
            stop_together(list(reversed(started)))
        else:
            for process in reversed(started):
                process.stop()
