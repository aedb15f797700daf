"""One signed POST to a receiver, and what came of it. No database here."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from services.notification.domain import webhooks as rules

USER_AGENT = "govhall-webhooks/1"


@dataclass(frozen=True)
class Answer:
    status_code: int | None  # None: no answer at all (refused, timed out, TLS failed)
    response: str
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return rules.succeeded(self.status_code)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: following it would re-send the signed body
    somewhere the integrator never subscribed (and urllib would turn the POST into a GET)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def headers(message_id: str, timestamp: int, body: str, secrets: list[str]) -> dict[str, str]:
    """The Standard Webhooks headers of one message."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": rules.signature_header(secrets, message_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def post(url: str, body: str, message_headers: dict[str, str], timeout: float) -> Answer:
    request = urllib.request.Request(
        url, data=body.encode(), headers=message_headers, method="POST"
    )
    started = time.perf_counter()
    try:
        with _OPENER.open(request, timeout=timeout) as reply:
            return _answer(reply.status, reply.read(rules.SNIPPET_CHARS * 4), None, started)
    except urllib.error.HTTPError as exc:
        return _answer(exc.code, exc.read(rules.SNIPPET_CHARS * 4), None, started)
    except Exception as exc:  # refused, reset, timed out, TLS, DNS: all "no answer"
        return _answer(None, b"", f"{type(exc).__name__}: {exc}"[:1000], started)


def _answer(status: int | None, raw: bytes, error: str | None, started: float) -> Answer:
    return Answer(
        status_code=status,
        response=rules.snippet(raw.decode("utf-8", "replace")),
        error=error,
        duration_ms=int((time.perf_counter() - started) * 1000),
    )
