"""RFC 9457 problem documents."""

from __future__ import annotations

import json

from flask import Flask
from werkzeug.exceptions import NotFound as HTTPNotFound

from shared import problems
from shared.errors import RuleViolation


def _body(response) -> dict:
    return json.loads(response.get_data(as_text=True))


def test_rule_violation_names_field_and_rule() -> None:
    app = Flask(__name__)
    with app.app_context():
        response = problems.from_domain_error(
            RuleViolation("a second request for materials", rule="EQ-4.4b", field="materials")
        )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert _body(response) == {
        "type": "urn:govhall:problem:rule-violation",
        "title": "Refused by a rule",
        "status": 422,
        "detail": "a second request for materials",
        "errors": {"materials": ["a second request for materials"]},
        "rule": "EQ-4.4b",
    }


def test_http_errors_become_problems_without_empty_members() -> None:
    app = Flask(__name__)
    with app.app_context():
        body = _body(problems.from_http_exception(HTTPNotFound()))
    assert body["status"] == 404
    assert body["type"] == "urn:govhall:problem:not-found"
    assert "errors" not in body and "rule" not in body


def test_validation_messages_are_flattened_to_field_names() -> None:
    messages = {
        "json": {"code": ["Missing data."], "contact": {"phone": ["Not a phone."]}},
        "query": {"limit": ["Too big."]},
    }
    assert problems.flatten_messages(messages) == {
        "code": ["Missing data."],
        "contact.phone": ["Not a phone."],
        "limit": ["Too big."],
    }


def test_unexpected_errors_are_a_500_problem_without_internals() -> None:
    app = Flask(__name__)
    problems.install(app)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("database password is hunter2")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "hunter2" not in response.get_data(as_text=True)


def test_a_value_the_database_cannot_hold_is_the_clients_422_not_a_500() -> None:
    from sqlalchemy.exc import DataError

    app = Flask(__name__)
    problems.install(app)

    @app.post("/units")
    def register() -> None:
        raise DataError("INSERT …", {}, Exception("value too long for type character varying(63)"))

    response = app.test_client().post("/units")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert _body(response)["type"] == "urn:govhall:problem:validation"
