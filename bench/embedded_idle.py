"""Issue 18, point 4: the embedded hall (`govhall up`) idle, and its commit-to-effect latency.

Two measurements, on this machine, with no server needed:

- **latency**: an embedded hall in this process (SQLite in a temporary folder, the in-memory
  broker, the real relays and consumers on threads). A unit is registered through registry's
  HTTP API (the row and its `unit.registered` event committed together); the latency runs from
  the response until staffing's consumer has applied the event (its inbox row and its copy of
  the unit committed). The baseline, in the same run: one raw kombu publish on the same
  in-memory transport to a queue of its own, until a consumer on another connection has it.
  It prints the median and p95 of both and their ratio.
- **idle**: `govhall up --demo` as a child process; once its banner is out and the demo's
  events have settled, the CPU it uses (utime + stime from /proc/<pid>/stat) over `--idle`
  seconds, as a percentage of one core.

    .venv/bin/python -m bench.embedded_idle [--samples 50] [--gap 0.1] [--idle 20] [--no-idle]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kombu import Consumer, Exchange, Producer, Queue
from werkzeug.test import Client

from services.hall import embedded
from shared import auth, broker

TEST_SECRET = "bench-secret-" + "x" * 32
UNIT_REGISTERED = "govhall.registry.unit.registered.v1"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest rank: a latency some sample really had."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-len(ordered) * q // 100)))
    return ordered[int(rank) - 1]


def summary(name: str, seconds: Sequence[float]) -> str:
    p50, p95 = percentile(seconds, 50) * 1000, percentile(seconds, 95) * 1000
    return (
        f"{name:<44} median {p50:7.1f} ms   p95 {p95:7.1f} ms   max {max(seconds) * 1000:7.1f} ms"
    )


def sample(samples: int, gap: float, once: Callable[[str], float], warmup: int = 3) -> list[float]:
    seconds = []
    for i in range(warmup + samples):
        time.sleep(random.uniform(0, gap))  # writes fall at random moments, as requests would
        latency = once(f"bench-{i:03d}-{uuid.uuid4().hex[:6]}")
        if i >= warmup:
            seconds.append(latency)
    return seconds


class Arrivals:
    """Keys as another thread reports them, with the perf_counter of the report."""

    def __init__(self) -> None:
        self._seen: queue.Queue[tuple[str, float]] = queue.Queue()

    def arrived(self, key: str) -> None:
        self._seen.put((key, time.perf_counter()))

    def wait(self, key: str, timeout: float = 10.0) -> float:
        deadline = time.monotonic() + timeout
        while True:
            seen, at = self._seen.get(timeout=max(deadline - time.monotonic(), 0.001))
            if seen == key:
                return at


def pipeline(var: Path, samples: int, gap: float) -> list[float]:
    hall = embedded.build(var, {"jwt_secret": TEST_SECRET})
    arrivals = Arrivals()
    inbox = hall.runtime("staffing").inbox
    receive = inbox.receive

    def receive_and_report(body: str | bytes) -> Any:
        outcome = receive(body)  # applied and committed when it returns
        event = json.loads(body)
        if event["type"] == UNIT_REGISTERED:
            arrivals.arrived(event["data"]["code"])
        return outcome

    inbox.receive = receive_and_report  # type: ignore[method-assign]
    hall.start()
    settings = hall.runtime("registry").settings
    token = auth.issue_token(
        TEST_SECRET,
        role="authority",
        sub="bench",
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    client = Client(hall.wsgi())

    def once(code: str) -> float:
        response = client.post(
            "/registry/api/v1/units",
            json={"code": code, "name": f"Bench {code}", "district": "二七区"},
            headers={"Authorization": f"Bearer {token}"},
        )
        committed = time.perf_counter()
        assert response.status_code == 201, response.get_data(as_text=True)
        return arrivals.wait(code) - committed

    try:
        return sample(samples, gap, once)
    finally:
        hall.stop()


def raw_transport(samples: int, gap: float) -> list[float]:
    """The same in-memory transport, one publish to one consumer: the floor of the pipeline."""
    from shared.config import load

    settings = load("registry", {"jwt_secret": TEST_SECRET, "broker_url": "memory://"})
    name = f"bench-raw-{uuid.uuid4().hex[:8]}"
    exchange = Exchange(name, type="direct", durable=False)
    raw = Queue(name, exchange=exchange, routing_key=name, durable=False)
    arrivals, stop = Arrivals(), threading.Event()
    ready = threading.Event()

    def consume() -> None:
        with broker.connect(settings) as connection:

            def got(body: Any, message: Any) -> None:
                arrivals.arrived(body)
                message.ack()

            with Consumer(connection, queues=[raw], callbacks=[got]):
                ready.set()
                while not stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        connection.drain_events(timeout=1.0)

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    ready.wait(10)
    with broker.connect(settings) as connection:
        producer = Producer(connection.default_channel, exchange)

        def once(key: str) -> float:
            sent = time.perf_counter()
            producer.publish(key, routing_key=name, declare=[raw])
            return arrivals.wait(key) - sent

        try:
            return sample(samples, gap, once)
        finally:
            stop.set()
            thread.join(5)


def idle_cpu(var: Path, seconds: float) -> float:
    """% of one core `govhall up --demo` uses once loaded and settled."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = var / "up.log"
    argv = [sys.executable, "-m", "services.hall.cli", "up", "--demo", "--port", str(port)]
    with log.open("wb") as out:
        up = subprocess.Popen(
            [*argv, "--var-dir", str(var / "up")],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "JWT_SECRET": TEST_SECRET},
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        while "integrator token" not in log.read_text(errors="replace"):
            if up.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"govhall up did not come up:\n{log.read_text()[-2000:]}")
            time.sleep(0.5)
        time.sleep(10)  # the last events of the demo, the first round of the sweeps
        before = _cpu_seconds(up.pid)
        time.sleep(seconds)
        return (_cpu_seconds(up.pid) - before) / seconds * 100
    finally:
        os.killpg(up.pid, signal.SIGTERM)
        try:
            up.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)
            up.wait()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--gap", type=float, default=0.1, help="max random pause between writes")
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle CPU sampling")
    parser.add_argument("--no-idle", action="store_true", help="only the latency")
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="govhall-bench-embedded-"))
    os.environ["VAR_DIR"] = str(var)  # the local keys go there too, not to ./var
    try:
        raw = raw_transport(args.samples, args.gap)
        effect = pipeline(var / "hall", args.samples, args.gap)
        print(summary("raw in-memory publish → consume", raw))
        print(summary("registry commit → staffing's effect", effect))
        ratio = percentile(effect, 50) / percentile(raw, 50)
        print(f"median ratio pipeline / raw transport: {ratio:.1f}×")
        if not args.no_idle:
            print(
                f"idle CPU of govhall up --demo over {args.idle:.0f} s: "
                f"{idle_cpu(var, args.idle):.1f} % of one core"
            )
    finally:
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
