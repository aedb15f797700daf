"""The query code on a case's receipt, checked where the case is not kept.

Registry gives the applicant a receipt number and an 8-character query code. Inspection takes
the public's evaluations of that case (TJ-7.5) and must check the code without asking registry
(services talk only through events). So `case.accepted` carries a verifier: a salted, slow
PBKDF2 hash, so that whoever reads the event stream cannot feasibly recover the code.
"""

from __future__ import annotations

import hashlib
import hmac

ITERATIONS = 10_000  # ~5 ms per case; 32⁸ codes × 10⁴ rounds is out of reach
SCHEME = "pbkdf2-sha256"


def verifier(receipt: str, code: str) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", _norm(code), _salt(receipt), ITERATIONS)
    return f"{SCHEME}${ITERATIONS}${digest.hex()}"


def verify(stored: str, receipt: str, code: str) -> bool:
    try:
        scheme, rounds, expected = stored.split("$")
    except ValueError:
        return False
    if scheme != SCHEME:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", _norm(code), _salt(receipt), int(rounds))
    return hmac.compare_digest(digest.hex(), expected)


def _norm(code: str) -> bytes:
    return code.strip().upper().encode()


def _salt(receipt: str) -> bytes:
    return f"govhall:receipt:{receipt}".encode()
