"""A read that polls (the demo's settle, the retry sweep's "anything due?", readyz's ping) does not
queue for SQLite's write lock: it is answered while a writer holds it, with what was committed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, insert, select

from shared.db import Database


def test_a_read_session_reads_the_committed_rows_while_a_writer_holds_the_lock(
    tmp_path: Path,
) -> None:
    metadata = MetaData()
    rows = Table("rows", metadata, Column("n", Integer, primary_key=True))
    db = Database(f"sqlite:///{tmp_path / 'one.db'}", metadata)
    metadata.create_all(db.engine)
    try:
        with db.session() as writer:
            writer.execute(insert(rows), {"n": 1})
            writer.commit()
            writer.execute(insert(rows), {"n": 2})  # BEGIN IMMEDIATE: the write lock is held
            with db.read_session() as reader:
                assert reader.execute(select(rows.c.n)).scalars().all() == [1]
            db.ping()
            writer.commit()
        with db.read_session() as reader:
            assert reader.execute(select(rows.c.n)).scalars().all() == [1, 2]
    finally:
        db.dispose()
