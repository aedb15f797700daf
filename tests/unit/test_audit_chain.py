"""The audit trail's hash chain: what verification accepts and the first link it rejects."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from shared import audit


def _chain(n: int) -> list[SimpleNamespace]:
    rows, prev = [], audit.GENESIS
    for i in range(1, n + 1):
        item = audit.Entry(
            at=datetime(2026, 12, 6, 9, 0, i, tzinfo=UTC),
            actor="unit:U1:clerk",
            role="unit",
            action="POST /api/v1/staff",
            object="/api/v1/staff",
            before=None,
            after=f'{{"staff:+1": {{"name": "{i}"}}}}',
            request_id=f"req-{i}",
            correlation_id=f"cor-{i}",
        )
        digest = audit.digest(i, item, prev)
        rows.append(SimpleNamespace(id=i, **vars(item), prev_hash=prev, hash=digest))
        prev = digest
    return rows


def _edited(rows: list[SimpleNamespace], index: int, **change: Any) -> list[SimpleNamespace]:
    copy = [SimpleNamespace(**vars(row)) for row in rows]
    for key, value in change.items():
        setattr(copy[index], key, value)
    return copy


def test_an_untouched_chain_is_intact() -> None:
    verdict = audit.verify(iter(_chain(5)))
    assert verdict.intact and verdict.records == 5


def test_an_edited_field_breaks_the_chain_at_that_record() -> None:
    for field, value in [
        ("after", '{"staff:+1": {"name": "forged"}}'),
        ("actor", "center:someone"),
        ("at", datetime(2026, 12, 7, tzinfo=UTC)),
        ("request_id", None),
    ]:
        verdict = audit.verify(iter(_edited(_chain(5), 2, **{field: value})))
        assert verdict.broken_at == 3, field
        assert verdict.reason == "its content does not match its hash"


def test_a_rehashed_forgery_breaks_the_link_of_the_next_record() -> None:
    rows = _chain(5)
    # Whoever edits a record and recomputes its hash still breaks the next record's link.
    original = audit.Entry(
        **{name: getattr(rows[2], name) for name in audit.Entry.__dataclass_fields__}
    )
    forged = replace(original, after='{"staff:+1": {"name": "forged"}}')
    rows = _edited(rows, 2, after=forged.after, hash=audit.digest(3, forged, rows[2].prev_hash))
    verdict = audit.verify(iter(rows))
    assert (verdict.broken_at, verdict.reason) == (4, "it does not link to the record before it")


def test_a_deleted_record_is_named() -> None:
    rows = _chain(5)
    del rows[1]
    verdict = audit.verify(iter(rows))
    assert (verdict.broken_at, verdict.reason) == (3, "record 2 is missing")


def test_personal_data_and_secrets_are_kept_as_fingerprints_and_files_as_sizes() -> None:
    kept = audit._plain(
        {"id_number": "120101199001011234", "phone": "13800138000", "secret": "s3cr3t-value"}
    )
    assert all(str(value).startswith("sha256:") for value in kept.values())
    assert "13800138000" not in str(kept)
    assert audit._plain({"content": b"x" * 4096}) == {"content": "<4096 bytes>"}
    assert audit._plain({"name": "河西区"}) == {"name": "河西区"}
