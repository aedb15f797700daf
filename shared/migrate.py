"""Alembic, run from code: `govhall migrate <name>` and the embedded start-up use the same path.

Each service keeps its own `migrations/` folder; its `env.py` is one call to `run_env()`.
"""

from __future__ import annotations

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData

from shared.service import ServiceRuntime


def alembic_config(rt: ServiceRuntime) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(rt.spec.migrations))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["metadata"] = rt.spec.metadata
    cfg.attributes["engine"] = rt.db.engine
    return cfg


def upgrade(rt: ServiceRuntime, revision: str = "head") -> None:
    command.upgrade(alembic_config(rt), revision)


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
