"""The audit trail in the embedded hall: every write and every personal-data read, chained."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from werkzeug.test import Client

from services.hall import cli
from services.hall.embedded import Hall
from tests import builders
from tests.staffing import builders as staffing
from tests.support import bearer, wait_for

AUTHORITY = bearer("authority")


def _records(hall: Hall, service: str) -> list[dict[str, Any]]:
    with hall.runtime(service).db.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM audit_log ORDER BY id")).mappings()
        return [dict(row) for row in rows]


def _verify(hall: Hall, service: str) -> Any:
    """As an operator of `govhall up` runs it: the same VAR_DIR (its local audit key), the
    service's database and notification's (the checkpoints)."""
    settings = hall.runtime(service).settings
    env = {
        "DATABASE_URL": settings.database_url,
        "NOTIFICATION_DATABASE_URL": hall.runtime("notification").settings.database_url,
        "VAR_DIR": settings.var_dir,
    }
    return CliRunner().invoke(cli.main, ["audit", "verify", service], env=env)


def test_a_write_is_recorded_with_who_what_and_the_rows_before_and_after(hall: Hall) -> None:
    client = Client(hall.wsgi())
    created = client.post(
        "/registry/api/v1/units",
        json={"code": "aud-hexi", "name": "河西区", "district": "河西区"},
        headers={**AUTHORITY, "X-Correlation-ID": "trace-aud-1"},
    )
    assert created.status_code == 201
    renamed = client.patch(
        "/registry/api/v1/units/aud-hexi", json={"name": "河西区政务服务中心"}, headers=AUTHORITY
    )
    assert renamed.status_code == 200

    first, second = _records(hall, "registry")[-2:]
    assert first["actor"] == "authority:test-authority" and first["role"] == "authority"
    assert (first["action"], first["object"]) == ("POST /api/v1/units", "/api/v1/units")
    assert first["request_id"] == created.headers["X-Request-ID"]
    assert first["correlation_id"] == "trace-aud-1"
    assert first["before"] is None
    assert json.loads(first["after"])["units:+1"]["code"] == "aud-hexi"
    assert second["action"] == "PATCH /api/v1/units/<code>"
    assert json.loads(second["before"])["units:aud-hexi"]["name"] == "河西区"
    assert json.loads(second["after"])["units:aud-hexi"] == {"name": "河西区政务服务中心"}
    assert second["prev_hash"] == first["hash"]

    # The same action's effect in another service: its own trail, the same correlation id.
    copy = wait_for(
        lambda: [r for r in _records(hall, "staffing") if r["object"] == "aud-hexi"], timeout=10
    )
    assert copy[0]["action"] == "apply govhall.registry.unit.registered.v1"
    assert copy[0]["correlation_id"] == "trace-aud-1"


def test_a_refused_write_leaves_no_record(hall: Hall) -> None:
    client = Client(hall.wsgi())
    before = len(_records(hall, "registry"))
    refused = client.post("/registry/api/v1/units", json={"code": ""}, headers=AUTHORITY)
    assert refused.status_code == 422
    assert len(_records(hall, "registry")) == before


def test_reading_unmasked_personal_data_is_recorded_and_masked_reads_are_not(hall: Hall) -> None:
    client = Client(hall.wsgi())
    builders.unit(client, "tj-hexi")
    wait_for(
        lambda: client.get("/staffing/api/v1/units/tj-hexi", headers=AUTHORITY).status_code == 200
    )
    member = staffing.person(client, "tj-hexi", "王芳")
    path = f"/staffing/api/v1/staff/{member['id']}"
    before = len(_records(hall, "staffing"))

    masked = client.get(path, headers=bearer("inspector"))
    assert masked.status_code == 200 and "*" in masked.json["id_number"]
    assert len(_records(hall, "staffing")) == before

    full = client.get(path, headers=bearer("center"))
    assert full.status_code == 200 and "*" not in full.json["id_number"]
    read = _records(hall, "staffing")[-1]
    assert read["role"] == "center" and read["action"] == "GET /api/v1/staff/<staff_id>"
    assert json.loads(read["after"])["read"] == [
        f"staff:{member['id']}: id_number, phone, birth_date"
    ]
    assert member["id_number"] not in json.dumps(_records(hall, "staffing"), default=str)


def test_the_table_is_append_only_and_an_edit_behind_its_back_is_found(hall: Hall) -> None:
    client = Client(hall.wsgi())
    for n in range(3):
        body = {"code": f"aud-{n}", "name": f"Unit {n}", "district": "和平区"}
        assert (
            client.post("/registry/api/v1/units", json=body, headers=AUTHORITY).status_code == 201
        )
    intact = _verify(hall, "registry")
    assert intact.exit_code == 0, intact.output
    assert "intact" in intact.output

    engine = hall.runtime("registry").db.engine
    for statement in ("UPDATE audit_log SET actor = 'nobody'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))

    # Someone with the database's rights drops the guard and rewrites what unit 1 was called.
    record = next(r for r in _records(hall, "registry") if r["object"] == "/api/v1/units")
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        forged = record["after"].replace("Unit 0", "Unit X")
        conn.execute(
            text("UPDATE audit_log SET after = :after WHERE id = :id"),
            {"after": forged, "id": record["id"]},
        )
    broken = _verify(hall, "registry")
    assert broken.exit_code == 1
    assert f"broken at record {record['id']}: its content does not match its MAC" in broken.output


def test_the_authority_reads_the_trail_and_its_verification_over_http(hall: Hall) -> None:
    client = Client(hall.wsgi())
    body = {"code": "aud-http", "name": "Unit", "district": "和平区"}
    created = client.post("/registry/api/v1/units", json=body, headers=AUTHORITY)
    trace = created.headers["X-Correlation-ID"]
    listed = client.get(f"/registry/api/v1/audit/records?correlation_id={trace}", headers=AUTHORITY)
    assert listed.status_code == 200
    [record] = listed.json["items"]
    assert record["after"]["units:+1"]["code"] == "aud-http"
    verdict = client.get("/registry/api/v1/audit/verification", headers=AUTHORITY)
    assert verdict.json["intact"] is True and verdict.json["records"] >= 1
    for role in ("center", "inspector"):
        refused = client.get("/registry/api/v1/audit/records", headers=bearer(role))
        assert refused.status_code == 403


def test_checkpoints_are_kept_by_notification_and_tell_a_deleted_tail(hall: Hall) -> None:
    client = Client(hall.wsgi())
    for n in range(4):
        body = {"code": f"cp-{n}", "name": f"Unit {n}", "district": "和平区"}
        assert (
            client.post("/registry/api/v1/units", json=body, headers=AUTHORITY).status_code == 201
        )
    head = _records(hall, "registry")[-1]
    # The worker's sweep round, now rather than in AUDIT_CHECKPOINT_INTERVAL seconds.
    assert hall.workers["registry"].checkpoints(hall.runtime("registry")) == 1
    listed = wait_for(
        lambda: client.get(
            "/notification/api/v1/audit/checkpoints?service=registry", headers=AUTHORITY
        ).json["items"],
        timeout=10,
    )
    assert [(cp["last_id"], cp["last_mac"], cp["signed"]) for cp in listed] == [
        (head["id"], head["hash"], True)
    ]
    forbidden = client.get("/notification/api/v1/audit/checkpoints", headers=bearer("center"))
    assert forbidden.status_code == 403
    agreed = _verify(hall, "registry")
    assert agreed.exit_code == 0 and "1 checkpoints agree" in agreed.output, agreed.output

    # The database's owner drops the guard and deletes the last two records: what is left is
    # a whole chain; only the checkpoint in notification's database still counts them.
    with hall.runtime("registry").db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        conn.execute(text("DELETE FROM audit_log WHERE id > :id"), {"id": head["id"] - 2})
    broken = _verify(hall, "registry")
    assert broken.exit_code == 1
    missing = f"records {head['id'] - 1} to {head['id']} are missing"
    assert f"broken at record {head['id'] - 1}: {missing}" in broken.output, broken.output
