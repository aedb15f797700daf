"""Signing keys: what makes a key one from a CSPRNG (`secret_weakness`, which production refuses
to start without), and the keys the embedded mode generates once under var/ when none is given
(`local_secret` for tokens, `local_audit_key` for the audit trail)."""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

MIN_SECRET_LENGTH = 32  # characters; `openssl rand -hex 32` gives 64


def local_audit_key(var_dir: str) -> str:
    """The embedded mode's audit key: generated once under var/ (next to the data it keys, so
    it protects nothing there: the embedded mode is not for production)."""
    path = Path(var_dir) / "audit-key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    log.warning(
        "AUDIT_KEY is not set: generated a local audit key in %s (not for production)", path
    )
    return key


def local_secret(var_dir: str) -> str:
    """The embedded mode's signing key: generated once, kept under var/, never for production."""
    path = Path(var_dir) / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of the hall wrote it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secret)
    log.warning(
        "JWT_SECRET is not set: generated a local signing key in %s (not for production)", path
    )
    return secret


# A signing key is 256 bits or more from a CSPRNG; what a person types is refused.
SECRET_ADVICE = (
    "Use 256 random bits as hex or base64, e.g. "
    '`python -c "import secrets; print(secrets.token_hex(32))"` or `openssl rand -hex 32`'
)
MIN_SECRET_BYTES = 32
_HEX = re.compile(r"[0-9a-fA-F]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
# Words an example or hand-made key carries; six letters or more, so that a random base64 key
# holds one by chance about once in ten million.
_EXAMPLE_WORDS = (
    "change",
    "secret",
    "example",
    "password",
    "passphrase",
    "govhall",
    "default",
    "production",  # "test-key-not-for-production-…" reads like base64 but is no key
)


def secret_material(secret: str) -> bytes | None:
    """The bytes a hex or base64 (standard or URL-safe, padded or not) key stands for."""
    if _HEX.fullmatch(secret) and len(secret) % 2 == 0:
        return bytes.fromhex(secret)
    if not _BASE64.fullmatch(secret):
        return None
    text = secret.rstrip("=").replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def secret_weakness(secret: str) -> str | None:
    """Why `secret` is not a key from a CSPRNG, or None: too short, not hex or base64, an
    example word, a repeated pattern, too few distinct bytes. The thresholds are far below
    what 32 random bytes give (at least ~22 distinct bytes in 200,000 draws; we ask 16)."""
    material = secret_material(secret)
    if material is None:
        return "it is neither hex nor base64"
    if len(material) < MIN_SECRET_BYTES:
        return f"it holds {len(material) * 8} bits, not at least {MIN_SECRET_BYTES * 8}"
    lowered = secret.lower()
    word = next((w for w in _EXAMPLE_WORDS if w in lowered), None)
    if word:
        return f"it contains {word!r}, an example value's word"
    for period in range(1, len(material) // 2 + 1):
        if material == (material[:period] * (len(material) // period + 1))[: len(material)]:
            return f"it repeats a pattern of {period} bytes"
    if len(set(material)) < 16 or len(set(secret)) < 8:
        return "it has too few distinct values to be random"
    return None
