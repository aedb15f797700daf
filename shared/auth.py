"""Who may call what: bearer JWTs with `sub`, `role`, `unit`, `exp`, `iss` and `aud`.

`iss` and `aud` (JWT_ISSUER, JWT_AUDIENCE; both `govhall` by default) are required and
checked: a token another system signed with a shared key is not one of ours.

Every view says who may call it, with `@public` or `@roles(...)`; a view that says neither is
refused (fail closed), and a test walks every route to prove none is left unmarked.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import jwt

from shared.errors import DomainError, Forbidden

ROLES = ("authority", "center", "unit", "inspector", "integrator")
ALGORITHM = "HS256"
ISSUER = "govhall"
AUDIENCE = "govhall"
ACCESS_ATTR = "__govhall_access__"
# The rule that says who may take the step, where one does: a refused role's 403 names it.
RULE_ATTR = "__govhall_access_rule__"
PUBLIC = "public"

F = TypeVar("F", bound=Callable[..., Any])


class Unauthorized(DomainError):
    status = 401
    slug = "unauthorized"
    title = "Unauthorized"


@dataclass(frozen=True)
class Principal:
    sub: str
    role: str
    unit: str | None = None

    @property
    def actor(self) -> str:
        """Who acted, as events and audit records name them: role, unit if any, subject."""
        return f"{self.role}:{self.unit}:{self.sub}" if self.unit else f"{self.role}:{self.sub}"


def issue_token(
    secret: str,
    *,
    role: str,
    sub: str | None = None,
    unit: str | None = None,
    ttl: timedelta = timedelta(hours=12),
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role == "unit" and not unit:
        raise ValueError("a unit token needs --unit")
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": sub or f"{role}-{uuid.uuid4().hex[:8]}",
        "role": role,
        "iat": now,
        "exp": now + ttl,
        "iss": issuer,
        "aud": audience,
    }
    if unit:
        claims["unit"] = unit
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


@dataclass(frozen=True)
class _Verified:
    principal: Principal
    expires: int  # `exp`
    valid_from: float  # the later of `iat` and `nbf`, which PyJWT also checks against now


# Tokens whose signature and claims were verified, by (secret, issuer, audience, token): a
# client sends the same token request after request, and HMAC plus PyJWT's checks are ~50 µs
# of each. The secret is in the key, so a rotated key verifies afresh. Only a token that passed
# is kept; `exp` (and iat/nbf) are checked against the clock on every hit. Bounded, LRU.
VERIFIED_TOKENS_MAX = 4096
_verified: OrderedDict[tuple[str, str, str, str], _Verified] = OrderedDict()
_verified_lock = threading.Lock()


def _now() -> float:
    """The time PyJWT checks `exp` against (a test moves it)."""
    return datetime.now(UTC).timestamp()


def clear_verified_tokens() -> None:
    with _verified_lock:
        _verified.clear()


def decode_token(
    secret: str, token: str, *, issuer: str = ISSUER, audience: str = AUDIENCE
) -> Principal:
    key = (secret, issuer, audience, token)
    with _verified_lock:
        hit = _verified.get(key)
        if hit is not None:
            _verified.move_to_end(key)
    if hit is not None:
        now = _now()
        if hit.expires <= now:
            raise Unauthorized("the token has expired")  # as PyJWT's ExpiredSignatureError below
        if hit.valid_from <= now:
            return hit.principal
    principal, verified = _verify(secret, token, issuer=issuer, audience=audience)
    with _verified_lock:
        _verified[key] = verified
        _verified.move_to_end(key)
        while len(_verified) > VERIFIED_TOKENS_MAX:
            _verified.popitem(last=False)
    return principal


def _verify(secret: str, token: str, *, issuer: str, audience: str) -> tuple[Principal, _Verified]:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=issuer,
            audience=audience,
            options={"require": ["exp", "sub", "role", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("the token has expired") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(f"the token is not valid: {exc}") from exc
    role = claims["role"]
    if role not in ROLES:
        raise Unauthorized(f"unknown role {role!r}")
    unit = claims.get("unit")
    if role == "unit" and not unit:
        raise Unauthorized("a unit token must name its unit")
    principal = Principal(sub=str(claims["sub"]), role=role, unit=unit)
    valid_from = max(int(claims.get("iat", 0)), int(claims.get("nbf", 0)), 0)
    return principal, _Verified(principal, int(claims["exp"]), valid_from)


def principal_from_header(
    secret: str, header: str | None, *, issuer: str = ISSUER, audience: str = AUDIENCE
) -> Principal | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("use `Authorization: Bearer <token>`")
    return decode_token(secret, token.strip(), issuer=issuer, audience=audience)


def public(view: F) -> F:
    """Anyone may call this view, with or without a token."""
    setattr(view, ACCESS_ATTR, PUBLIC)
    return view


def roles(*allowed: str, rule: str | None = None) -> Callable[[F], F]:
    """The roles that may call the view; `rule`, where a rule of the hall says who takes the
    step (e.g. the center approves an age exception, EQ-3.1a), is named in the 403 of others."""
    unknown = set(allowed) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def mark(view: F) -> F:
        setattr(view, ACCESS_ATTR, frozenset(allowed))
        if rule is not None:
            setattr(view, RULE_ATTR, rule)
        return view

    return mark


def handler_of(view: Any, method: str) -> Any:
    """The function that answers `method` on `view`: a MethodView's method, GET's for HEAD
    where it has no `head` of its own (as Flask dispatches it), or the view itself."""
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return view
    name = method.lower()
    if name == "head" and not hasattr(view_class, "head"):
        name = "get"
    return getattr(view_class, name, None)


def access_of(view: Any, method: str) -> Any:
    """The access mark of `view` for `method`: HEAD takes GET's, as it runs GET's handler."""
    access = getattr(view, ACCESS_ATTR, None)
    if access is None:
        access = getattr(handler_of(view, method), ACCESS_ATTR, None)
    return access


# The documentation blueprint flask-smorest adds (shared.web.PUBLIC_BLUEPRINTS): public by nature.
DOCS_BLUEPRINT = "api-docs"


def declared_access(app: Any, endpoint: str, method: str) -> Any:
    """The access mark the request gate (shared.web) applies to `method` on `endpoint` of the
    Flask `app`."""
    if endpoint.split(".", 1)[0] == DOCS_BLUEPRINT:
        return PUBLIC
    return access_of(app.view_functions[endpoint], method)


def rule_of(view: Any, method: str) -> str | None:
    """The rule named by `view`'s access mark for `method`, if any."""
    rule = getattr(view, RULE_ATTR, None)
    if rule is None:
        rule = getattr(handler_of(view, method), RULE_ATTR, None)
    return rule


def check(access: Any, principal: Principal | None, rule: str | None = None) -> None:
    """Raise unless `principal` may call a view marked with `access`."""
    if access == PUBLIC:
        return
    if not isinstance(access, frozenset):
        raise Forbidden("this endpoint declares no access rule")
    if principal is None:
        raise Unauthorized("this endpoint needs a bearer token")
    if principal.role not in access:
        raise Forbidden(f"the {principal.role} role may not do this", rule=rule)
