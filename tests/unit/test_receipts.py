"""The query code's verifier: checks the right code, and only that, for that receipt."""

from __future__ import annotations

from shared import receipts


def test_the_verifier_checks_the_code_for_its_receipt_only() -> None:
    stored = receipts.verifier("2026120200000042", "K7QX2M9A")
    assert receipts.verify(stored, "2026120200000042", "k7qx2m9a ")  # as typed by a person
    assert not receipts.verify(stored, "2026120200000042", "K7QX2M9B")
    assert not receipts.verify(stored, "2026120200000043", "K7QX2M9A")
    assert not receipts.verify("", "2026120200000042", "K7QX2M9A")
    assert "K7QX2M9A" not in stored and stored.startswith("pbkdf2-sha256$")
