"""How pytest-xdist's workers share the suite (`make test` runs `-n 2`).

A worker builds session- and module-scoped fixtures for itself, so tests that share expensive
set-up must run on one worker or it is built twice: each file's tests stay together (its
module-scoped fixtures), and so do the folders below. xdist's own `xdist_group` marks cannot say
this: with pytest 9.2 `--dist loadgroup` ignores them (pytest-xdist issue 1386), and the
controller sees only node ids, so the groups are told by path.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Sequence
from typing import Any

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


# Started first, longest first: the processes' unit alone takes about as long as the rest of
# the suite on the other worker, so started last (xdist orders units by test count) it made the
# run 9 minutes where 6 would do.
LONGEST_FIRST = ("processes", "fuzz-demo", "security-demo")


def work_unit(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    for folder, unit in FOLDERS.items():
        if path.startswith(folder):
            return unit
    return path


def distinct(collection: Sequence[str]) -> list[str]:
    """The node ids, a repeated one numbered (`…#2`, `…#3`): schemathesis gives each of its
    cases (tests/fuzz/test_fuzz.py) the same node id, and scope scheduling keys the tests of a
    unit by node id, so all but one case of each would silently never run."""
    seen: Counter[str] = Counter()
    named = []
    for nodeid in collection:
        seen[nodeid] += 1
        named.append(nodeid if seen[nodeid] == 1 else f"{nodeid}#{seen[nodeid]}")
    return named


def longest_first(workqueue: OrderedDict[str, Any]) -> None:
    """Put the `LONGEST_FIRST` units still waiting at the front of xdist's work queue."""
    for unit in reversed(LONGEST_FIRST):
        if unit in workqueue:
            workqueue.move_to_end(unit, last=False)


class SharedSetUpScheduling(LoadScopeScheduling):
    """xdist's scope scheduling, its scopes being `work_unit`s."""

    def add_node_collection(self, node: Any, collection: Sequence[str]) -> None:
        super().add_node_collection(node, distinct(collection))

    def _split_scope(self, nodeid: str) -> str:
        return work_unit(nodeid)

    def _assign_work_unit(self, node: Any) -> None:
        longest_first(self.workqueue)
        super()._assign_work_unit(node)
