"""Bearer tokens and the access rule every view declares."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from shared import auth
from shared.errors import Forbidden

SECRET = "unit-test-secret-0123456789abcdef0123456789"


def test_token_claims_round_trip() -> None:
    token = auth.issue_token(SECRET, role="unit", unit="tj-hexi", sub="li.wei")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="govhall")
    assert claims["sub"] == "li.wei"
    assert claims["role"] == "unit"
    assert claims["unit"] == "tj-hexi"
    assert claims["exp"] > claims["iat"]
    assert auth.decode_token(SECRET, token) == auth.Principal("li.wei", "unit", "tj-hexi")


def test_tokens_carry_issuer_and_audience() -> None:
    token = auth.issue_token(SECRET, role="center", issuer="hall-a", audience="hall-a-api")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="hall-a-api")
    assert (claims["iss"], claims["aud"]) == ("hall-a", "hall-a-api")
    assert auth.decode_token(SECRET, token, issuer="hall-a", audience="hall-a-api").role == "center"
    default = jwt.decode(
        auth.issue_token(SECRET, role="center"), SECRET, algorithms=["HS256"], audience="govhall"
    )
    assert (default["iss"], default["aud"]) == ("govhall", "govhall")


@pytest.mark.parametrize(
    ("issuer", "audience", "message"),
    [("someone-else", "govhall", "issuer"), ("govhall", "another-api", "audience")],
)
def test_tokens_for_another_issuer_or_audience_are_unauthorized(
    issuer: str, audience: str, message: str
) -> None:
    """A system sharing the key (or a copy-pasted one) mints tokens that are not ours."""
    token = auth.issue_token(SECRET, role="authority", issuer=issuer, audience=audience)
    with pytest.raises(auth.Unauthorized, match=f"(?i)not valid.*{message}"):
        auth.decode_token(SECRET, token)


def test_expired_token_is_unauthorized() -> None:
    token = auth.issue_token(SECRET, role="center", ttl=timedelta(seconds=-1))
    with pytest.raises(auth.Unauthorized, match="expired"):
        auth.decode_token(SECRET, token)


def test_token_signed_with_another_key_is_unauthorized() -> None:
    token = auth.issue_token("another-secret-0123456789abcdef0123456789", role="authority")
    with pytest.raises(auth.Unauthorized, match="not valid"):
        auth.decode_token(SECRET, token)


OURS = {"iss": "govhall", "aud": "govhall"}


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "x", "role": "mayor", "exp": 9999999999, **OURS},
        {"sub": "x", "role": "unit", "exp": 9999999999, **OURS},
        {"sub": "x", "role": "center", **OURS},
        {"sub": "x", "role": "center", "exp": 9999999999},
        {"sub": "x", "role": "center", "exp": 9999999999, "aud": "govhall"},
        {"sub": "x", "role": "center", "exp": 9999999999, "iss": "govhall"},
    ],
    ids=["unknown role", "unit without unit", "no exp", "no iss/aud", "no iss", "no aud"],
)
def test_tokens_with_bad_claims_are_unauthorized(claims: dict) -> None:
    with pytest.raises(auth.Unauthorized):
        auth.decode_token(SECRET, jwt.encode(claims, SECRET, algorithm="HS256"))


def test_a_unit_token_needs_its_unit_and_roles_are_closed() -> None:
    with pytest.raises(ValueError, match="--unit"):
        auth.issue_token(SECRET, role="unit")
    with pytest.raises(ValueError, match="role"):
        auth.issue_token(SECRET, role="mayor")


def test_header_must_be_bearer() -> None:
    assert auth.principal_from_header(SECRET, None) is None
    with pytest.raises(auth.Unauthorized, match="Bearer"):
        auth.principal_from_header(SECRET, "Basic dXNlcjpwYXNz")


def test_access_rules() -> None:
    center = auth.Principal("c", "center")

    @auth.roles("authority")
    def approve() -> None: ...

    @auth.public
    def directory() -> None: ...

    def unmarked() -> None: ...

    auth.check(getattr(directory, auth.ACCESS_ATTR), None)
    auth.check(getattr(approve, auth.ACCESS_ATTR), auth.Principal("a", "authority"))
    with pytest.raises(auth.Unauthorized):
        auth.check(getattr(approve, auth.ACCESS_ATTR), None)
    with pytest.raises(Forbidden, match="center"):
        auth.check(getattr(approve, auth.ACCESS_ATTR), center)
    with pytest.raises(Forbidden, match="no access rule"):
        auth.check(getattr(unmarked, auth.ACCESS_ATTR, None), center)
