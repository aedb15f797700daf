"""E-mail templates: `templates/email/<event type>.<lang>.txt` extends `_base.<lang>.txt` and
fills two blocks: `subject` (one line) and `body`. The payload is `d`, the envelope `event` (id,
type, subject, time). The HTML part is `_layout.html` around the text, autoescaped. The
environment, and the rule that a missing template fails a test, are
`services.notification.adapters.texts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import Template

from services.notification.adapters import texts

ROOT = texts.ROOT


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


def template_name(event_type: str, language: str) -> str:
    return texts.template_name("email", event_type, language)


def template(event_type: str, language: str) -> Template:
    return texts.template("email", event_type, language)


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
    context = texts.context(event_type, data, event_id=event_id, subject=subject, time=time)
    title = "".join(chosen.blocks["subject"](chosen.new_context(context)))
    title = texts.one_line(title)  # one header line, whatever the template's whitespace
    text = chosen.render(context).strip() + "\n"
    html = (
        texts.environment()
        .get_template("email/_layout.html")
        .render(subject=title, text=text, language=language)
    )
    return Mail(subject=title, text=text, html=html)
