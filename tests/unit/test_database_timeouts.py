"""The bounds on waiting for PostgreSQL (shared/pg.py): settings, libpq parameters, `Silence`."""

from __future__ import annotations

import pytest
from environs import Env

from shared import pg
from shared.config_bounds import DatabaseTimeouts


def test_the_defaults_bound_every_wait() -> None:
    args = pg.connect_args(DatabaseTimeouts())
    assert args["connect_timeout"] == 3
    assert args["tcp_user_timeout"] == 10_000  # milliseconds, for libpq
    assert (args["keepalives"], args["keepalives_idle"]) == (1, 10)
    assert (args["keepalives_interval"], args["keepalives_count"]) == (3, 3)
    assert args["options"] == (
        "-c statement_timeout=5000 -c lock_timeout=3000"
        " -c idle_in_transaction_session_timeout=60000"
    )


def test_zero_turns_a_bound_off_and_connect_is_two_seconds_at_least() -> None:
    timeouts = DatabaseTimeouts(connect=1, statement=0, lock=0, idle_in_transaction=0)
    args = pg.connect_args(timeouts)
    assert args["connect_timeout"] == 2  # libpq's minimum, said rather than silently raised
    assert "options" not in args
    assert "tcp_user_timeout" not in pg.connect_args(DatabaseTimeouts(tcp_user_timeout=0))


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_CONNECT_TIMEOUT", "5")
    monkeypatch.setenv("DB_REPLY_TIMEOUT", "0")
    monkeypatch.setenv("DB_LOCK_TIMEOUT", "1.5")
    monkeypatch.setenv("DB_KEEPALIVES_COUNT", "4")
    timeouts = DatabaseTimeouts.from_env(Env())
    assert (timeouts.connect, timeouts.reply, timeouts.lock) == (5, 0, 1.5)
    assert timeouts.keepalives_count == 4 and timeouts.statement == 5.0
    migrations = timeouts.for_migrations()
    assert (migrations.statement, migrations.lock, migrations.reply) == (0, 0, 0)
    assert migrations.connect == 5


def test_once_silent_one_use_at_a_time_tries_the_database_the_others_fail_at_once() -> None:
    silence = pg.Silence(probe_budget=60)
    silence.admit()
    silence.admit()  # the database answers: everyone goes on
    silence.timed_out("a new connection", 3)
    silence.admit()  # this one tries it
    with pytest.raises(pg.DatabaseSilent):
        silence.admit()
    silence.timed_out("a new connection", 3)  # the try failed: the next use tries again
    silence.admit()
    with pytest.raises(pg.DatabaseSilent):
        silence.admit()
    silence.answered()
    silence.admit()
    silence.admit()


def test_a_try_that_never_reports_back_is_given_up_after_its_budget() -> None:
    silence = pg.Silence(probe_budget=0)
    silence.timed_out("a statement", 7)
    silence.admit()
    silence.admit()  # the budget of the first try is spent: another may try
