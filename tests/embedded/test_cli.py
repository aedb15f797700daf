"""`govhall token` and `govhall migrate`, as operators call them."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import jwt
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect

from services.hall.cli import main
from tests.support import TEST_SECRET, free_port


def test_token_prints_a_signed_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
    result = CliRunner().invoke(
        main, ["token", "--role", "unit", "--unit", "tj-hexi", "--ttl", "30m"]
    )
    assert result.exit_code == 0, result.output
    claims = jwt.decode(
        result.output.strip(), TEST_SECRET, algorithms=["HS256"], audience="govhall"
    )
    assert claims["role"] == "unit" and claims["unit"] == "tj-hexi"
    assert claims["iss"] == "govhall" and claims["aud"] == "govhall"
    assert claims["exp"] - claims["iat"] == 30 * 60


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["token", "--role", "unit"], "--unit"),
        (["token", "--role", "unit", "--unit", "TJ-Hexi"], "lower-case"),
        (["token", "--role", "mayor"], "mayor"),
        (["token", "--role", "center", "--ttl", "forever"], "12h"),
        (["token", "--role", "center", "--ttl", "0s"], "more than 0"),
        (["token", "--role", "center", "--ttl", "0h"], "more than 0"),
        (["token", "--role", "center", "--ttl", "-1h"], "more than 0"),
    ],
)
def test_token_refuses_bad_requests(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output


def test_migrate_builds_each_services_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
    result = CliRunner().invoke(main, ["migrate", "all"])
    assert result.exit_code == 0, result.output
    expected = {
        "registry": "units",
        "staffing": "units",
        "inspection": "units",
        "notification": "notices",
    }
    for service, table in expected.items():
        names = set(inspect(create_engine(f"sqlite:///{tmp_path}/{service}.db")).get_table_names())
        assert {table, "outbox", "processed_events", "failed_events", "alembic_version"} <= names
    again = CliRunner().invoke(main, ["migrate", "registry"])
    assert again.exit_code == 0  # running it twice is harmless


@pytest.mark.parametrize("command", [["serve", "registry"], ["worker", "staffing"]])
def test_production_processes_refuse_to_start_without_a_secret(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("GOVHALL_ENV", "production")
    monkeypatch.delenv("JWT_SECRET", raising=False)
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1
    assert "will not start: JWT_SECRET is not set" in result.output
    assert not (tmp_path / "jwt-secret").exists()  # no key was generated on the way


@pytest.mark.parametrize("command", [["serve", "registry"], ["worker", "staffing"]])
def test_separate_processes_refuse_the_in_memory_broker(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `serve` and a `worker` on memory:// each talk to themselves: no event is delivered."""
    import shared.service

    def started(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("started on memory://")

    monkeypatch.setattr("os.execv", started)  # serve: gunicorn would replace this process
    monkeypatch.setattr(shared.service, "WorkerThreads", started)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
    monkeypatch.delenv("GOVHALL_ENV", raising=False)
    monkeypatch.delenv("BROKER_URL", raising=False)
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1, result.output
    assert "will not start: BROKER_URL is memory://" in result.output
    assert "govhall up" in result.output


def test_up_refuses_an_unknown_environment_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVHALL_ENV", "prod")
    argv = ["up", "--var-dir", str(tmp_path / "var"), "--port", str(free_port())]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 1
    assert "will not start: GOVHALL_ENV='prod' is not one of development, production" in (
        result.output
    )


def test_version_prints_the_packages_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output == f"govhall {importlib.metadata.version('govhall')}\n"


@pytest.mark.parametrize("database", ["missing", "empty"])
def test_audit_verify_without_a_migrated_database_says_so_in_one_line(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
    monkeypatch.delenv("REGISTRY_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    if database == "empty":
        (tmp_path / "registry.db").touch()
    result = CliRunner().invoke(main, ["audit", "verify", "registry"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    (line,) = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert "run `govhall migrate registry`" in line, result.output
    assert "Traceback" not in result.output
    assert (tmp_path / "registry.db").exists() == (database == "empty")  # none made by asking
