"""The Flask side every service shares: app factory, auth gate, RED metrics, health and docs.

What a request is refused before its view (undeclared query parameters, JSON nested too deep) is
in shared/request_guards.py; reports answered as CSV too in shared/csv_reports.py.
"""

from __future__ import annotations

import functools
import http
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import marshmallow
from flask import Blueprint, Flask, Response, current_app, g, request
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import fields
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from shared import (
    auth,
    config,
    docs,
    idempotency,
    limits,
    logs,
    metrics,
    problems,
    request_guards,
)
from shared.audit_api import blp as audit_blp
from shared.dead_letters_api import blp as dead_letters_blp
from shared.errors import Forbidden, Invalid
from shared.health import blp as health_blp
from shared.reads import Reads
from shared.schemas import INT_MAX
from shared.service import ServiceRuntime, ServiceSpec, runtime
from shared.unit_of_work import UnitOfWork

# Routes of the documentation blueprint flask-smorest adds: public by nature.
PUBLIC_BLUEPRINTS = frozenset({auth.DOCS_BLUEPRINT})

access_log = logging.getLogger(logs.ACCESS_LOGGER)


class JSONProvider(DefaultJSONProvider):
    """ISO 8601 dates and times (Flask's default writes HTTP dates), UTF-8 unescaped."""

    ensure_ascii = False

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, datetime | date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


