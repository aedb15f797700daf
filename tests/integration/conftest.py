"""Integration tests run against the real PostgreSQL and RabbitMQ on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from shared import config, embedded, migrate
from shared.service import ServiceRuntime
from shared.testing import Namespace, port_open, servers_required

pytestmark = pytest.mark.integration


def require_servers() -> None:
    missing = [
        name
        for name, port in (("PostgreSQL", 5432), ("RabbitMQ", 5672))
        if not port_open("127.0.0.1", port)
    ]
    if not missing:
        return
    message = f"{' and '.join(missing)} not running on 127.0.0.1"
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
    """`runtime("staffing", consumer_max_attempts=3)`: a migrated service on the real servers."""

    def build(service: str, **extra: object) -> ServiceRuntime:
        spec = embedded.service_module(service).SPEC
        rt = ServiceRuntime(spec, config.load(service, namespace.settings(service, **extra)))
        migrate.upgrade(rt)
        return rt

    return build
