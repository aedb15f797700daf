"""The log line format and the redaction that keeps secrets and personal data out of it."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared import logs
from tests.support import token


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.JsonFormatter(service="registry"))
    logger = logging.getLogger("test.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield out
    logger.removeHandler(handler)


def _records(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_line_is_one_json_object_with_the_bound_context(lines: io.StringIO) -> None:
    with logs.context(request_id="req-1", correlation_id="corr-1", actor="unit:tj-hexi:li"):
        logging.getLogger("test.logs").info("窗口 %s opened", 7, extra={"window_id": 7})
    logging.getLogger("test.logs").warning("after")

    first, second = _records(lines)
    assert first["timestamp"].endswith("Z") and first["level"] == "INFO"
    assert first["service"] == "registry" and first["logger"] == "test.logs"
    assert first["message"] == "窗口 7 opened" and first["window_id"] == 7
    assert (first["request_id"], first["correlation_id"]) == ("req-1", "corr-1")
    assert first["actor"] == "unit:tj-hexi:li"
    assert "request_id" not in second and second["level"] == "WARNING"


def test_the_bound_service_wins_over_the_process_default(lines: io.StringIO) -> None:
    with logs.context(service="staffing"):
        logging.getLogger("test.logs").info("x")
    assert _records(lines)[0]["service"] == "staffing"


def test_sensitive_keys_are_masked_at_any_depth() -> None:
    bearer = f"Bearer {token('authority')}"
    record = logs.redact(
        {
            "headers": {"Authorization": bearer, "X-Request-ID": "r-1"},
            "smtp_password": "hunter2",
            "JWT_SECRET": "k",
            "access-token": "t",
            "id_number": "x",
            "applicant_idcard": "x",
            "applicant": {"phone": "p", "name": "王"},
            "items": [{"api_key": "a"}],
            "status": 201,
        }
    )
    assert record == {
        "headers": {"Authorization": logs.REDACTED, "X-Request-ID": "r-1"},
        "smtp_password": logs.REDACTED,
        "JWT_SECRET": logs.REDACTED,
        "access-token": logs.REDACTED,
        "id_number": logs.REDACTED,
        "applicant_idcard": logs.REDACTED,
        "applicant": {"phone": logs.REDACTED, "name": "王"},
        "items": [{"api_key": logs.REDACTED}],
        "status": 201,
    }


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"Authorization: Bearer {token('unit', 'tj-hexi')}", "Authorization: "),
        (f"sent {token('center')} along", "sent  along"),
        ("smtp login with password=hunter2 failed", "smtp login with password= failed"),
        ('{"jwt_secret": "abc123"}', '{"jwt_secret": ""}'),
        ("postgresql+psycopg://govhall:s3cret@db/registry", "postgresql+psycopg://govhall:@db"),
        ("申请人身份证号 11010519491231002X 已核验", "申请人身份证号  已核验"),
        ("联系电话13812345678", "联系电话"),
        ("call +86 13912345678 now", "call  now"),
    ],
)
def test_secrets_and_personal_data_are_cut_out_of_text(text: str, kept: str) -> None:
    redacted = logs.redact_text(text)
    assert logs.REDACTED in redacted
    assert redacted.replace(logs.REDACTED, "").startswith(kept)


def test_ordinary_numbers_and_ids_are_left_alone() -> None:
    text = "case 20261122000123 of window 42, event 5b0c3a8e-2f9b-4d7c-9a51-6f0e7c2d1a01 took 13 ms"
    assert logs.redact_text(text) == text
    fields = {"valid_number": 3, "request_id": "r", "event_id": "e", "idempotency_key": "k"}
    assert logs.redact(fields) == fields


def test_a_known_secret_is_masked_wherever_it_turns_up(lines: io.StringIO) -> None:
    logs.mask_secrets("a-signing-key-nobody-may-see")
    logging.getLogger("test.logs").error("bad key a-signing-key-nobody-may-see in config")
    assert "nobody-may-see" not in lines.getvalue()


def test_a_logged_exception_is_redacted_too(lines: io.StringIO) -> None:
    try:
        raise ValueError("token=abc.def rejected")
    except ValueError:
        logging.getLogger("test.logs").exception("failed")
    (record,) = _records(lines)
    assert "abc.def" not in record["exc_info"] and "ValueError" in record["exc_info"]


@pytest.mark.parametrize(
    ("given", "sane"),
    [
        ("3f2a-11", True),
        ("req_42.a:b", True),
        ("", False),
        ("x" * 129, False),
        ("bad\nline", False),
        ("a b", False),
        ("<script>", False),
    ],
)
def test_only_plain_short_ids_are_taken_from_a_client(given: str, sane: bool) -> None:
    assert (logs.sane_id(given) == given) is sane


def test_gunicorn_logs_json_and_leaves_the_access_line_to_the_app() -> None:
    from shared import gunicorn_conf

    config = gunicorn_conf.logconfig_dict
    assert gunicorn_conf.accesslog is None
    assert config["loggers"]["gunicorn.error"]["handlers"] == ["stderr"]
    assert config["loggers"]["gunicorn.access"]["handlers"] == []
    built = logging.config.DictConfigurator(config).configure_formatter(
        dict(config["formatters"]["json"])
    )
    assert isinstance(built, logs.JsonFormatter)


def test_a_console_line_is_short_names_the_service_and_is_redacted() -> None:
    formatter = logs.ConsoleFormatter()
    record = logging.LogRecord(
        "services.hall.demo", logging.INFO, __file__, 1, "token %s", (token("center"),), None
    )
    with logs.context(service="staffing"):
        line = formatter.format(record)
    assert line.endswith(f" INFO    staffing: token {logs.REDACTED}")
    assert "eyJ" not in line and "{" not in line


def test_console_logs_keep_libraries_at_warning_and_the_access_lines_in_their_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    progress = ("services.hall.cli", "services.hall.demo")
    config = logs.console_config(str(tmp_path / "access.log"), progress=progress)
    assert config["root"]["level"] == "WARNING"
    for name in progress:
        assert config["loggers"][name]["level"] == "INFO"
    access = config["loggers"][logs.ACCESS_LOGGER]
    assert access["propagate"] is False and access["handlers"] == ["access"]
    assert config["handlers"]["access"]["filename"] == str(tmp_path / "access.log")
    assert config["handlers"]["access"]["formatter"] == "json"
    # Without a file (`--access-log -`) they go to stderr with the rest.
    assert "handlers" not in logs.console_config(None)["loggers"][logs.ACCESS_LOGGER]
