"""The Prometheus metrics every service exports.

Under gunicorn the web workers and the worker process write to PROMETHEUS_MULTIPROC_DIR, which
must be set before this module is imported (`govhall serve` does it). What a scrape reads from
the database (outbox backlog, dead letters, the hall's gauges) is in shared/scrape.py.
"""

from __future__ import annotations

import logging

from prometheus_client import Counter, Histogram

log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "govhall_http_requests_total",
    "HTTP requests answered, by endpoint rule and status",
    ["service", "method", "endpoint", "status"],
)
HTTP_ERRORS = Counter(
    "govhall_http_errors_total",
    "HTTP requests answered with a 5xx status",
    ["service", "method", "endpoint"],
)
HTTP_DURATION = Histogram(
    "govhall_http_request_duration_seconds",
    "Time to answer an HTTP request, by endpoint rule",
    ["service", "method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RATE_LIMITED = Counter(
    "govhall_rate_limited_total",
    "Public requests refused with a 429, by named limit (`<name>_lockout`: wrong codes)",
    ["service", "limit"],
)
EVENTS_PUBLISHED = Counter(
    "govhall_events_published_total", "Events the relay published", ["service", "type"]
)
EVENTS_CONSUMED = Counter(
    "govhall_events_consumed_total",
    "Events a consumer took in, by outcome (applied, duplicate, ignored)",
    ["service", "type", "outcome"],
)
EVENTS_RETRIED = Counter(
    "govhall_events_retried_total", "Failed event handlings scheduled again", ["service", "type"]
)
EVENTS_DEAD_LETTERED = Counter(
    "govhall_events_dead_lettered_total",
    "Events given up after the last attempt, or undecodable",
    ["service", "type"],
)
UNDECODABLE_MESSAGES = Counter(
    "govhall_undecodable_messages_total",
    "Messages a consumer could not take as events, by class: not_utf8, not_json, too_large, "
    "too_deep, bad_envelope, unknown_encoding; not_storable when even the sanitised dead letter "
    "could not be written and the message went to the broker's dead-letter exchange",
    ["service", "reason"],
)
WORKER_THREAD_RESTARTS = Counter(
    "govhall_worker_thread_restarts_total",
    "Worker threads (consumer, relay, sweeps) that died and were started again",
    ["service", "thread"],
)
RELAY_FAILURES = Counter(
    "govhall_outbox_relay_failures_total", "Relay batches that failed to publish", ["service"]
)
CALENDAR_FALLBACK = Counter(
    "govhall_calendar_unknown_year_days_total",
    "Days judged by the statutory holidays alone (Monday–Friday less them) because neither "
    "chinese-calendar nor the hall calendar file knows their year's make-up working days",
    ["year"],
)
