"""How pytest-xdist's workers share the suite (`make test` runs `-n 2`).

A worker builds session- and module-scoped fixtures for itself, so tests that share expensive
set-up must run on one worker or it is built twice: each file's tests stay together (its
module-scoped fixtures), and so do the folders below. xdist's own `xdist_group` marks cannot say
this: with pytest 9.2 `--dist loadgroup` ignores them (pytest-xdist issue 1386), and the
controller sees only node ids, so the groups are told by path.
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

# Folder → the one work unit all its tests make.
FOLDERS = {
    # Services as processes on the one PostgreSQL (100 connections): one cluster at a time.
    "tests/e2e/": "processes",
    "tests/faults/": "processes",
    # The demo hall each of these folders loads once for its session (conftest.py there).
    "tests/fuzz/": "fuzz-demo",
    "tests/security/": "security-demo",
}


def work_unit(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    for folder, unit in FOLDERS.items():
        if path.startswith(folder):
            return unit
    return path


class SharedSetUpScheduling(LoadScopeScheduling):
    """xdist's scope scheduling, its scopes being `work_unit`s."""

    def _split_scope(self, nodeid: str) -> str:
        return work_unit(nodeid)
