"""The public directory as web pages (TJ-5.6, TJ-6.1, TJ-6.2, EQ-1.3): no login, no JavaScript.

Chinese by default, English with `?lang=en` or the browser's Accept-Language.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, g, render_template, request, send_from_directory, url_for

from services.registry.api.matters import form_response
from services.registry.domain.matters import MatterType, MatterVersion
from services.registry.domain.windows import WindowType
from services.registry.handlers import directory, halls, matters
from services.registry.pages import i18n
from shared import auth, clock
from shared.errors import Invalid, NotFound
from shared.schemas import UNSTORABLE, storable
from shared.web import unit_of_work

PAGE_SIZE = 100
STATIC = Path(__file__).parent / "static"
# Pages carry no script and load only their own stylesheet.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

pages = Blueprint("pages", __name__, template_folder="templates")


def blueprints() -> list[Blueprint]:
    return [pages]


@pages.get("/")
@auth.public
def index() -> str:
    filters = _filters()
    after = request.args.get("after", 0, type=int)
    found = directory.entries(unit_of_work(), filters, after=after, limit=PAGE_SIZE + 1)
    return render_template(
        "index.html",
        filters=filters,
        windows=found[:PAGE_SIZE],
        next_after=found[PAGE_SIZE - 1]["id"] if len(found) > PAGE_SIZE else None,
        districts=directory.districts(unit_of_work()),
        guides=_all_guides(),
        notices=_hall_notices(),
    )


@pages.get("/windows/<int:window_id>")
@auth.public
def window(window_id: int) -> str:
    return render_template("window.html", window=directory.entry(unit_of_work(), window_id))


@pages.get("/matters/<code>")
@auth.public
def matter(code: str) -> str:
    current = matters.get_matter(unit_of_work(), code)
    version = _version_asked()
    if version in (None, current.version):
        shown = current
    else:
        shown = matters.get_matter(unit_of_work(), code, version)
    return render_template(
        "matter.html",
        matter=shown,
        current=current,
        forms=matters.form_summaries(unit_of_work(), shown.forms),
        windows=directory.windows_for_matter(unit_of_work(), code),
    )


@pages.get("/forms/<int:form_id>")
@auth.public
def form(form_id: int) -> Response:
    return form_response(form_id)


@pages.get("/assets/directory.css")
@auth.public
def stylesheet() -> Response:
    return send_from_directory(STATIC, "directory.css", max_age=3600)


@pages.errorhandler(NotFound)
def not_found(error: NotFound) -> tuple[str, int]:
    return render_template("not_found.html"), 404


@pages.context_processor
def page_context() -> dict[str, Any]:
    lang = language()
    return {
        "lang": lang,
        "html_lang": i18n.HTML_LANG[lang],
        "t": i18n.Labels(lang),
        "local": lambda item, field: i18n.localized(item, field, lang),
        # Links carry `lang` only when the reader chose it; otherwise Accept-Language decides.
        "keep": {"lang": lang} if request.args.get("lang") in i18n.LANGUAGES else {},
        "switch": _switch_link(i18n.other(lang)),
        "hall_day": _hall_day,
        "file_size": _file_size,
    }


@pages.after_request
def page_headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    if response.mimetype == "text/html":
        response.headers["Content-Language"] = i18n.HTML_LANG[language()]
        response.vary.add("Accept-Language")
    return response


def language() -> str:
    if "page_lang" not in g:
        g.page_lang = i18n.choose(request.args.get("lang"), request.accept_languages)
    lang: str = g.page_lang
    return lang


def _switch_link(lang: str) -> dict[str, str]:
    """The same page in the other language, every other query parameter kept."""
    values: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict(flat=False)}
    values["lang"] = lang
    href = url_for(request.endpoint or "pages.index", **values)
    return {"href": href, "lang": i18n.HTML_LANG[lang], "name": i18n.LANGUAGE_NAMES[lang]}


def _filters() -> directory.Filters:
    def chosen(name: str, allowed: list[str] | None = None) -> str | None:
        value = request.args.get(name, "").strip()
        if not storable(value):
            raise Invalid(UNSTORABLE, field=name)
        return value if value and (allowed is None or value in allowed) else None

    return directory.Filters(
        q=chosen("q"),
        matter_type=chosen("matter_type", [t.value for t in MatterType]),
        window_type=chosen("window_type", [t.value for t in WindowType]),
        district=chosen("district"),
    )


def _all_guides() -> list[MatterVersion]:
    guides: list[MatterVersion] = []
    while True:
        after = guides[-1].code if guides else None
        batch = matters.list_matters(unit_of_work(), q=None, type=None, after=after, limit=200)
        guides += batch
        if len(batch) < 200:
            return guides


def _hall_notices() -> list[dict[str, Any]]:
    return [
        {**notice, "hall": hall}
        for hall in halls.list_halls(unit_of_work())
        for notice in hall["notices"]
    ]


def _version_asked() -> int | None:
    raw = request.args.get("version")
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise NotFound(f"no version {raw!r}")
    return int(raw)


def _hall_day(instant: datetime) -> str:
    return instant.astimezone(clock.HALL_TIMEZONE).date().isoformat()


def _file_size(size: int) -> str:
    return f"{size} B" if size < 1024 else f"{size / 1024:.1f} KiB"
