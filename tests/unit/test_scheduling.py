"""How `make test`'s two workers share the suite (tests/scheduling.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("xdist")  # tests/scheduling.py builds on it

from collections import OrderedDict

from tests.scheduling import distinct, longest_first, work_unit


def test_tests_sharing_set_up_make_one_unit() -> None:
    assert work_unit("tests/e2e/test_health.py::test_x") == "processes"
    assert work_unit("tests/faults/test_broker_outage.py::test_y[a]") == "processes"
    assert work_unit("tests/fuzz/test_fuzz.py::test_z") == work_unit("tests/fuzz/test_u.py::t")
    assert work_unit("tests/security/test_access_matrix.py::t") == "security-demo"
    # Any other test goes with its file (its module-scoped fixtures built once).
    assert work_unit("tests/embedded/test_demo.py::test_a") == "tests/embedded/test_demo.py"
    assert work_unit("tests/embedded/test_demo.py::test_b[x::y]") == "tests/embedded/test_demo.py"


def test_repeated_node_ids_each_stay_a_test_of_their_own() -> None:
    # schemathesis names every case of a test alike: each must still be scheduled and run.
    ids = ["a.py::t", "f.py::case", "f.py::case", "f.py::case", "b.py::u"]
    named = distinct(ids)
    assert named == ["a.py::t", "f.py::case", "f.py::case#2", "f.py::case#3", "b.py::u"]
    assert {work_unit(n) for n in named[1:4]} == {"f.py"}


def test_the_longest_units_start_first() -> None:
    # xdist orders units by their number of tests: the processes' few long tests came last and
    # ran alone on one worker after the other had finished everything else.
    queue = OrderedDict((unit, {}) for unit in ("a.py", "fuzz-demo", "b.py", "processes"))
    longest_first(queue)
    assert list(queue) == ["processes", "fuzz-demo", "a.py", "b.py"]
