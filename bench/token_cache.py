"""Issue 19.2, point 2: one request's bearer token, verified (PyJWT: HMAC and claims, as every
request did before) vs found in the cache of verified tokens (shared/auth.py, `exp` still checked
on the hit). Rounds interleaved; prints µs per token, the ratio and the load average.

    .venv/bin/python -m bench.token_cache [--rounds 7] [--tokens 5000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from shared import auth

SECRET = "bench-secret-0123456789abcdef0123456789abcdef"


def verified(token: str, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        auth.clear_verified_tokens()
        auth.decode_token(SECRET, token)
    return (time.perf_counter() - started) / count


def cached(token: str, count: int) -> float:
    auth.decode_token(SECRET, token)
    started = time.perf_counter()
    for _ in range(count):
        auth.decode_token(SECRET, token)
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--tokens", type=int, default=5000)
    args = parser.parse_args()
    token = auth.issue_token(SECRET, role="unit", unit="tj-hexi", sub="li.wei")
    before: list[float] = []
    after: list[float] = []
    for _ in range(args.rounds):
        before.append(verified(token, args.tokens))
        after.append(cached(token, args.tokens))
    old, new = statistics.median(before), statistics.median(after)
    print(
        f"bearer token: verified {old * 1e6:.1f} µs, cached {new * 1e6:.1f} µs, "
        f"cached/verified {new / old:.3f} ({old / new:.1f}x faster); "
        f"median of {args.rounds} interleaved rounds of {args.tokens}; "
        f"loadavg {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
