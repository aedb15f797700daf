"""E-mail templates: Jinja2, one file per event type and language, no fallback.

`templates/email/<event type>.<lang>.txt` extends `_base.<lang>.txt` and fills two blocks:
`subject` (one line) and `body`. The payload is `d`, the envelope `event` (id, type, subject,
time). The HTML part is `_layout.html` around the text, autoescaped. A missing template raises
`TemplateNotFound`; tests/unit/test_notification_email.py makes that a test failure for every
routed event type, before it can happen in a consumer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from shared import clock

ROOT = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(ROOT),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,  # a field the payload lacks is an error, not a blank
    )


def template_name(event_type: str, language: str) -> str:
    return f"email/{event_type}.{language}.txt"


def template(event_type: str, language: str) -> Template:
    return environment().get_template(template_name(event_type, language))


def render(
    event_type: str,
    language: str,
    data: dict[str, Any],
    *,
    event_id: str,
    subject: str,
    time: datetime,
) -> Mail:
    """The e-mail for one event in one language."""
    chosen = template(event_type, language)
    context = {
        "d": data,
        "event": {"id": event_id, "type": event_type, "subject": subject, "time": _hall_time(time)},
    }
    title = "".join(chosen.blocks["subject"](chosen.new_context(context)))
    title = " ".join(title.split())  # one header line, whatever the template's whitespace
    text = chosen.render(context).strip() + "\n"
    html = (
        environment()
        .get_template("email/_layout.html")
        .render(subject=title, text=text, language=language)
    )
    return Mail(subject=title, text=text, html=html)


def _hall_time(instant: datetime) -> str:
    return instant.astimezone(clock.HALL_TIMEZONE).strftime("%Y-%m-%d %H:%M")
