"""Units as the authority registers them, and who is told."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.notification.adapters import texts
from services.notification.domain.inboxes import inbox_keys
from services.notification.domain.routing import recipients_for
from services.registry.domain.units import new_unit
from shared.errors import Invalid

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def test_unit_codes_are_kept_as_sent() -> None:
    unit = new_unit("tj-hexi", " 河西区政务服务中心 ", "河西区", NOW)
    assert unit.code == "tj-hexi"
    assert unit.name == "河西区政务服务中心"


@pytest.mark.parametrize("code", ["TJ-Hexi", "U07", " u07", "u07 "])
def test_a_code_not_already_canonical_is_refused_not_rewritten(code: str) -> None:
    # Rewriting it would store a code other than the one the client sent and then looks up.
    with pytest.raises(Invalid) as refused:
        new_unit(code, "河西区政务服务中心", "河西区", NOW)
    assert list(refused.value.errors) == ["code"]


@pytest.mark.parametrize(
    ("code", "name", "district", "field"),
    [
        ("x", "n", "d", "code"),
        ("has space", "n", "d", "code"),
        ("ok-code", " ", "d", "name"),
        ("ok-code", "n", "", "district"),
    ],
)
def test_bad_units_name_the_field(code: str, name: str, district: str, field: str) -> None:
    with pytest.raises(Invalid) as refused:
        new_unit(code, name, district, NOW)
    assert list(refused.value.errors) == [field]


def test_a_registered_unit_tells_the_authority_and_the_unit() -> None:
    registered = "govhall.registry.unit.registered.v1"
    data = {"code": "tj-hexi", "name": "河西区政务服务中心", "district": "河西区"}
    assert recipients_for(registered, data) == ("authority", "unit:tj-hexi")
    titles = texts.inbox_titles(registered, data, event_id="e", subject="tj-hexi", time=NOW)
    assert all("河西区政务服务中心" in title for title in titles.values())
    assert recipients_for("govhall.registry.unit.renamed.v9", {}) == ()


def test_a_unit_reads_only_its_own_inbox() -> None:
    assert inbox_keys("unit", "tj-hexi") == ("unit:tj-hexi",)
    assert inbox_keys("authority", None) == ("authority",)
    assert inbox_keys("unit", "tj-hexi", "unit:tj-hexi") == ("unit:tj-hexi",)
    assert inbox_keys("unit", "tj-hexi", "unit:tj-nankai") == ()
    assert inbox_keys("unit", "tj-hexi", "district:河西区") == ()
    assert inbox_keys("inspector", None, "district:河西区") == ()
    assert inbox_keys("inspector", None, "inspector") == ("inspector",)
    assert inbox_keys("integrator", None, sub="acme") == ("integrator:acme",)
    assert inbox_keys("integrator", None, "integrator:other", sub="acme") == ()


def test_a_unit_reads_its_own_staffs_inboxes_and_no_others() -> None:
    assert inbox_keys("unit", "tj-hexi", "staff:tj-hexi:s-1") == ("staff:tj-hexi:s-1",)
    assert inbox_keys("unit", "tj-hexi", "staff:tj-nankai:s-1") == ()
    assert inbox_keys("unit", "tj-hexi", "staff:tj-hexi-2:s-1") == ()
    assert inbox_keys("unit", "tj-hexi", "case:2026120100000001") == ()
    assert inbox_keys("inspector", None, "staff:tj-hexi:s-1") == ()
    assert inbox_keys("integrator", None, "staff:tj-hexi:s-1", sub="acme") == ()


def test_the_authority_and_the_center_read_any_inbox_they_name() -> None:
    for role in ("authority", "center"):
        assert inbox_keys(role, None, "district:河西区") == ("district:河西区",)
        assert inbox_keys(role, None, "unit:tj-hexi") == ("unit:tj-hexi",)
        assert inbox_keys(role, None) == (role,)
