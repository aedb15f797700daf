"""Registry tests: the embedded system with a hall, a unit and a matter ready."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from kombu import Producer
from werkzeug.test import Client

from services.hall.embedded import Hall
from shared import broker
from tests import builders


@pytest.fixture
def client(hall: Hall) -> Client:
    client = Client(hall.wsgi())
    builders.hall(client)
    builders.unit(client, "tj-hexi")
    builders.unit(client, "tj-nankai", district="南开区 Nankai")
    builders.matter(client, "work-permit-long")
    return client


@pytest.fixture
def publish(hall: Hall) -> Callable[[str, str], None]:
    """Publish a raw event on the hall's broker, as another service would."""
    settings = hall.runtime("registry").settings

    def send(routing_key: str, body: str) -> None:
        with broker.connect(settings) as connection:
            Producer(connection.default_channel).publish(
                body, exchange=broker.events_exchange(settings), routing_key=routing_key
            )

    return send
