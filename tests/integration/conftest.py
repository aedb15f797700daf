"""Integration tests run against the real PostgreSQL and RabbitMQ on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import make_url

from services.hall import embedded
from shared import config, migrate
from shared.service import ServiceRuntime
from tests.support import AMQP_URL, PG_ADMIN_URL, Namespace, port_open, servers_required

pytestmark = pytest.mark.integration


def require_servers() -> None:
    servers = (("PostgreSQL", make_url(PG_ADMIN_URL)), ("RabbitMQ", make_url(AMQP_URL)))
    missing = [name for name, url in servers if not port_open(url.host or "", url.port or 0)]
    if not missing:
        return
    message = f"{' and '.join(missing)} not reachable (TEST_PG_ADMIN_URL, TEST_BROKER_URL)"
    if servers_required():
        pytest.fail(f"{message} (GOVHALL_REQUIRE_SERVERS=1)")
    pytest.skip(message)


@pytest.fixture
def namespace() -> Iterator[Namespace]:
    """Own databases, exchange and queues for one test; all removed afterwards."""
    require_servers()
    ns = Namespace()
    ns.create_databases()
    try:
        yield ns
    finally:
        ns.delete_broker_entities()
        ns.drop_databases()


@pytest.fixture
def runtime(namespace: Namespace) -> Callable[..., ServiceRuntime]:
    """`runtime("staffing", consumer_max_attempts=3)`: a migrated service on the real servers,
    migrated by the owner role and running as the runtime role (as deployed)."""

    def build(service: str, **extra: object) -> ServiceRuntime:
        spec = embedded.service_module(service).SPEC
        settings = config.load(service, namespace.settings(service, **extra))
        owner = ServiceRuntime(spec, settings.with_(database_url=settings.migrate_database_url))
        migrate.upgrade(owner, runtime_role=namespace.runtime_role)
        owner.db.dispose()
        return ServiceRuntime(spec, settings)

    return build
