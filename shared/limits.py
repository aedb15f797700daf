"""Rate limits on the public (no-token) endpoints, and the lockout after wrong query codes.

A public view declares its limit by name (``@limits.public("tracking", receipt=...)``); the app
factory builds one Flask-Limiter per app, counting in ``Settings.rate_limit_storage_url`` (Redis
in production, so every pod and worker shares one count; memory in the embedded mode), and wraps
each declared view with:

- the named limit (``Settings.rate_limits[name]``) per client address, the address being the one
  ``FORWARDED_PROXIES`` trusted hops say (ProxyFix has already put it in ``remote_addr``);
- where the request names a receipt (a case's receipt number, a complaint's number, a booking's
  reference) with its secret code, the lockout, counted per receipt: an address that gave
  ``lockout_failures`` wrong codes for one receipt is refused that receipt until
  ``lockout_seconds`` after its first wrong code; once ``lockout_receipt_failures`` wrong codes
  came from all addresses together, every address that gave a wrong one is refused, while an
  address that has not failed may still try (and counts if it fails). So a stranger cannot lock
  the applicant out (the applicant's own address has not failed), and a guesser gets a handful
  of codes per address per window out of 32⁸. docs/operations.md says more.

Every refusal is a 429 problem document with ``Retry-After``, in Chinese or English after
``Accept-Language``, and counts in ``govhall_rate_limited_total{service,limit}``. If the storage
cannot be reached the limits are skipped (logged), not the public endpoints refused.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from limits import RateLimitItemPerSecond
from limits.strategies import FixedWindowRateLimiter

from shared import metrics, problems
from shared.config import Settings
from shared.errors import NotFound

log = logging.getLogger(__name__)

LIMIT_ATTR = "__govhall_limit__"
RECEIPT_MAX = 64  # characters of a receipt kept in a key: no real one is longer

# The 429's words; the API's other problems are English, but the public meets this one.
TITLES = {"zh": "请求过于频繁", "en": "Too many requests"}
DETAILS = {
    "rate": {
        "zh": "请求过于频繁，请在 {seconds} 秒后再试。",
        "en": "Too many requests from here; try again in {seconds} seconds.",
    },
    "lockout": {
        "zh": "查询码错误次数过多，该编号暂时锁定，请在 {seconds} 秒后再试，或到窗口咨询。",
        "en": "Too many wrong codes for this number: it is locked for you for {seconds} "
        "seconds. Try again then, or ask at a window.",
    },
}


@dataclass(frozen=True)
class PublicLimit:
    """What a public view declares: its named limit, and where its receipt and secret are."""

    name: str
    receipt: tuple[str, str] | None = None  # (where: args, json, view_args; field)
    kind: str = "case"  # whose receipt: case, complaint, booking (lockouts are per kind)
    lockout: bool = False  # the request carries a secret code; a 404 means a wrong one


def public(
    name: str, *, receipt: tuple[str, str] | None = None, kind: str = "case", lockout: bool = False
) -> Callable[[Any], Any]:
    """Declare a public view's limit; the app factory applies it (``install``)."""

    def mark(view: Any) -> Any:
        setattr(view, LIMIT_ATTR, PublicLimit(name, receipt, kind, lockout))
        return view

    return mark


def client_address() -> str:
    return request.remote_addr or "unknown"


def _language() -> str:
    best = request.accept_languages.best_match(("zh", "en"))
    return best if best in ("zh", "en") else "zh"


def too_many(seconds: float, reason: str = "rate") -> Response:
    wait = max(1, math.ceil(seconds))
    lang = _language()
    response = problems.problem(
        429,
        TITLES[lang],
        DETAILS[reason][lang].format(seconds=wait),
        slug="too-many-requests",
        headers={"Retry-After": str(wait), "Content-Language": lang},
    )
    response.vary.add("Accept-Language")
    return response


class Lockout(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"locked for {seconds:.0f} s")
        self.seconds = seconds


