"""`govhall up`, as `make run` starts it: a child process on one port, stopped by its PID."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import requests

from shared.testing import free_port, processes, wait_for


def test_govhall_up_serves_all_four_services_with_the_demo(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [
        sys.executable,
        "-m",
        "shared.cli",
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
        up.stop()
        assert up.popen.returncode is not None
    assert (tmp_path / "var" / "registry.db").exists()
