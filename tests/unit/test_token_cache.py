"""Issue 19.2: a verified token is remembered, never past its `exp`, never across keys."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import jwt
import pytest

from shared import auth

SECRET = "unit-test-secret-0123456789abcdef0123456789"
OTHER = "another-secret-0123456789abcdef0123456789ab"


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    auth.clear_verified_tokens()
    yield
    auth.clear_verified_tokens()


def test_a_verified_token_is_served_from_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    token = auth.issue_token(SECRET, role="center", sub="wang")
    first = auth.decode_token(SECRET, token)
    monkeypatch.setattr(auth.jwt, "decode", lambda *a, **k: pytest.fail("verified again"))
    assert auth.decode_token(SECRET, token) is first


def test_a_cached_token_past_its_exp_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    token = auth.issue_token(SECRET, role="center", ttl=timedelta(minutes=5))
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    auth.decode_token(SECRET, token)  # cached now
    monkeypatch.setattr(auth, "_now", lambda: exp - 1)
    assert auth.decode_token(SECRET, token).role == "center"
    monkeypatch.setattr(auth, "_now", lambda: exp)
    with pytest.raises(auth.Unauthorized, match="expired"):
        auth.decode_token(SECRET, token)
    monkeypatch.setattr(auth, "_now", lambda: exp + 3600)
    with pytest.raises(auth.Unauthorized, match="expired"):
        auth.decode_token(SECRET, token)


def test_a_token_of_another_key_is_refused_though_one_with_its_claims_is_cached() -> None:
    ours = auth.issue_token(SECRET, role="authority", sub="zhao")
    claims = jwt.decode(ours, SECRET, algorithms=["HS256"], audience="govhall")
    forged = jwt.encode(claims, OTHER, algorithm="HS256")
    assert auth.decode_token(SECRET, ours).role == "authority"
    with pytest.raises(auth.Unauthorized, match="not valid"):
        auth.decode_token(SECRET, forged)
    with pytest.raises(auth.Unauthorized, match="not valid"):
        auth.decode_token(SECRET, forged)  # and the failure was not remembered either


def test_a_rotated_key_verifies_cached_tokens_afresh() -> None:
    token = auth.issue_token(SECRET, role="authority")
    auth.decode_token(SECRET, token)
    with pytest.raises(auth.Unauthorized, match="not valid"):
        auth.decode_token(OTHER, token)  # the settings now carry another key


def test_issuer_and_audience_are_part_of_what_was_verified() -> None:
    token = auth.issue_token(SECRET, role="center")
    auth.decode_token(SECRET, token)
    with pytest.raises(auth.Unauthorized, match="issuer"):
        auth.decode_token(SECRET, token, issuer="hall-b")
    with pytest.raises(auth.Unauthorized, match="Audience"):
        auth.decode_token(SECRET, token, audience="hall-b-api")


def test_a_refused_token_is_never_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    bad_role = jwt.encode(
        {"sub": "x", "role": "root", "exp": 4102444800, "iss": "govhall", "aud": "govhall"},
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(auth.Unauthorized, match="unknown role"):
        auth.decode_token(SECRET, bad_role)
    assert len(auth._verified) == 0


def test_the_cache_is_bounded_and_drops_the_least_recently_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(auth, "VERIFIED_TOKENS_MAX", 8)
    tokens = [auth.issue_token(SECRET, role="center", sub=f"s{i}") for i in range(12)]
    for token in tokens[:8]:
        auth.decode_token(SECRET, token)
    auth.decode_token(SECRET, tokens[0])  # used again: the most recent now
    for token in tokens[8:]:
        auth.decode_token(SECRET, token)
    assert len(auth._verified) == 8
    cached = {key[3] for key in auth._verified}
    assert tokens[0] in cached
    assert tokens[1] not in cached
    assert set(tokens[8:]) <= cached


def test_a_token_not_yet_valid_is_not_served_from_the_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = auth.issue_token(SECRET, role="center")
    iat = jwt.decode(token, options={"verify_signature": False})["iat"]
    auth.decode_token(SECRET, token)
    monkeypatch.setattr(auth, "_now", lambda: iat - 60)  # the clock went back
    calls = []
    real = auth.jwt.decode
    monkeypatch.setattr(auth.jwt, "decode", lambda *a, **k: calls.append(1) or real(*a, **k))
    auth.decode_token(SECRET, token)  # PyJWT's clock has not moved: it accepts
    assert calls == [1]