class IdConverter(IntegerConverter):
    """`<int:…>` in a path: an id no table can hold (past INT_MAX) matches no route, a 404."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT_MAX)
        super().__init__(url_map, *args, **kwargs)


def decimal_as_string(converter: Any, field: fields.Field, **kwargs: Any) -> dict[str, Any]:
    """apispec documents every Decimal as a number; `as_string=True` writes "4.50", a string."""
    if isinstance(field, fields.Decimal) and field.as_string:
        return {"type": "string", "format": "decimal"}
    return {}


class ProblemSchema(marshmallow.Schema):
    """What every error answers (RFC 9457), as /openapi.json documents it."""

    class Meta:
        unknown = marshmallow.INCLUDE  # RFC 9457 allows extension members

    type = fields.String(required=True, metadata={"example": "urn:govhall:problem:validation"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "field → messages"},
    )
    rule = fields.String(
        metadata={"description": "the rule that refused the request (docs/rules.md)"}
    )


class ProblemApi(Api):
    """flask-smorest whose error bodies are RFC 9457 problem documents, documented as such.

    The OpenAPI document is described when it is first read, not as the app is built:
    describing the views and the error responses (marshmallow schemas resolved into the spec)
    was two thirds of building an app (about 0.2 s of CPU a service), paid by every gunicorn
    worker, `govhall up` and each test's hall though few ever read /openapi.json. The document
    is the same (equal as JSON; its schemas are listed in another order):
    tests/embedded/test_api_docs.py.
    """

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app: Flask) -> None:
        self._undescribed: list[Callable[[], None]] = []  # run on the document's first read
        self._describing = threading.Lock()  # two first readers must not describe a view twice
        self._constructed = False  # flask-smorest reads `spec` while it builds it: not yet
        super().__init__(app)
        self._constructed = True

    @property
    def spec(self) -> Any:
        if self._undescribed and self._constructed:
            with self._describing:
                for describe in self._undescribed:
                    describe()
                self._undescribed = []
        return self._spec

    @spec.setter
    def spec(self, value: Any) -> None:
        self._spec = value

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)

        def describe() -> None:  # what flask-smorest's register_blueprint does after the routes
            blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
            self._spec.tag({"name": name, "description": blp.description})

        self._undescribed.append(describe)

    def handle_http_exception(self, error: HTTPException) -> Response:
        return problems.from_http_exception(error)

    def _register_swagger_ui_rule(self, blueprint: Blueprint) -> None:
        path = self.config.get("OPENAPI_SWAGGER_UI_PATH")
        if path is not None:
            docs.register(self, blueprint, "/" + path.lstrip("/"))

    def _openapi_json(self) -> Response:
        return docs.openapi_json(self)

    def _register_responses(self) -> None:
        self._undescribed.append(self._describe_responses)

    def _describe_responses(self) -> None:
        # flask-smorest documents its error responses as application/json in its own shape.
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = ProblemSchema
            prepare_response(response, self._spec, problems.MEDIA_TYPE)
            self._spec.components.response(status.name, response, lazy=True)
        default = {"description": "A problem document (RFC 9457)", "schema": ProblemSchema}
        prepare_response(default, self._spec, problems.MEDIA_TYPE)
        self._spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)


def create_service_app(spec: ServiceSpec, overrides: dict[str, Any] | None = None) -> Flask:
    settings = config.load(spec.name, overrides)
    # No implicit /static route: it would declare no access rule; pages serve their own assets.
    app = Flask(spec.package, static_folder=None)
    app.url_map.converters["int"] = IdConverter
    app.config.update(
        API_TITLE=spec.title,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",  # served from swagger-ui-bundle (shared.docs)
        API_SPEC_OPTIONS={"info": {"description": spec.description}, **docs.SPEC_OPTIONS},
        JSON_AS_ASCII=False,
        # The largest bodies are forms (5 MiB) and attendance sheets (2 MiB); anything beyond
        # this is refused (413) before a view, or the idempotency fingerprint, reads it.
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
    )
    app.json = JSONProvider(app)
    app.extensions["govhall"] = ServiceRuntime(spec, settings)
    api = ProblemApi(app)
    api.ma_plugin.converter.add_attribute_function(decimal_as_string)
    problems.install(app)
    for blueprint in (*spec.blueprints(), dead_letters_blp, audit_blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(health_blp)
    for pages in spec.pages():
        app.register_blueprint(pages)
    # After every route exists: the public views that declare a limit are put behind it.
    limits.install(app, spec.name, settings)
    if settings.forwarded_proxies:
        # Behind the Ingress or gateway, which strips `/<service>`: links and /docs keep it.
        # Only as many hops as are really there are trusted, or anyone could forge a prefix.
        n = settings.forwarded_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)  # type: ignore[method-assign]
    app.before_request(_before)
    app.after_request(_after)
    app.teardown_request(_teardown)
    return app


def principal() -> auth.Principal | None:
    return g.get("principal")


def require_principal() -> auth.Principal:
    who = principal()
    if who is None:
        raise auth.Unauthorized("this endpoint needs a bearer token")
    return who


def unit_scope() -> str | None:
    """The unit a `unit` token is confined to; None for roles that see every unit."""
    who = principal()
    return who.unit if who is not None and who.role == "unit" else None


def if_match() -> int | None:
    """The version an update was based on (`If-Match: "3"`), if the client sent one."""
    header = request.headers.get("If-Match")
    if not header:
        return None
    try:
        return int(header.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise Invalid(
            'If-Match carries the ETag this service gave out, e.g. "3"', field="If-Match"
        ) from None


def with_etag(body: Any, version: int, status: int = 200) -> tuple[Any, int, dict[str, str]]:
    return body, status, {"ETag": f'"{version}"'}


def unit_of_work() -> UnitOfWork:
    """The request's unit of work, carrying who acts and the correlation id into its events."""
    who = principal()
    rule = request.url_rule.rule if request.url_rule else request.path
    return runtime().uow(
        actor=who.actor if who else "public",
        correlation_id=g.correlation_id,
        action=f"{request.method} {rule}",
        target=request.path,
    )


def reads() -> Reads:
    """The service's lean read path (shared/reads.py), for a GET that writes nothing itself;
    an audited read takes `unit_of_work()` besides, for its record."""
    return runtime().reads


@dataclass(frozen=True)
class _Gate:
    """What the request gate checks of a view for one method."""

    access: Any
    rule: str | None
    query: frozenset[str] | None  # declared_query


