"""Logs: one JSON object per line, carrying the context of the request or event, never a secret.

Every line has `timestamp`, `level`, `service`, `logger` and `message`, then what the context
holds (`request_id`, `correlation_id`, `actor`, `event_id`, ...) and the call's `extra` fields.
The context is a contextvar: the web tier binds it per request, the consumer per event and each
worker thread its service, so the four services of the embedded mode stay apart in one process.
Redaction runs on every line at format time, whoever logged it (gunicorn, kombu, our code).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import logging.config
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS, merge_record_extra
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

REDACTED = "[REDACTED]"
SECRET_VARIABLES = ("JWT_SECRET", "SMTP_PASSWORD")

Context = Mapping[str, str]
_context: contextvars.ContextVar[Context] = contextvars.ContextVar(
    "govhall_log", default=MappingProxyType({})
)


def current() -> dict[str, str]:
    return dict(_context.get())


def bind(**fields: str | None) -> contextvars.Token[Context]:
    """Add fields to this thread's log context; `reset` with the token undoes them."""
    values = {key: value for key, value in fields.items() if value is not None}
    return _context.set({**_context.get(), **values})


def reset(token: contextvars.Token[Context]) -> None:
    _context.reset(token)


@contextlib.contextmanager
def context(**fields: str | None) -> Iterator[None]:
    token = bind(**fields)
    try:
        yield
    finally:
        reset(token)


_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def sane_id(value: str | None) -> str | None:
    """A client's request or correlation id, if it is short and plain enough to log and echo."""
    return value if value and _SANE_ID.fullmatch(value) else None


# -- redaction -------------------------------------------------------------------------------
_SENSITIVE_KEY = re.compile(
    r"passw|^pass$|pwd|secret|token|authori[sz]ation|cookie|api_?key|credential"
    r"|(?:^|_)id_?(?:number|card|no)\b|phone|mobile",
    re.IGNORECASE,
)
_PATTERNS = (
    (re.compile(r"(?i)\bbearer\s+[^\s,;\"']+"), f"Bearer {REDACTED}"),
    (re.compile(r"\beyJ[\w-]*\.[\w-]+\.[\w-]*"), REDACTED),  # a JWT, with or without "Bearer"
    (
        re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?:(?:basic|bearer)\s+)?[^\s,;\"']+"),
        rf"\g<1>{REDACTED}",
    ),
    (
        re.compile(
            r"(?i)([\w-]*(?:passw\w*|secret|token|api_?key)[\"']?\s*[:=]\s*[\"']?)[^\s,;&\"']+"
        ),
        rf"\g<1>{REDACTED}",
    ),
    (re.compile(r"(://[^/\s:@]+):[^/\s@]+@"), rf"\g<1>:{REDACTED}@"),  # a password in a URL
    # 居民身份证号 (18 characters: area, birth date, sequence, check digit).
    (
        re.compile(
            r"(?<![0-9A-Za-z])\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
            r"\d{3}[\dXx](?![0-9A-Za-z])"
        ),
        REDACTED,
    ),
    # A mainland mobile number, with or without +86.
    (re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9A-Za-z])"), REDACTED),
)
_known_secrets: tuple[str, ...] = ()


def mask_secrets(*values: str | None) -> None:
    """Never log these values, whatever the key or message they turn up in (keys, passwords)."""
    global _known_secrets
    fresh = {value for value in values if value and len(value) >= 8}
    _known_secrets = tuple(sorted(set(_known_secrets) | fresh, key=len, reverse=True))


@functools.lru_cache(maxsize=4096)
def sensitive(key: str) -> bool:
    # Cached: a log line's keys come from a small set, and every line asks about each of them.
    return bool(_SENSITIVE_KEY.search(key.replace("-", "_")))


# What every one of _PATTERNS needs to find in a text to match at all: a value holding none of
# it passes through unscanned, the seven substitutions being most of a log line's cost. Keep
# these in step with _PATTERNS (tests/unit/test_redaction_precheck.py compares the output).
_SHORTEST_MATCH = 6  # "eyJ.a.", the shortest text any pattern matches
_KEYWORDS = ("bearer", "eyj", "authorization", "passw", "secret", "token", "apikey", "api_key")
_DIGIT_RUN = re.compile(r"\d{11}")  # a mobile number is 11 digits, an ID number 18
# Outside ASCII, case-insensitive matching folds more than str.lower does (K, ſ, ı, İ): the
# regex engine answers with the patterns' own folding.
_TRIGGER = re.compile(r"(?i)bearer|eyj|authorization|passw|secret|token|api_?key|://|\d{11}")


