"""Issue 19.2: what the request hooks look up per view and per kind of answer, found once."""

from __future__ import annotations

from typing import Any

import pytest
from flask.views import MethodView

from shared import auth, metrics, web


@auth.roles("authority")
def _authority_only() -> None: ...


@auth.public
def _anyone() -> None: ...


def _unmarked() -> None: ...


class _Steps(MethodView):
    @auth.roles("center", rule="EQ-3.1a")
    def get(self) -> None: ...

    @auth.roles("authority")
    def post(self) -> None: ...


def test_each_view_and_method_keeps_its_own_marks() -> None:
    steps = _Steps.as_view("steps")
    assert web._gate(_authority_only, "GET").access == frozenset({"authority"})
    assert web._gate(_anyone, "GET").access == auth.PUBLIC
    assert web._gate(_unmarked, "GET").access is None
    assert web._gate(steps, "GET") == web._Gate(frozenset({"center"}), "EQ-3.1a", None)
    assert web._gate(steps, "HEAD") == web._gate(steps, "GET")  # HEAD runs GET's handler
    assert web._gate(steps, "POST").access == frozenset({"authority"})
    assert web._gate(steps, "POST").rule is None
    other = _Steps.as_view("steps")  # another app's view of the same name
    assert web._gate(other, "GET") is not web._gate(steps, "GET")


def test_the_marks_are_read_once_per_view_and_method(monkeypatch: pytest.MonkeyPatch) -> None:
    @auth.roles("inspector")
    def view() -> None: ...

    first = web._gate(view, "GET")

    def again(*_: Any) -> None:
        pytest.fail("the marks were read again")

    monkeypatch.setattr(auth, "access_of", again)
    assert web._gate(view, "GET") is first


def test_the_metric_children_are_the_labelled_ones() -> None:
    ok = web._http_metrics("registry", "GET", "/api/v1/units/<code>", 200)
    assert ok[0] is metrics.HTTP_REQUESTS.labels("registry", "GET", "/api/v1/units/<code>", "200")
    assert ok[1] is None  # no error counted below 500
    assert ok[2] is metrics.HTTP_DURATION.labels("registry", "GET", "/api/v1/units/<code>")
    failed = web._http_metrics("registry", "GET", "/api/v1/units/<code>", 503)
    assert failed[1] is metrics.HTTP_ERRORS.labels("registry", "GET", "/api/v1/units/<code>")
    assert web._http_metrics("registry", "GET", "/api/v1/units/<code>", 200) is ok
