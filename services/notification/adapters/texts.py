"""What notification says: Jinja2 templates, one file per event type, channel and language, with
no fallback (services/notification/adapters/templates/README.md).

- `inbox/<event type>.<lang>.txt`: the notice's one line (whitespace collapsed);
- `email/<event type>.<lang>.txt`: the e-mail's subject and body (`adapters/email_texts.py`).

A field the payload lacks is an error, never a blank (StrictUndefined); a missing template
raises `TemplateNotFound`, and tests/unit/test_notification_texts.py makes that a test failure
for every routed event type, channel and language before it can happen in a consumer.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from shared import clock

ROOT = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
CHANNELS = ("inbox", "email")  # the channels with words of their own; webhooks carry the event


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(ROOT),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,  # a field the payload lacks is an error, not a blank
    )


def template_name(channel: str, event_type: str, language: str) -> str:
    return f"{channel}/{event_type}.{language}.txt"


def template(channel: str, event_type: str, language: str) -> Template:
    return environment().get_template(template_name(channel, event_type, language))


def context(
    event_type: str, data: dict[str, Any], *, event_id: str, subject: str, time: datetime
) -> dict[str, Any]:
    """What a template sees: the payload `d` and the envelope `event` (time in hall time)."""
    return {
        "d": data,
        "event": {"id": event_id, "type": event_type, "subject": subject, "time": hall_time(time)},
    }


def one_line(text: str) -> str:
    return " ".join(text.split())


def inbox_titles(
    event_type: str, data: dict[str, Any], *, event_id: str, subject: str, time: datetime
) -> dict[str, str]:
    """The notice's line in every language, rendered once, when the notice is recorded."""
    seen = context(event_type, data, event_id=event_id, subject=subject, time=time)
    return {
        language: one_line(template("inbox", event_type, language).render(seen))
        for language in LANGUAGES
    }


def hall_time(instant: datetime) -> str:
    return instant.astimezone(clock.HALL_TIMEZONE).strftime("%Y-%m-%d %H:%M")
