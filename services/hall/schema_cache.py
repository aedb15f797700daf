"""The embedded mode's schemas, migrated once per version of the code and copied after that.

Alembic runs each service's migrations from the first (dozens of them, four services): most of
a second of `govhall up` on a fresh var directory, every time. A fresh var directory instead
gets copies of SQLite files migrated at the first such start and kept in the user's cache
(`$XDG_CACHE_HOME/govhall/schemas/<fingerprint>/`, as the tests do within a run). The
fingerprint covers every file the migrations can reach (each service's `migrations/`, `shared/`)
and the versions of SQLAlchemy and Alembic, so a changed migration builds new copies. A var
directory with any database in it is migrated as before: a copy never replaces data, and real
databases (PostgreSQL) are always migrated by alembic.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from shared.config import SERVICES

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent.parent


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "govhall" / "schemas"


def fingerprint(root: Path = ROOT) -> str:
    """What the migrated schema depends on: the migrations, what they import, the libraries."""
    files: list[Path] = sorted((root / "shared").rglob("*.py"))
    for name in SERVICES:
        files += sorted((root / "services" / name / "migrations").rglob("*.py"))
    digest = hashlib.sha256()
    for package in ("sqlalchemy", "alembic"):
        digest.update(f"{package}=={metadata.version(package)}\0".encode())
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def is_fresh(var_dir: Path) -> bool:
    """No service's database there yet (a copy may only ever start an empty var directory)."""
    return not any((var_dir / f"{name}.db").exists() for name in SERVICES)


def templates(migrate_into: Callable[[Path], object]) -> dict[str, Path] | None:
    """Each service's migrated SQLite file from the cache, made first with `migrate_into` (which
    migrates each service's `<name>.db` in an empty folder and closes them) when missing; None
    when the cache cannot be written (then the caller migrates as before)."""
    try:
        folder = cache_root() / fingerprint()
        wanted = {name: folder / f"{name}.db" for name in SERVICES}
        if all(path.exists() for path in wanted.values()):
            return wanted
        folder.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    except (OSError, RuntimeError) as exc:  # RuntimeError: no home directory to be found
        log.info("no schema cache (%s); migrating", exc)
        return None
    try:
        work = scratch / "var"  # the files only: not the var folder's generated keys
        migrate_into(work)
        for name in SERVICES:
            (work / f"{name}.db").rename(scratch / f"{name}.db")
        shutil.rmtree(work)
        try:
            scratch.rename(folder)  # whole or not at all; another start may have won the race
        except OSError:
            if not all(path.exists() for path in wanted.values()):
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return wanted
