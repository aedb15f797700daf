"""Dependencies checked against the advisories PyPI publishes (pip-audit), for CI.

Every advisory is reported. CI fails only on one with a fixed version to move to: one without a
fix is something to watch, not to block on. If the advisory service cannot be reached, that is
said and CI goes on (the check is about our dependencies, not about the network).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "pip-audit.json"
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip_audit",
                "--skip-editable",
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--output",
                str(report),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if not report.exists():
            print(f"pip-audit could not check the dependencies (exit {run.returncode}):")
            print(run.stderr.strip()[-2000:])
            return 0
        found = json.loads(report.read_text())
    fixable = 0
    for dependency in found.get("dependencies", []):
        for vuln in dependency.get("vulns", []):
            fixes = vuln.get("fix_versions") or []
            fixable += bool(fixes)
            advice = f"fixed in {', '.join(fixes)}" if fixes else "no fix published yet"
            print(f"{dependency['name']} {dependency['version']}: {vuln['id']} ({advice})")
    checked = len(found.get("dependencies", []))
    print(f"pip-audit: {checked} dependencies checked, {fixable} with a fixable advisory")
    return 1 if fixable else 0


if __name__ == "__main__":
    sys.exit(main())
