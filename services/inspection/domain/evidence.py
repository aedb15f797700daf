"""A finding's evidence (TJ-7.4): the kinds of file taken, their size, names and hashes, and
the check that a stored file still matches its hash."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from services.inspection.domain.findings import INSPECTION
from shared.errors import (
    DomainError,
    Invalid,
)

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


class TooLarge(DomainError):
    status = 413
    slug = "too-large"
    title = "Too large"


class Corrupted(DomainError):
    """Stored evidence no longer matches the SHA-256 taken when it was uploaded."""

    status = 500
    slug = "integrity"
    title = "Stored evidence is damaged"


# Content type → (extensions, the bytes such a file starts with). The type served comes from
# here after the content was checked, never from what the uploader claimed alone.
EVIDENCE_KINDS: dict[str, tuple[tuple[str, ...], tuple[bytes, ...]]] = {
    "application/pdf": ((".pdf",), (b"%PDF-",)),
    "image/jpeg": ((".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
    "image/png": ((".png",), (b"\x89PNG\r\n\x1a\n",)),
    "text/plain": ((".txt",), ()),
}


@dataclass(frozen=True)
class Evidence:
    filename: str
    content_type: str
    size: int
    sha256: str


def accept_evidence(filename: str | None, declared: str | None, data: bytes) -> Evidence:
    """PDF, JPEG, PNG or plain UTF-8 text, at most 10 MiB, named by its type if unnamed."""
    content_type = _content_type(filename, declared)
    if not data:
        raise Invalid("the file is empty", rule=INSPECTION, field="file")
    if len(data) > MAX_EVIDENCE_BYTES:
        raise TooLarge(
            f"evidence is at most {MAX_EVIDENCE_BYTES // (1024 * 1024)} MiB",
            rule=INSPECTION,
            field="file",
        )
    extensions, signatures = EVIDENCE_KINDS[content_type]
    if signatures and not data.startswith(signatures):
        raise Invalid(f"the file's content is not {content_type}", rule=INSPECTION, field="file")
    if not signatures:
        _check_text(data)
    name = _clean_name(filename) or f"evidence{extensions[0]}"
    return Evidence(name, content_type, len(data), sha256(data))


def _content_type(filename: str | None, declared: str | None) -> str:
    kind = (declared or "").split(";")[0].strip().lower()
    if kind in ("", "application/octet-stream") and filename:
        suffix = PurePosixPath(filename).suffix.lower()
        kind = next((k for k, (exts, _) in EVIDENCE_KINDS.items() if suffix in exts), kind)
    if kind not in EVIDENCE_KINDS:
        allowed = ", ".join(EVIDENCE_KINDS)
        raise Invalid(
            f"evidence is {allowed}; not {kind or 'an unnamed type'}", rule=INSPECTION, field="file"
        )
    return kind


def _check_text(data: bytes) -> None:
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("plain-text evidence is UTF-8", rule=INSPECTION, field="file") from None
    if "\x00" in decoded:
        raise Invalid("plain-text evidence holds no NUL bytes", rule=INSPECTION, field="file")


def _clean_name(filename: str | None) -> str:
    # Keep Chinese names (inspectors write them); drop paths, quotes and control characters.
    name = re.split(r"[\\/]", filename or "")[-1]
    return re.sub(r"[\x00-\x1f\x7f\"]", "", name).strip().lstrip(".")[:200]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_intact(evidence_id: int, data: bytes, recorded: str) -> None:
    if sha256(data) != recorded:
        raise Corrupted(f"evidence {evidence_id} no longer matches its SHA-256; it is not served")
