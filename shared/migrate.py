"""Alembic, run from code: `govhall migrate <name>` and the embedded start-up use the same path.

Each service keeps its own `migrations/` folder; its `env.py` is one call to `run_env()`.

On PostgreSQL the migrations run as the owner of the schema (`<SERVICE>_MIGRATE_DATABASE_URL`)
and the service as a runtime role (`<SERVICE>_DATABASE_URL`'s user) that owns nothing: after
each upgrade `grant_runtime_role` gives it the ordinary DML on the service's tables but only
INSERT and SELECT on `audit_log`, so it can neither edit the trail nor switch its trigger off,
and no UPDATE on `audit_pending` (it inserts there, and its sealer deletes what it chained).
"""

from __future__ import annotations

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, make_url, text
from sqlalchemy.engine import Connection

from shared import audit_table
from shared.config import Settings
from shared.db import Database
from shared.service import ServiceRuntime, ServiceSpec


def alembic_config(rt: ServiceRuntime) -> Config:
    return config_for(rt.spec, rt.db)


def config_for(spec: ServiceSpec, db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(spec.migrations))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["metadata"] = spec.metadata
    cfg.attributes["engine"] = db.engine
    return cfg


def upgrade_database(spec: ServiceSpec, db: Database, revision: str = "head") -> None:
    """A service's schema on a database of its own, no app built (the embedded schema cache)."""
    command.upgrade(config_for(spec, db), revision)


def upgrade(rt: ServiceRuntime, revision: str = "head", runtime_role: str | None = None) -> None:
    command.upgrade(alembic_config(rt), revision)
    if runtime_role and rt.db.dialect == "postgresql":
        with rt.db.engine.begin() as connection:
            grant_runtime_role(connection, runtime_role)


def grant_runtime_role(connection: Connection, role: str) -> None:
    """What the service's runtime role may do, granted again after every migration (new tables
    included): read and write its tables, but only append to and read the audit trail. Never
    ownership, nor membership of the owner: the owner alone may ALTER or DISABLE TRIGGER."""
    quoted = connection.dialect.identifier_preparer.quote(role)
    if quoted == connection.dialect.identifier_preparer.quote(str(connection.engine.url.username)):
        raise ValueError(f"the runtime role {role} would be the owner that migrates")
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"REVOKE ALL ON {audit_table.TABLE} FROM {quoted}",
        f"GRANT SELECT, INSERT ON {audit_table.TABLE} TO {quoted}",
        f"REVOKE ALL ON alembic_version FROM {quoted}",
        f"GRANT SELECT ON alembic_version TO {quoted}",
    ):
        connection.execute(text(statement))
    if connection.execute(text("SELECT to_regclass(:t)"), {"t": audit_table.PENDING}).scalar():
        # Written by a unit of work, deleted once sealed, never edited (shared/audit_sealer.py).
        connection.execute(text(f"REVOKE UPDATE, TRUNCATE ON {audit_table.PENDING} FROM {quoted}"))


def runtime_role_of(settings: Settings) -> str | None:
    """The role to grant when migrating as an owner other than the service's own login."""
    if not settings.migrate_database_url:
        return None
    runtime = make_url(settings.database_url).username
    owner = make_url(settings.migrate_database_url).username
    return runtime if runtime and runtime != owner else None


def run_env() -> None:
    """The body of every service's migrations/env.py."""
    cfg = context.config
    metadata: MetaData = cfg.attributes["metadata"]
    engine = cfg.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=engine.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
