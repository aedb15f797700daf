"""Sending one message over SMTP (smtplib), with the settings from the environment."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime

from services.notification.domain.email import EmailSettings
from shared.sqltypes import utcnow


def message(
    settings: EmailSettings, to: str, subject: str, text: str, html: str, key: str
) -> EmailMessage:
    """A text message with an HTML alternative. `key` (the delivery) makes the Message-ID
    stable, so a receiver can drop the copy of a retry whose first try did arrive."""
    mail = EmailMessage()
    mail["From"] = settings.sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = f"<{key}@govhall.email>"
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    return mail


def send(settings: EmailSettings, mail: EmailMessage) -> None:
    """Hand one message to the server; raises whatever smtplib raises (refused, down, …)."""
    assert settings.host, "e-mail is disabled: no SMTP_HOST"
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as server:
        if settings.starttls:
            # Verified, unlike smtplib's default context: a man in the middle gets no password.
            server.starttls(context=ssl.create_default_context(cafile=settings.ca_file))
        if settings.username:
            server.login(settings.username, settings.password or "")
        server.send_message(mail)