@dataclass
class Guard:
    """One app's limiter and settings; `wrap` puts a declared view behind them."""

    service: str
    settings: Settings
    limiter: Limiter
    suspended: bool = False  # `suspended()`: loading the demo through the API, before serving

    def _receipt(self, declared: PublicLimit) -> str:
        if declared.receipt is None:
            return ""
        where, name = declared.receipt
        value: Any = None
        if where == "args":
            value = request.args.get(name)
        elif where == "view_args":
            value = (request.view_args or {}).get(name)
        elif where == "json":
            body = request.get_json(silent=True)
            value = body.get(name) if isinstance(body, dict) else None
        if not isinstance(value, str):
            return ""
        return value.strip().upper()[:RECEIPT_MAX]

    # The lockout counts in the limiter's storage, under keys of its own, shared by the services
    # (a case's receipt is checked by registry, notification and inspection alike).
    def _strategy(self) -> FixedWindowRateLimiter:
        return FixedWindowRateLimiter(self.limiter.storage)

    def _keys(self, declared: PublicLimit, receipt: str) -> tuple[list[str], list[str]]:
        base = [self.settings.rate_limit_key_prefix, "lockout", declared.kind, receipt]
        return [*base, client_address()], base

    def _items(self) -> tuple[RateLimitItemPerSecond, RateLimitItemPerSecond]:
        s = self.settings
        return (
            RateLimitItemPerSecond(s.lockout_failures, s.lockout_seconds),
            RateLimitItemPerSecond(s.lockout_receipt_failures, s.lockout_seconds),
        )

    def check_lockout(self, declared: PublicLimit, receipt: str) -> None:
        strategy = self._strategy()
        mine, everyone = self._keys(declared, receipt)
        own, all_ = self._items()
        if not strategy.test(own, *mine):
            raise Lockout(strategy.get_window_stats(own, *mine).reset_time - time.time())
        if strategy.test(all_, *everyone):
            return
        # The receipt is under attack: only addresses that never gave a wrong code may try.
        if strategy.get_window_stats(own, *mine).remaining < own.amount:
            raise Lockout(strategy.get_window_stats(all_, *everyone).reset_time - time.time())

    def wrong_code(self, declared: PublicLimit, receipt: str) -> None:
        strategy = self._strategy()
        mine, everyone = self._keys(declared, receipt)
        own, all_ = self._items()
        strategy.hit(own, *mine)
        strategy.hit(all_, *everyone)

    def refused(self, limit_name: str) -> None:
        metrics.RATE_LIMITED.labels(self.service, limit_name).inc()

    def _counter(self, limit_name: str) -> Callable[[Any], None]:
        def count(_breached: Any) -> None:
            self.refused(limit_name)

        return count

    def wrap(
        self, view: Callable[..., Any], declared: dict[str, PublicLimit]
    ) -> Callable[..., Any]:
        """`view` (one endpoint's, for all its methods) behind the limits its methods declare."""
        limited = view
        for method, d in declared.items():
            limited = self.limiter.limit(
                self.settings.rate_limits[d.name],
                methods=[method],
                scope=d.name,
                on_breach=self._counter(d.name),
            )(limited)
        inner = limited

        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            d = declared.get(request.method)
            if self.suspended:
                return view(*args, **kwargs)
            receipt = self._receipt(d) if d is not None and d.lockout else ""
            if not receipt or d is None:
                return inner(*args, **kwargs)
            try:
                self.check_lockout(d, receipt)
            except Lockout as locked:
                self.refused(f"{d.name}_lockout")
                return too_many(locked.seconds, "lockout")
            except Exception:  # the storage is down: no lockout rather than no service
                log.exception("rate limit storage unreachable; lockout not checked")
            try:
                return inner(*args, **kwargs)
            except NotFound:
                try:
                    self.wrong_code(d, receipt)
                except Exception:
                    log.exception("rate limit storage unreachable; wrong code not counted")
                raise

        return guarded


def _declared(view: Callable[..., Any]) -> dict[str, PublicLimit]:
    found: dict[str, PublicLimit] = {}
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        for method in getattr(view_class, "methods", None) or ():
            limit = getattr(getattr(view_class, method.lower(), None), LIMIT_ATTR, None)
            if limit is not None:
                found[method.upper()] = limit
    else:
        limit = getattr(view, LIMIT_ATTR, None)
        if limit is not None:
            found.update(dict.fromkeys(("GET", "POST", "PUT", "PATCH", "DELETE"), limit))
    return found


def install(app: Flask, service: str, settings: Settings) -> Guard:
    """Build the app's limiter and put every view that declares a limit behind it."""
    unknown = {
        d.name
        for view in app.view_functions.values()
        for d in _declared(view).values()
        if d.name not in settings.rate_limits
    }
    if unknown:
        raise ValueError(f"views declare limits no setting names: {', '.join(sorted(unknown))}")
    limiter = Limiter(
        client_address,
        app=app,
        storage_uri=settings.rate_limit_storage_url,
        # Fixed windows: two Redis commands a request, and the Retry-After is the window's end.
        strategy="fixed-window",
        key_prefix=f"{settings.rate_limit_key_prefix}:{service}",
        headers_enabled=False,  # the 429 says Retry-After itself
        swallow_errors=True,  # Redis down: the endpoints answer, unlimited, and it is logged
        # …and at once: a Redis that does not answer holds no request up for more than this.
        storage_options=(
            {"socket_timeout": 1, "socket_connect_timeout": 1}
            if settings.rate_limit_storage_url.startswith(("redis://", "rediss://"))
            else {}
        ),
    )
    guard = Guard(service, settings, limiter)
    limiter.request_filter(lambda: guard.suspended)
    for endpoint, view in list(app.view_functions.items()):
        declared = _declared(view)
        if declared:
            app.view_functions[endpoint] = guard.wrap(view, declared)
    app.register_error_handler(RateLimitExceeded, _rate_limit_exceeded)
    app.extensions["govhall_limits"] = guard
    return guard


@contextmanager
def suspended(apps: Iterable[Flask]) -> Iterator[None]:
    """No limits on these apps for the block: the demo loader files dozens of complaints and
    evaluations through the public API, from one address, before the hall serves anyone."""
    guards: list[Guard] = [app.extensions["govhall_limits"] for app in apps]
    for guard in guards:
        guard.suspended = True
    try:
        yield
    finally:
        for guard in guards:
            guard.suspended = False


def _rate_limit_exceeded(_error: RateLimitExceeded) -> Response:
    guard: Guard = current_app.extensions["govhall_limits"]
    current = guard.limiter.current_limit
    seconds = current.window.reset_time - time.time() if current is not None else 60
    return too_many(seconds)
