"""The README's two set-up commands: `make run` installs only what running needs, `make test`
the test tools as well (issue 18). Read with `make -n`, which runs nothing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def planned(target: str, tmp_path: Path) -> str:
    """What `make <target>` would run on a fresh clone (no .venv yet)."""
    venv = tmp_path / "venv"
    result = subprocess.run(
        ["make", "-n", "-C", str(ROOT), target, f"VENV={venv}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_make_run_installs_the_package_without_the_test_extras(tmp_path: Path) -> None:
    plan = planned("run", tmp_path)
    assert "pip install --quiet -e ." in plan
    assert "[test]" not in plan
    assert "govhall up --demo" in plan


def test_make_test_installs_the_test_extras_and_makes_the_run_stamp_true(tmp_path: Path) -> None:
    plan = planned("test", tmp_path)
    assert "pip install --quiet -e '.[test]'" in plan
    assert ".installed-run" in plan  # a later `make run` installs nothing more
    assert "pytest" in plan
