"""Issue 19, point 2: the CPU one GET of one unit costs in-process, hooks and access line included.

Builds an embedded hall (SQLite in a temporary directory), registers one unit, then times
`--requests` GETs of it through the Flask test client with `time.process_time`, the JSON access
line written to a null stream as production writes it to stderr. Prints the median and mean µs
per request. `--profile N` prints cProfile's top N entries (by own time) instead.

It imports nothing from bench/, so the same file measures another checkout: run it with
`PYTHONPATH=<that checkout>` and compare, alternating rounds (bench/README.md, "issue 19.2").

    PYTHONPATH=. .venv/bin/python bench/request_cpu.py [--requests 2000] [--profile 25]
"""

from __future__ import annotations

import argparse
import io
import logging
import logging.config
import os
import shutil
import statistics
import tempfile
import time
import uuid
from typing import Any

from services.hall import embedded
from shared import logs
from tests.support import TEST_SECRET, bearer


def build_hall(var: str) -> Any:
    run = uuid.uuid4().hex[:8]
    return embedded.build(
        var,
        {
            "jwt_secret": TEST_SECRET,
            "events_exchange": f"govhall.events.{run}",
            "dead_exchange": f"govhall.dead.{run}",
            "queue_prefix": f"{run}.",
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N")
    args = parser.parse_args()

    config = logs.dict_config("bench", "INFO")
    config["handlers"]["stderr"]["stream"] = "ext://os.devnull"  # replaced just below
    logging.config.dictConfig(config)
    null = io.StringIO()
    for handler in logging.getLogger().handlers:
        handler.setStream(null)  # type: ignore[attr-defined]

    var = tempfile.mkdtemp(
        prefix="govhall-reqcpu-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None
    )
    hall: Any = None
    try:
        hall = build_hall(var)
        client = hall.apps["registry"].test_client()
        headers = bearer("authority")
        body = {"code": "bench-unit", "name": "bench 政务服务中心", "district": "河西区 Hexi"}
        created = client.post("/api/v1/units", json=body, headers=headers)
        assert created.status_code == 201, created.get_data(as_text=True)
        url = "/api/v1/units/bench-unit"
        for _ in range(200):  # warm-up: caches, lazy imports, SQLite pages
            assert client.get(url, headers=headers).status_code == 200
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile(time.process_time)  # CPU: other processes share the cores
            profiler.enable()
            for _ in range(args.requests):
                client.get(url, headers=headers)
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats("tottime")
            stats.print_stats(args.profile)
            return
        samples = []
        for _ in range(args.requests):
            null.seek(0)
            null.truncate()
            started = time.process_time()
            response = client.get(url, headers=headers)
            samples.append(time.process_time() - started)
            assert response.status_code == 200
        median, mean = statistics.median(samples) * 1e6, statistics.fmean(samples) * 1e6
        print(
            f"GET one unit, {args.requests} requests: median {median:.0f} µs, mean {mean:.0f} µs "
            f"CPU per request (loadavg {os.getloadavg()[0]:.2f})"
        )
    finally:
        for name in hall.apps if hall is not None else ():
            hall.runtime(name).db.dispose()
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
