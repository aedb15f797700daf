"""What notification says: a template for every routed event type on every channel with words
(inbox, e-mail) in every language, no fallback; each renders what its contract promises, in its
own language only."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from jinja2 import TemplateNotFound

from services.notification.adapters import texts
from services.notification.domain.routing import ROUTES
from tests.unit.test_notification_routes import _catalog, _payload

CJK = re.compile(r"[\u4e00-\u9fff]")
WHEN = datetime(2026, 12, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize("language", texts.LANGUAGES)
@pytest.mark.parametrize("channel", texts.CHANNELS)
@pytest.mark.parametrize("event_type", sorted(ROUTES))
def test_every_routed_type_has_a_template_per_channel_and_language(
    event_type: str, channel: str, language: str
) -> None:
    try:
        texts.template(channel, event_type, language)
    except TemplateNotFound:
        pytest.fail(f"add {texts.template_name(channel, event_type, language)}")


@pytest.mark.parametrize("event_type", sorted(ROUTES))
def test_every_inbox_line_renders_what_its_contract_promises_in_its_language(
    event_type: str,
) -> None:
    schema: Any = _catalog()[event_type].schema()
    for full in (False, True):
        titles = texts.inbox_titles(
            event_type, _payload(schema, full), event_id="e-1", subject="s-1", time=WHEN
        )
        assert set(titles) == set(texts.LANGUAGES)
        assert all(title and "\n" not in title for title in titles.values())
        assert CJK.search(titles["zh"]), f"{event_type}: the zh line is not Chinese"
        assert not CJK.search(titles["en"]), f"{event_type}: the en line has Chinese"


def test_an_inbox_line_keeps_the_payloads_words_and_collapses_whitespace() -> None:
    data = {"code": "tj-hexi", "name": "河西区  政务服务中心", "district": "河西区"}
    titles = texts.inbox_titles(
        "govhall.registry.unit.registered.v1", data, event_id="e", subject="s", time=WHEN
    )
    assert titles["zh"] == "新单位已登记：河西区 政务服务中心（tj-hexi，河西区）"
    assert titles["en"] == "Unit registered: 河西区 政务服务中心 (tj-hexi, 河西区)"


def test_a_missing_template_or_field_fails_rather_than_falling_back() -> None:
    with pytest.raises(TemplateNotFound):
        texts.template("inbox", "govhall.registry.unit.registered.v1", "fr")
    with pytest.raises(TemplateNotFound):
        texts.inbox_titles(
            "govhall.nobody.thing.happened.v1", {}, event_id="e", subject="s", time=WHEN
        )
    with pytest.raises(Exception, match="name"):
        texts.inbox_titles(
            "govhall.registry.unit.registered.v1",
            {"code": "x"},
            event_id="e",
            subject="s",
            time=WHEN,
        )


@pytest.mark.parametrize("channel", texts.CHANNELS)
def test_every_template_file_belongs_to_a_routed_event_type(channel: str) -> None:
    """A template left behind by a route that went away is dead weight: remove it."""
    names = {p.name.rsplit(".", 2)[0] for p in (texts.ROOT / channel).glob("govhall.*.txt")}
    assert names - set(ROUTES) == set()
