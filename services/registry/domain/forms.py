"""Downloadable forms of a matter's guide (TJ-6.2): what may be uploaded, and as what."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from shared.errors import DomainError, Invalid

MAX_FORM_BYTES = 5 * 1024 * 1024

# Extension → (content type, the bytes such a file starts with). The content type we serve
# comes from here, never from what the uploader claimed.
KINDS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}


class TooLarge(DomainError):
    status = 413
    slug = "too-large"
    title = "Too large"


@dataclass(frozen=True)
class Form:
    filename: str
    content_type: str
    size: int
    sha256: str


def accept(filename: str, data: bytes) -> Form:
    name = _clean_name(filename)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in KINDS:
        raise Invalid(
            f"forms are {', '.join(sorted(KINDS))}; not {suffix or 'no extension'}", field="file"
        )
    if not data:
        raise Invalid("the file is empty", field="file")
    if len(data) > MAX_FORM_BYTES:
        raise TooLarge(f"a form is at most {MAX_FORM_BYTES // (1024 * 1024)} MiB", field="file")
    content_type, signatures = KINDS[suffix]
    if not data.startswith(signatures):
        raise Invalid(f"the file's content is not a {suffix} document", field="file")
    return Form(name, content_type, len(data), hashlib.sha256(data).hexdigest())


def _clean_name(filename: str) -> str:
    # Keep Chinese names (applicants see them); drop paths and control characters.
    name = re.split(r"[\\/]", filename or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f\"]", "", name).strip()
    if not name or name.startswith("."):
        raise Invalid("the file needs a name with an extension", field="file")
    return name[:200]
