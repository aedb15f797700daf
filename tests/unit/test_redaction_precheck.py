"""Issue 19.2: redaction skips the pattern scan for a value that cannot hold what it looks for,
and its output is byte-identical to the scan of every value (the reference kept below)."""

from __future__ import annotations

import random
import re
import string
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared import logs

# -- the reference: redaction as it was before the pre-check (shared/logs.py, issue 19.2) --
_REF_SENSITIVE_KEY = re.compile(
    r"passw|^pass$|pwd|secret|token|authori[sz]ation|cookie|api_?key|credential"
    r"|(?:^|_)id_?(?:number|card|no)\b|phone|mobile",
    re.IGNORECASE,
)
_REF_PATTERNS = (
    (re.compile(r"(?i)\bbearer\s+[^\s,;\"']+"), f"Bearer {logs.REDACTED}"),
    (re.compile(r"\beyJ[\w-]*\.[\w-]+\.[\w-]*"), logs.REDACTED),
    (
        re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?:(?:basic|bearer)\s+)?[^\s,;\"']+"),
        rf"\g<1>{logs.REDACTED}",
    ),
    (
        re.compile(
            r"(?i)([\w-]*(?:passw\w*|secret|token|api_?key)[\"']?\s*[:=]\s*[\"']?)[^\s,;&\"']+"
        ),
        rf"\g<1>{logs.REDACTED}",
    ),
    (re.compile(r"(://[^/\s:@]+):[^/\s@]+@"), rf"\g<1>:{logs.REDACTED}@"),
    (
        re.compile(
            r"(?<![0-9A-Za-z])\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
            r"\d{3}[\dXx](?![0-9A-Za-z])"
        ),
        logs.REDACTED,
    ),
    (re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9A-Za-z])"), logs.REDACTED),
)


def reference_text(text: str) -> str:
    for secret in logs._known_secrets:
        if secret in text:
            text = text.replace(secret, logs.REDACTED)
    for pattern, replacement in _REF_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def reference(value: Any) -> Any:
    if isinstance(value, str):
        return reference_text(value)
    if isinstance(value, dict):
        return {
            k: logs.REDACTED
            if _REF_SENSITIVE_KEY.search(str(k).replace("-", "_"))
            else reference(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [reference(item) for item in value]
    return value


def test_the_reference_patterns_are_the_ones_in_use() -> None:
    """If shared/logs.py's patterns change, the pre-check and this reference must follow."""
    assert [(p.pattern, p.flags, r) for p, r in logs._PATTERNS] == [
        (p.pattern, p.flags, r) for p, r in _REF_PATTERNS
    ]
    assert logs._SENSITIVE_KEY.pattern == _REF_SENSITIVE_KEY.pattern


# -- the corpus ------------------------------------------------------------------------------
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
SENSITIVE = [
    f"Bearer {JWT}",
    "bearer abc.def",
    "BEARER\tx",
    JWT,
    "eyJ.a.",
    "eyJ.a",  # near miss: one dot
    "Authorization: Basic dXNlcjpwYXNz",
    'authorization="Bearer x"',
    "AUTHORIZATION=token",
    "password=hunter2",
    "db_passwd: x",
    "client_secret='abc'",
    "api_key=K",
    "apikey: 1",
    "API-KEY=2",
    "refresh_token=r&x=1",
    "postgresql://govhall:s3cret@db:5432/govhall",
    "amqp://guest:guest@127.0.0.1:5672//",
    "https://example.org/path",  # near miss: no credentials
    "120104199001011234",
    "12010419900101123X",
    "120104199013011234",  # near miss: month 13
    "1201041990010112345",  # near miss: 19 digits
    "13812345678",
    "+86 13812345678",
    "86-13812345678",
    "12812345678",  # near miss: 2nd digit 2
    "1381234567",  # near miss: 10 digits
    "a13812345678",  # near miss: a letter before
    "call 15900001111, or 022-2345 6789",
    "１３８１２３４５６７８",  # fullwidth digits: not \d's 1 and [3-9], but \d for the rest
    "1３８１２３４５６７８",  # ASCII 1, then ３ which is \d but not [3-9]
    "13٨١٢٣٤٥٦٧٨",  # Arabic-Indic digits after "13": \d matches them
    "١٢٠١٠٤١٩٩٠٠١٠١١٢٣٤",  # 18 Arabic-Indic digits
    "toKen=x",  # KELVIN SIGN: (?i) folds it to k, str.lower does not
    "paſsword=x",  # LONG S
    "authorİzation: x",  # DOTTED CAPITAL I
    "ſecret=1",
    "bearer\u00a0x",  # no-break space is \s
    "eyJ\u00e9.\u00e9.",  # \w is unicode
    "张三 身份证 120104199001011234 电话 13812345678",
    "密码 password：x",  # fullwidth colon: not [:=]
    "a-signing-key-nobody-may-see",
]
PLAIN = [
    "",
    "GET",
    "INFO",
    "registry",
    "govhall.access",
    "GET /api/v1/units/bench-unit 200",
    "2026-12-07T23:07:19.659Z",
    "e1a399a5-b03a-45c1-9140-0444357e74fc",
    "authority:test-authority",
    "/api/v1/units/<code>",
    "天津市河西区友谊路 1 号 3 楼",
    "周一至周五 9:00–17:00",
    "12345 hotline",
    "tok",
    "eyJ",
    "://",
    "1234567890",
]
SENSITIVE_KEYS = ["password", "Authorization", "X-Api-Key", "id_number", "phone", "cookie", "pass"]
PLAIN_KEYS = ["message", "path", "status", "passage", "identity", "ideal_no", "route"]


def generated(count: int, seed: int = 19) -> list[str]:
    """Values stitched from pieces of the corpus, digits, letters, unicode and separators, so
    that matches sit at the edges, in the middle, next to letters and next to each other."""
    rng = random.Random(seed)
    pieces = SENSITIVE + PLAIN + SENSITIVE_KEYS + PLAIN_KEYS
    alphabet = string.ascii_letters + string.digits + " :=@/.,;'\"&-_+\t" + "张三ſK١３é\u00a0"
    values = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 4)):
            kind = rng.random()
            if kind < 0.5:
                parts.append(rng.choice(pieces))
            elif kind < 0.7:
                parts.append("".join(rng.choice(string.digits) for _ in range(rng.randint(5, 20))))
            else:
                parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))))
        values.append(rng.choice(["", " ", "=", ":", "/"]).join(parts))
    return values


