"""Issue 19, point 6: how long `govhall up --demo` takes to start, against a baseline tree.

Each round starts `python -m services.hall.cli up --demo` as a child process on a fresh var
directory, once with this tree on PYTHONPATH and once with the baseline's (another checkout, say
the main branch's; only read), in alternating order, and times from the start of the process to

- **banner**: the banner is out (the demo is loaded, the server listens);
- **readyz**: the first 200 on `/registry/readyz`.

It prints each round with the load average, then the medians and this tree's / baseline's ratio.

    .venv/bin/python -m bench.embedded_startup --baseline OLD_CHECKOUT [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

TEST_SECRET = "bench-secret-" + "x" * 32
HERE = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/registry/readyz", timeout=1) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_once(tree: Path, var: Path, timeout: float = 180.0) -> tuple[float, float]:
    """Seconds from the start of `govhall up --demo` to its banner and to readyz's first 200."""
    port = free_port()
    log = var / "up.log"
    argv = [sys.executable, "-m", "services.hall.cli", "up", "--demo", "--port", str(port)]
    argv += ["--var-dir", str(var / "up"), "--log-format", "console"]
    env = {**os.environ, "JWT_SECRET": TEST_SECRET, "PYTHONPATH": str(tree)}
    started = time.monotonic()
    with log.open("wb") as out:
        up = subprocess.Popen(
            argv, cwd=tree, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    banner = readyz = None
    try:
        while banner is None or readyz is None:
            now = time.monotonic() - started
            if up.poll() is not None or now > timeout:
                raise RuntimeError(f"govhall up did not come up:\n{log.read_text()[-2000:]}")
            if readyz is None and ready(port):
                readyz = time.monotonic() - started
            if banner is None and "integrator token" in log.read_text(errors="replace"):
                banner = time.monotonic() - started
            time.sleep(0.05)
        return banner, readyz
    finally:
        os.killpg(up.pid, signal.SIGTERM)
        try:
            up.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)
            up.wait()


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, required=True, help="the old code's checkout")
    args = parser.parse_args(argv)
    trees = {"baseline": args.baseline.resolve(), "this tree": HERE}
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    scratch = Path(tempfile.mkdtemp(prefix="govhall-startup-"))
    try:
        for round_ in range(args.rounds):
            order = list(trees) if round_ % 2 == 0 else list(reversed(trees))
            for name in order:
                var = scratch / f"{name.replace(' ', '-')}-{round_}"
                var.mkdir()
                banner, readyz = start_once(trees[name], var)
                results[name].append((banner, readyz))
                print(
                    f"round {round_ + 1} {name:<10} banner {banner:6.1f} s   "
                    f"readyz {readyz:6.1f} s   load {loadavg()}",
                    flush=True,
                )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    medians = {
        name: (statistics.median(b for b, _ in rows), statistics.median(r for _, r in rows))
        for name, rows in results.items()
    }
    for name, (banner, readyz) in medians.items():
        print(f"median  {name:<10} banner {banner:6.1f} s   readyz {readyz:6.1f} s")
    base, ours = medians["baseline"], medians["this tree"]
    ratios = f"banner {ours[0] / base[0]:.2f}  readyz {ours[1] / base[1]:.2f}"
    print(f"ratio this tree / baseline: {ratios}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
