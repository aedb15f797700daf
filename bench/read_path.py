"""Issue 19, point 1: the CPU of one read of one unit, through a unit of work and on the lean read
path (shared/reads.py), on SQLite and on PostgreSQL, rounds interleaved.

Registry's tables in a temporary SQLite file and, if `--pg URL` is given (an admin URL such as
postgresql+psycopg://postgres@127.0.0.1:5432/postgres), in a temporary database dropped on exit.
Each round times `--reads` reads each way with `time.process_time`; prints the medians (µs).

    PYTHONPATH=. .venv/bin/python -m bench.read_path [--reads 2000] [--rounds 3] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable

from sqlalchemy import create_engine, insert, select, text

from services.registry import SPEC
from services.registry.adapters import tables
from services.registry.handlers import units
from shared.audit import Keyring
from shared.db import Database
from shared.reads import Reads
from shared.sqltypes import utcnow
from shared.unit_of_work import UnitOfWork


def cpu_per_call(call: Callable[[], object], n: int) -> float:
    samples = []
    for _ in range(n):
        began = time.process_time()
        call()
        samples.append(time.process_time() - began)
    return statistics.median(samples) * 1e6


def measure(name: str, db: Database, reads: int, rounds: int) -> None:
    db.metadata.create_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(
            insert(tables.units),
            {"code": "b-1", "name": "Bench", "district": "x", "registered_at": utcnow()},
        )
    lean = Reads(db)

    def through_unit_of_work() -> object:
        with UnitOfWork(db, source="/bench") as uow:
            return uow.session.execute(select(tables.units).where(tables.units.c.code == "b-1"))

    for call in (through_unit_of_work, lambda: units.get_unit(lean, "b-1")):
        cpu_per_call(call, 200)  # warm-up: pools, statement caches, prepared statements
    for round_ in range(1, rounds + 1):
        before = cpu_per_call(through_unit_of_work, reads)
        after = cpu_per_call(lambda: units.get_unit(lean, "b-1"), reads)
        print(
            f"{name:10} round {round_}: unit of work {before:6.0f} µs   lean read {after:6.0f} µs"
            f"   ratio {after / before:.2f}   (loadavg {os.getloadavg()[0]:.1f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg", help="PostgreSQL admin URL: measure there too")
    args = parser.parse_args()
    keyring = Keyring("bench-" + "k" * 40, ())
    with tempfile.TemporaryDirectory(prefix="govhall-readpath-") as var:
        db = Database(f"sqlite:///{var}/registry.db", SPEC.metadata, audit_keyring=keyring)
        try:
            measure("sqlite", db, args.reads, args.rounds)
        finally:
            db.dispose()
    if not args.pg:
        return
    name = f"govhall_readpath_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(args.pg.rsplit("/", 1)[0] + f"/{name}", SPEC.metadata, audit_keyring=keyring)
    try:
        measure("postgresql", db, args.reads, args.rounds)
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
