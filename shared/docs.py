"""/docs and /openapi.json: Swagger UI from the installed `swagger-ui-bundle` package, no CDN.

The page is where operators paste tokens, so it loads nothing from elsewhere (a floating CDN
version with no integrity hash could run anything there) and says so in its CSP: scripts,
styles and requests from this origin only, no inline script. It works offline.

The document declares where the service is (`servers`: the prefix it was fetched under, e.g.
`/registry` behind the gateway, the Ingress or `govhall up`) and the bearer scheme, applied to
every operation but the public ones, so "Try it out" sends the right URL with the token.
"""

from __future__ import annotations

import copy
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flask
import swagger_ui_bundle
from flask_smorest.spec.plugins import FlaskPlugin

from shared import auth

if TYPE_CHECKING:
    from flask_smorest import Api

SCHEME = "bearer"
SPEC_OPTIONS = {
    "components": {
        "securitySchemes": {
            SCHEME: {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "`govhall token --role …`, or the token `govhall up` prints",
            }
        }
    },
    # Every operation needs the token unless it says otherwise (`security: []`: public).
    "security": [{SCHEME: []}],
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
# What the page loads, under /docs/…: the bundle's files and our own starter.
SWAGGER_UI = Path(str(swagger_ui_bundle.swagger_ui_path))
OWN = Path(__file__).parent / "static"
ASSETS = {
    "swagger-ui.css": SWAGGER_UI,
    "swagger-ui-bundle.js": SWAGGER_UI,
    "favicon-32x32.png": SWAGGER_UI,
    "docs.js": OWN,
}
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<link rel="stylesheet" href="{{ asset('swagger-ui.css') }}">
<link rel="icon" type="image/png" href="{{ asset('favicon-32x32.png') }}">
</head>
<body>
<div id="swagger-ui" data-spec-url="{{ spec_url }}"></div>
<script src="{{ asset('swagger-ui-bundle.js') }}"></script>
<script src="{{ asset('docs.js') }}"></script>
</body>
</html>
"""


def register(api: Api, blueprint: flask.Blueprint, path: str) -> None:
    """The page at `path` (`/docs`) and its assets beside it (`/docs/swagger-ui.css`, …)."""
    blueprint.add_url_rule(path, endpoint="openapi_swagger_ui", view_func=partial(page, api))
    for name in ASSETS:
        blueprint.add_url_rule(
            f"{path}/{name}", endpoint=_endpoint(name), view_func=partial(asset, name)
        )


def _endpoint(asset_name: str) -> str:
    return "docs_" + asset_name.replace(".", "_").replace("-", "_")


def page(api: Api) -> flask.Response:
    blueprint = flask.request.blueprint

    def asset_url(name: str) -> str:
        return flask.url_for(f"{blueprint}.{_endpoint(name)}")

    html = flask.render_template_string(
        PAGE,
        title=api.spec.title,
        spec_url=flask.url_for(f"{blueprint}.openapi_json"),
        asset=asset_url,
    )
    return flask.Response(html, mimetype="text/html", headers=PAGE_HEADERS)


def asset(name: str) -> flask.Response:
    response = flask.send_from_directory(ASSETS[name], name, max_age=3600)
    response.headers["Content-Security-Policy"] = CSP
    return response


def openapi_json(api: Api) -> flask.Response:
    document = dict(described(api))
    # Where this document was fetched is where the service is: /registry behind the gateway,
    # the Ingress (X-Forwarded-Prefix) or `govhall up`; / when called directly.
    document["servers"] = [{"url": flask.request.script_root or "/"}]
    return flask.current_app.response_class(
        flask.json.dumps(document, indent=2, sort_keys=False), mimetype="application/json"
    )


def described(api: Api) -> dict[str, Any]:
    """The spec with the bearer scheme required by default and lifted where a view is public."""
    cached: dict[str, Any] | None = getattr(api, "_govhall_document", None)
    if cached is not None:
        return cached
    document = copy.deepcopy(api.spec.to_dict())
    app = flask.current_app
    for rule in app.url_map.iter_rules():
        item = document.get("paths", {}).get(FlaskPlugin.flaskpath2openapi(rule.rule))
        if not item:
            continue
        for method in rule.methods or ():
            operation = item.get(method.lower())
            public = auth.declared_access(app, rule.endpoint, method) == auth.PUBLIC
            if isinstance(operation, dict) and public:
                operation["security"] = []
    api._govhall_document = document
    return document
