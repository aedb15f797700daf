"""`govhall up`, as `make run` starts it: a child process on one port, stopped by its PID."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from tests.support import free_port, processes, wait_for

RULE = "=" * 78


def test_govhall_up_serves_all_four_services_with_the_demo(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [
        sys.executable,
        "-m",
        "services.hall.cli",
        "up",
        "--port",
        str(port),
        "--var-dir",
        str(tmp_path / "var"),
        "--demo",
    ]
    with processes(tmp_path) as start:
        up = start("govhall-up", argv, {"JWT_SECRET": ""})
        wait_for(lambda: "operator token" in up.output(), timeout=60, interval=0.2)
        token = re.search(r"operator token.*\n\s+(\S+)", up.output())[1]  # type: ignore[index]
        auth = {"Authorization": f"Bearer {token}"}

        assert "generated a local signing key" in up.output()
        # Not at a terminal: JSON lines, then the banner.
        before = up.output().split(RULE)[0].splitlines()
        assert before and all(json.loads(line)["level"] for line in before)
        assert requests.get(f"{base}/").status_code == 200
        for name in ("registry", "staffing", "inspection", "notification"):
            assert requests.get(f"{base}/{name}/livez").status_code == 200
            assert requests.get(f"{base}/{name}/readyz").status_code == 200
            assert f"{base}/{name}/docs" in up.output()

        # The demo's units reached staffing through the in-memory broker.
        hexi = wait_for(
            lambda: (
                requests.get(f"{base}/staffing/api/v1/units/tj-hexi", headers=auth)
                .json()
                .get("name")
            ),
            timeout=5,
        )
        assert hexi.startswith("河西区政务服务中心")

        unit = {"code": "up-test", "name": "Test Unit", "district": "二七区"}
        assert (
            requests.post(f"{base}/registry/api/v1/units", json=unit, headers=auth).status_code
            == 201
        )
        wait_for(
            lambda: (
                requests.get(f"{base}/inspection/api/v1/units/up-test", headers=auth).status_code
                == 200
            ),
            timeout=5,
        )
        wait_for(
            lambda: any(
                n["subject"] == "up-test"
                for n in requests.get(
                    f"{base}/notification/api/v1/notices?limit=200", headers=auth
                ).json()["items"]
            ),
            timeout=5,
        )
        # The printed integrator token sees the demo integrator's subscription and deliveries.
        integrator = re.search(r"integrator token.*\n\s+(\S+)", up.output())[1]  # type: ignore[index]
        subscriptions = requests.get(
            f"{base}/notification/api/v1/webhooks/subscriptions",
            headers={"Authorization": f"Bearer {integrator}"},
        )
        assert subscriptions.status_code == 200 and len(subscriptions.json()["items"]) == 1
        # With JSON logs the access lines stay with the rest, on stderr.
        wait_for(lambda: '"logger": "govhall.access"' in up.output().split(RULE)[-1], timeout=5)
        up.stop()
        assert up.popen.returncode is not None
    assert (tmp_path / "var" / "registry.db").exists()
    assert not (tmp_path / "var" / "access.log").exists()


def test_at_a_terminal_govhall_up_prints_a_screenful_and_the_banner_last(tmp_path: Path) -> None:
    """`make run` from a fresh clone: short lines of progress, no event or access lines, then
    the framed URLs and tokens, and nothing after them (issue 18)."""
    port = free_port()
    var = tmp_path / "var"
    argv = [
        sys.executable,
        "-m",
        "services.hall.cli",
        "up",
        "--port",
        str(port),
        "--var-dir",
        str(var),
    ]
    primary, secondary = pty.openpty()
    popen = subprocess.Popen(
        [*argv, "--demo"],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env={**os.environ, "JWT_SECRET": "", "LOG_LEVEL": ""},
        start_new_session=True,
    )
    os.close(secondary)
    screen = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal closed with the process
                return
            if not chunk:
                return
            screen.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        text = lambda: screen.decode(errors="replace").replace("\r\n", "\n")  # noqa: E731
        wait_for(lambda: text().count(RULE) == 2, timeout=90, interval=0.2)
        token = re.search(r"operator token.*\n\s+(\S+)", text())[1]  # type: ignore[index]
        auth = {"Authorization": f"Bearer {token}"}
        assert requests.get(f"http://127.0.0.1:{port}/registry/readyz").status_code == 200
        unit = {"code": "tty-test", "name": "TTY Unit", "district": "二七区"}
        created = requests.post(
            f"http://127.0.0.1:{port}/registry/api/v1/units", json=unit, headers=auth
        )
        assert created.status_code == 201
        time.sleep(1.0)  # what the consumers do with it must not print either
        before, banner, after = text().split(RULE)
        lines = before.strip("\n").splitlines()
        assert len(lines) <= 40, before
        assert "loading the demo: cases" in before
        assert not any(line.lstrip().startswith("{") for line in lines), before  # no JSON
        assert f"govhall is up at http://127.0.0.1:{port}/" in banner
        assert "operator token" in banner and "integrator token" in banner
        assert after.strip() == "", after
        access = (var / "access.log").read_text().splitlines()
        assert any(json.loads(line).get("path") == "/registry/api/v1/units" for line in access)
    finally:
        os.killpg(popen.pid, signal.SIGTERM)
        popen.wait(20)
        reader.join(5)
        os.close(primary)


def test_a_busy_port_is_reported_before_anything_is_built(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        var = tmp_path / "var"
        argv = ["up", "--demo", "--port", str(port), "--var-dir", str(var)]
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "services.hall.cli", *argv],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "JWT_SECRET": ""},
        )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: cannot listen on 127.0.0.1:{port}: Address already in use (another govhall up?"
        " stop it, or choose another --port)"
    ]
    assert not var.exists()  # no migration, no key, no demo: nothing was started
    assert time.monotonic() - started < 15