def _may_hold_sensitive(text: str) -> bool:
    if len(text) < _SHORTEST_MATCH:
        return False
    if not text.isascii():
        return _TRIGGER.search(text) is not None
    lowered = text.lower()
    for keyword in _KEYWORDS:
        if keyword in lowered:
            return True
    return "://" in text or _DIGIT_RUN.search(text) is not None


def redact_text(text: str) -> str:
    for secret in _known_secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if not _may_hold_sensitive(text):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact(value: Any) -> Any:
    """A copy of a log value with sensitive keys masked and secrets, IDs and phones cut out."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: REDACTED if sensitive(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item) for item in value]
    return value


# -- formatting ------------------------------------------------------------------------------
class JsonFormatter(_JsonFormatter):
    """One JSON object per line: timestamp, level, service, logger, message, context, extras."""

    def __init__(self, *args: Any, service: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)
        self.service = service
        self._reserved = set(RESERVED_ATTRS) | {"message", "asctime"}

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        bound = _context.get()
        when = datetime.fromtimestamp(record.created, UTC)
        log_data["timestamp"] = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        log_data["level"] = record.levelname
        log_data["service"] = bound.get("service", self.service)
        log_data["logger"] = record.name
        log_data["message"] = record.message
        log_data.update((key, value) for key, value in bound.items() if key != "service")
        log_data.update(message_dict)
        merge_record_extra(record, log_data, reserved=self._reserved)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        redacted: dict[str, Any] = redact(log_data)
        return redacted


def dict_config(service: str | None = None, level: str | None = None) -> dict[str, Any]:
    """The `logging.config.dictConfig` of a govhall process: JSON lines on stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter", "service": service}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {
            "level": (level or os.environ.get("LOG_LEVEL") or "INFO").upper(),
            "handlers": ["stderr"],
        },
        # Our access line replaces werkzeug's, which would log query strings.
        "loggers": {"werkzeug": {"level": "WARNING"}},
    }


class ConsoleFormatter(logging.Formatter):
    """A short line for a person at a terminal (`govhall up`): time, level, service, message;
    redacted like the JSON lines."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(who)s%(message)s", datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        service = _context.get().get("service")
        record.who = f"{service}: " if service else ""
        return redact_text(super().format(record))


ACCESS_LOGGER = "govhall.access"


def console_config(
    access_log: str | None = None, level: str | None = None, progress: Sequence[str] = ()
) -> dict[str, Any]:
    """`govhall up` at a terminal: short lines, the libraries at WARNING and the `progress`
    loggers (the caller's own lines a person wants) at INFO, so the banner with the URLs and
    tokens is not lost under thousands of event lines. The access lines stay JSON, in
    `access_log` (a path; None: with the rest, on stderr)."""
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "console": {"()": f"{__name__}.ConsoleFormatter"},
            "json": {"()": f"{__name__}.JsonFormatter"},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "console",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {
            "level": (level or os.environ.get("LOG_LEVEL") or "WARNING").upper(),
            "handlers": ["stderr"],
        },
        "loggers": {
            "werkzeug": {"level": "WARNING"},
            # The in-memory transport has no host: kombu warns about it once per connection.
            "kombu.connection": {"level": "ERROR"},
            **{name: {"level": "INFO"} for name in progress},
        },
    }
    if access_log is not None:
        config["handlers"]["access"] = {
            "class": "logging.FileHandler",
            "formatter": "json",
            "filename": access_log,
            "encoding": "utf-8",
        }
        config["loggers"][ACCESS_LOGGER] = {
            "level": "INFO",
            "handlers": ["access"],
            "propagate": False,
        }
    else:
        config["loggers"][ACCESS_LOGGER] = {"level": "INFO"}
    return config


def gunicorn_config(service: str | None = None) -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its own lines as JSON too; its access log is off, since the
    app writes one line per request (without the query string, where personal data travels)."""
    config = dict_config(service)
    config["loggers"] = {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    }
    return config


def mask_environment() -> None:
    mask_secrets(*(os.environ.get(name) for name in SECRET_VARIABLES))


def configure(service: str | None = None, level: str | None = None) -> None:
    mask_environment()
    logging.config.dictConfig(dict_config(service, level))


def configure_console(access_log: str | None = None, progress: Sequence[str] = ()) -> None:
    mask_environment()
    logging.config.dictConfig(console_config(access_log, progress=progress))


def configure_access_file(path: str) -> None:
    """JSON lines as `configure` makes them, but the access lines in `path`, not on stderr."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger(ACCESS_LOGGER)
    access.addHandler(handler)
    access.propagate = False