# Found once per view and method, not on every request (issue 19.2): the marks are set when the
# views are defined. Keyed by the view function itself, so each app of the embedded hall (and a
# replaced view) has its own; bounded, as the method is the client's.
@functools.lru_cache(maxsize=4096)
def _gate(view: Any, method: str) -> _Gate:
    return _Gate(
        access=auth.access_of(view, method),
        rule=auth.rule_of(view, method),
        query=request_guards.declared_query(auth.handler_of(view, method)),
    )


def _access_of(endpoint: str) -> Any:
    return _gate(current_app.view_functions.get(endpoint), request.method).access


def _before() -> Response | None:
    g.started = time.perf_counter()
    g.request_id = logs.sane_id(request.headers.get("X-Request-ID")) or str(uuid.uuid4())
    g.correlation_id = logs.sane_id(request.headers.get("X-Correlation-ID")) or g.request_id
    rt = runtime()
    g.log_context = logs.bind(
        service=rt.spec.name, request_id=g.request_id, correlation_id=g.correlation_id
    )
    settings = rt.settings
    who = g.principal = auth.principal_from_header(
        settings.jwt_secret,
        request.headers.get("Authorization"),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    actor = who.actor if who else "public"
    logs.bind(actor=actor)
    endpoint, method = request.endpoint, request.method
    if endpoint is None or method == "OPTIONS":
        return None  # routing will answer 404/405
    if request.blueprint in PUBLIC_BLUEPRINTS:
        return None
    gate = _gate(current_app.view_functions.get(endpoint), method)
    if gate.access is None:
        raise Forbidden("this endpoint declares no access rule")
    auth.check(gate.access, who, gate.rule)
    request_guards.refuse_unknown_parameters(gate.query)
    request_guards.refuse_deep_json()
    return idempotency.claim(rt.db, actor)


@functools.lru_cache(maxsize=4096)
def _http_metrics(service: str, method: str, route: str, status: int) -> tuple[Any, Any, Any]:
    """The RED metrics' children for one kind of answer, looked up once (issue 19.2); bounded,
    as the method is the client's."""
    return (
        metrics.HTTP_REQUESTS.labels(service, method, route, str(status)),
        metrics.HTTP_ERRORS.labels(service, method, route) if status >= 500 else None,
        metrics.HTTP_DURATION.labels(service, method, route),
    )


def _after(response: Response) -> Response:
    rt = runtime()
    idempotency.remember(rt.db, response)
    url_rule = request.url_rule
    endpoint = url_rule.rule if url_rule else "unmatched"
    status = response.status_code
    requests, errors, duration = _http_metrics(rt.spec.name, request.method, endpoint, status)
    requests.inc()
    if errors is not None:
        errors.inc()
    started = g.get("started")
    if started is not None:
        duration.observe(time.perf_counter() - started)
    if "correlation_id" in g:
        response.headers["X-Request-ID"] = g.request_id
        response.headers["X-Correlation-ID"] = g.correlation_id
    security_headers(response)
    _log_access(endpoint, status, started)
    return response


def security_headers(response: Response) -> None:
    """On every answer: no MIME sniffing (an upload served as HTML would run as a page); no
    cache keeps what a token opened (shared proxies, the browser's disk); a 401 says how to
    authenticate (RFC 6750), and that the token sent was refused if there was one."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    presented = bool(request.headers.get("Authorization"))
    if presented or _needs_token():
        response.headers["Cache-Control"] = "no-store"
    if response.status_code == 401:
        challenge = 'Bearer realm="govhall"'
        response.headers["WWW-Authenticate"] = (
            f'{challenge}, error="invalid_token"' if presented else challenge
        )


def _needs_token() -> bool:
    if request.endpoint is None or request.blueprint in PUBLIC_BLUEPRINTS:
        return False
    return _access_of(request.endpoint) != auth.PUBLIC


def _log_access(route: str, status: int, started: float | None) -> None:
    path = request.script_root + request.path  # never the query string: personal data rides there
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    method = request.method
    access_log.info(
        "%s %s %s",
        method,
        path,
        status,
        extra={
            "method": method,
            "path": path,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
        },
    )


def _teardown(_error: BaseException | None) -> None:
    token = g.pop("log_context", None)
    if token is not None:
        logs.reset(token)
