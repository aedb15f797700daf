"""Issue 19.2, point 1: redaction of one access line, before (every pattern on every value) and
after (the pre-check of shared/logs.py). The "before" is the reference copy the byte-identical
test keeps (tests/unit/test_redaction_precheck.py). Rounds interleaved; prints µs per line, the
ratio and the load average.

    .venv/bin/python -m bench.redaction [--rounds 7] [--lines 5000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from shared import logs
from tests.unit.test_redaction_precheck import reference

# The fields of a GET's JSON access line (shared/web.py _log_access), as the formatter has them.
ACCESS_LINE: dict[str, Any] = {
    "timestamp": "2026-12-07T23:07:19.659Z",
    "level": "INFO",
    "service": "registry",
    "logger": "govhall.access",
    "message": "GET /api/v1/units/bench-unit 200",
    "request_id": "e1a399a5-b03a-45c1-9140-0444357e74fc",
    "correlation_id": "e1a399a5-b03a-45c1-9140-0444357e74fc",
    "actor": "authority:test-authority",
    "method": "GET",
    "path": "/api/v1/units/bench-unit",
    "route": "/api/v1/units/<code>",
    "status": 200,
    "duration_ms": 1.4,
}


def per_line(redact: Callable[[Any], Any], lines: int) -> float:
    started = time.perf_counter()
    for _ in range(lines):
        redact(ACCESS_LINE)
    return (time.perf_counter() - started) / lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--lines", type=int, default=5000)
    args = parser.parse_args()
    assert logs.redact(ACCESS_LINE) == reference(ACCESS_LINE)
    before: list[float] = []
    after: list[float] = []
    for _ in range(args.rounds):
        before.append(per_line(reference, args.lines))
        after.append(per_line(logs.redact, args.lines))
    old, new = statistics.median(before), statistics.median(after)
    print(
        f"access line redaction: before {old * 1e6:.1f} µs, after {new * 1e6:.1f} µs, "
        f"after/before {new / old:.3f} ({old / new:.1f}x faster); "
        f"median of {args.rounds} interleaved rounds of {args.lines} lines; "
        f"loadavg {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
