"""The window setup procedure through the API, in the embedded mode (TJ-5.1 … TJ-5.6)."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from shared.embedded import Hall
from tests import builders
from tests.builders import ok


@pytest.fixture
def client(hall: Hall) -> Client:
    client = Client(hall.wsgi())
    builders.hall(client)
    builders.unit(client, "tj-hexi")
    builders.matter(client, "work-permit-long")
    return client


def test_a_window_walks_from_application_to_publication(client: Client) -> None:
    window = builders.published_window(client, "tj-hexi", ["work-permit-long"])
    assert window["state"] == "active" and window["is_open"] is True
    entry = ok(client.get(f"/registry/api/v1/directory/windows/{window['id']}"))
    assert [m["code"] for m in entry["matters"]] == ["work-permit-long"]
    assert entry["unit"]["code"] == "tj-hexi"
    assert entry["complaint_channel"].startswith("12345")
