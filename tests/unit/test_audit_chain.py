"""The audit trail's chain: what verification accepts and the first link it rejects. Records
before the key are plain SHA-256 (`_chain`), after it HMAC-SHA-256 (`_keyed`); checkpoints kept
outside the database tell a deleted tail."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from shared import audit, audit_changes, audit_verify


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
    verdict = audit_verify.verify(iter(_chain(5)))
    assert verdict.intact and verdict.records == 5


def test_an_edited_field_breaks_the_chain_at_that_record() -> None:
    for field, value in [
        ("after", '{"staff:+1": {"name": "forged"}}'),
        ("actor", "center:someone"),
        ("at", datetime(2026, 12, 7, tzinfo=UTC)),
        ("request_id", None),
    ]:
        verdict = audit_verify.verify(iter(_edited(_chain(5), 2, **{field: value})))
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
    verdict = audit_verify.verify(iter(rows))
    assert (verdict.broken_at, verdict.reason) == (4, "it does not link to the record before it")


def test_a_deleted_record_is_named() -> None:
    rows = _chain(5)
    del rows[1]
    verdict = audit_verify.verify(iter(rows))
    assert (verdict.broken_at, verdict.reason) == (3, "record 2 is missing")


def test_personal_data_and_secrets_are_kept_as_fingerprints_and_files_as_sizes() -> None:
    kept = audit_changes._plain(
        {"id_number": "120101199001011234", "phone": "13800138000", "secret": "s3cr3t-value"}
    )
    assert all(str(value).startswith("sha256:") for value in kept.values())
    assert "13800138000" not in str(kept)
    assert audit_changes._plain({"content": b"x" * 4096}) == {"content": "<4096 bytes>"}
    assert audit_changes._plain({"name": "河西区"}) == {"name": "河西区"}


KEYRING = audit.Keyring("k" * 64)


def _keyed(n: int, keyring: audit.Keyring = KEYRING, start: list[Any] | None = None) -> list[Any]:
    rows = list(start or [])
    prev = rows[-1].hash if rows else audit.GENESIS
    for i in range(len(rows) + 1, n + 1):
        item = audit.Entry(
            at=datetime(2026, 12, 7, 9, 0, i, tzinfo=UTC),
            actor="unit:U1:clerk",
            role="unit",
            action="POST /api/v1/staff",
            object="/api/v1/staff",
            before=None,
            after=f'{{"staff:+1": {{"name": "{i}"}}}}',
            request_id=f"req-{i}",
            correlation_id=f"cor-{i}",
        )
        kid = keyring.current_id
        mac = audit.mac(keyring.current, kid, i, item, prev)
        rows.append(SimpleNamespace(id=i, **vars(item), prev_hash=prev, hash=mac, key_id=kid))
        prev = mac
    return rows


def _entry(row: Any) -> audit.Entry:
    return audit.Entry(**{name: getattr(row, name) for name in audit.Entry.__dataclass_fields__})


def _checkpoint(rows: list[Any], keyring: audit.Keyring = KEYRING) -> audit_verify.Checkpoint:
    unsigned = audit_verify.Checkpoint(
        service="staffing",
        records=len(rows),
        last_id=rows[-1].id,
        last_mac=rows[-1].hash,
        at=datetime(2026, 12, 7, 10, tzinfo=UTC),
        key_id=keyring.current_id,
    )
    import hashlib
    import hmac

    signature = hmac.new(
        keyring.current.encode(), unsigned.content().encode(), hashlib.sha256
    ).hexdigest()
    return replace(unsigned, signature=signature)


def test_a_keyed_chain_after_a_plain_prefix_is_intact() -> None:
    rows = _keyed(8, start=_chain(3))
    verdict = audit_verify.verify(iter(rows), KEYRING)
    assert verdict.intact and verdict.records == 8


def test_a_record_rewritten_with_a_recomputed_plain_hash_is_found() -> None:
    """Whoever can write the table but lacks AUDIT_KEY can only recompute plain SHA-256 hashes:
    a rewritten record with its own and every later hash recomputed is still found."""
    rows = _keyed(6)
    forged = [SimpleNamespace(**vars(row)) for row in rows]
    prev = forged[2].prev_hash
    forged[2].after = '{"staff:+1": {"name": "forged"}}'
    for row in forged[2:]:  # the whole rest of the chain, re-linked with plain hashes
        row.prev_hash = prev
        row.hash = audit.digest(row.id, _entry(row), prev)
        prev = row.hash
    kept_key = audit_verify.verify(iter(forged), KEYRING)
    assert (kept_key.broken_at, kept_key.reason) == (3, "its content does not match its MAC")
    for row in forged[2:]:
        row.key_id = None  # passed off as records from before the key
    as_legacy = audit_verify.verify(iter(forged), KEYRING)
    assert as_legacy.broken_at == 3
    assert as_legacy.reason == "it has a plain hash after the keyed chain began"


def test_a_chain_rewritten_whole_as_plain_hashes_is_found_by_its_checkpoint() -> None:
    rows = _keyed(5)
    anchor = _checkpoint(rows)
    plain = _chain(5)  # every record rewritten before the key, consistently
    verdict = audit_verify.verify(iter(plain), KEYRING, [anchor])
    assert verdict.broken_at == 5 and "checkpoint" in (verdict.reason or "")


def test_deleting_the_last_records_is_found_by_the_checkpoint() -> None:
    rows = _keyed(10)
    anchors = [_checkpoint(rows[:4]), _checkpoint(rows)]
    assert audit_verify.verify(iter(rows[:7]), KEYRING).intact  # without an anchor, nothing tells
    verdict = audit_verify.verify(iter(rows[:7]), KEYRING, anchors)
    assert verdict.broken_at == 8
    assert verdict.reason is not None and verdict.reason.startswith("records 8 to 10 are missing")
    assert audit_verify.verify(iter(rows), KEYRING, anchors).checkpoints == 2


def test_a_forged_checkpoint_is_left_out_and_counted() -> None:
    rows = _keyed(4)
    forged = replace(_checkpoint(_keyed(9)), signature="0" * 64)
    verdict = audit_verify.verify(iter(rows), KEYRING, [forged])
    assert verdict.intact and (verdict.checkpoints, verdict.unsigned_checkpoints) == (0, 1)


def test_after_a_rotation_the_retired_key_still_verifies_its_records() -> None:
    old = _keyed(4)
    rotated = audit.Keyring("n" * 64, retired=(KEYRING.current,))
    rows = _keyed(7, rotated, start=old)
    assert {row.key_id for row in rows} == {KEYRING.current_id, rotated.current_id}
    assert audit_verify.verify(iter(rows), rotated).intact
    unknown = audit_verify.verify(iter(rows), audit.Keyring("n" * 64))
    assert unknown.broken_at == 1 and "not in the keyring" in (unknown.reason or "")


def test_a_checkpoint_names_its_key_and_not_the_key() -> None:
    anchor = _checkpoint(_keyed(2), KEYRING)
    assert anchor.signed_by(KEYRING)
    assert not anchor.signed_by(audit.Keyring("x" * 64))
    assert KEYRING.current not in anchor.content() and anchor.key_id == KEYRING.current_id
    assert replace(anchor, at=anchor.at + timedelta(seconds=1)).signed_by(KEYRING) is False
