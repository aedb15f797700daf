"""E-mail over STARTTLS with a login, against a real SMTP server on 127.0.0.1 (aiosmtpd) that
requires both: the credentials come from the settings, the server's certificate is verified
against `SMTP_CA_FILE`, and a server that cannot prove who it is gets no password."""

from __future__ import annotations

import smtplib
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from services.notification.adapters import smtp
from services.notification.domain.email import EmailSettings
from tests.mailbox import Mailbox
from tests.support import free_port

USER, PASSWORD = "govhall", "s3cret-of-the-hall"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl), its own CA."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


class Logins:
    """The server's authenticator: one account; remembers who logged in."""

    def __init__(self) -> None:
        self.users: list[str] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> Any:
        if isinstance(auth, LoginPassword) and (auth.login, auth.password) == (
            USER.encode(),
            PASSWORD.encode(),
        ):
            self.users.append(USER)
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def server(certificate: tuple[Path, Path]) -> Iterator[tuple[Mailbox, Logins]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    box, logins = Mailbox(port=free_port()), Logins()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=box.port,
        tls_context=context,
        require_starttls=True,
        authenticator=logins,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    yield box, logins
    controller.stop()


def _settings(box: Mailbox, ca_file: Path | None, password: str = PASSWORD) -> EmailSettings:
    return EmailSettings(
        host="127.0.0.1",
        port=box.port,
        starttls=True,
        username=USER,
        password=password,
        sender="hall@tls.test",
        timeout=5,
        ca_file=str(ca_file) if ca_file else None,
    )


def _mail(settings: EmailSettings) -> Any:
    return smtp.message(settings, "unit@tls.test", "TLS", "text", "<p>html</p>", "tls-1")


def test_a_mail_goes_over_verified_starttls_with_the_configured_login(
    server: tuple[Mailbox, Logins], certificate: tuple[Path, Path]
) -> None:
    box, logins = server
    settings = _settings(box, certificate[0])
    smtp.send(settings, _mail(settings))
    assert [mail["Subject"] for mail in box.to("unit@tls.test")] == ["TLS"]
    assert logins.users == [USER]


def test_a_server_whose_certificate_is_not_vouched_for_gets_no_password(
    server: tuple[Mailbox, Logins],
) -> None:
    box, logins = server
    settings = _settings(box, ca_file=None)  # the system's CAs do not know this certificate
    with pytest.raises(ssl.SSLCertVerificationError):
        smtp.send(settings, _mail(settings))
    assert logins.users == [] and box.received == []


def test_a_wrong_password_is_refused_and_nothing_is_sent(
    server: tuple[Mailbox, Logins], certificate: tuple[Path, Path]
) -> None:
    box, logins = server
    settings = _settings(box, certificate[0], password="guess")
    with pytest.raises(smtplib.SMTPAuthenticationError):
        smtp.send(settings, _mail(settings))
    assert logins.users == [] and box.received == []