CORPUS = SENSITIVE + PLAIN + generated(600)


def test_the_corpus_exercises_every_pattern() -> None:
    for pattern, _ in logs._PATTERNS:
        assert sum(1 for value in CORPUS if pattern.search(value)) >= 3, pattern.pattern
    assert sum(1 for value in CORPUS if reference_text(value) == value) >= 100  # and misses


def test_every_value_of_the_corpus_is_redacted_exactly_as_before() -> None:
    logs.mask_secrets("a-signing-key-nobody-may-see")
    for value in CORPUS:
        assert logs.redact_text(value) == reference_text(value), repr(value)


def test_a_record_is_redacted_exactly_as_before_keys_included() -> None:
    rng = random.Random(192)
    for _ in range(200):
        keys = rng.sample(SENSITIVE_KEYS + PLAIN_KEYS, 5)
        record = {key: rng.choice(CORPUS) for key in keys}
        record["nested"] = {"items": [rng.choice(CORPUS), 7, None], rng.choice(keys): "x"}
        assert logs.redact(record) == reference(record)


def test_what_cannot_hold_a_match_is_returned_as_it_came() -> None:
    for value in PLAIN:
        assert not logs._may_hold_sensitive(value) or reference_text(value) == value
    assert logs.redact_text("GET /api/v1/units/bench-unit 200") == (
        "GET /api/v1/units/bench-unit 200"
    )


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            [*"0123456789abeyJrtokenpaswdcuthizAKXx:=@/. -_'\"&\t", "ſ", "K", "İ", "١"]
        ),
        max_size=40,
    )
)
def test_generated_text_is_redacted_exactly_as_before(text: str) -> None:
    assert logs.redact_text(text) == reference_text(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_any_text_is_redacted_exactly_as_before(text: str) -> None:
    assert logs.redact_text(text) == reference_text(text)
