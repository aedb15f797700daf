"""Staff eligibility (EQ-3.1a), posts (EQ-3.2.5) and chief representatives (EQ-3.1b,
EQ-3.2.6) as plain rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.staffing.domain import posts, staff
from services.staffing.domain.posts import Seat
from services.staffing.domain.staff import Employment, StaffMember
from shared.errors import Conflict, Invalid, RuleViolation

MEMBER = StaffMember(
    id="s-1",
    unit_code="tj-hexi",
    name="张伟",
    id_number="12010319900501123X",
    phone="13812345678",
    birth_date=date(1990, 5, 1),
    employment=Employment.CIVIL_SERVANT,
    law_enforcement_cert="津执法 1",
    work_started_on=date(2015, 7, 1),
    knows_approval_work=True,
)


def test_eligible_at_the_date_of_posting() -> None:
    staff.check_eligible(MEMBER, date(2026, 11, 23))
    with pytest.raises(RuleViolation) as novice:
        staff.check_eligible(replace(MEMBER, work_started_on=date(2026, 1, 1)), date(2026, 11, 23))
    assert novice.value.rule == "EQ-3.1a" and "work_started_on" in novice.value.errors
    assert staff.years_between(date(1980, 11, 24), date(2026, 11, 23)) == 45
    staff.check_eligible(replace(MEMBER, birth_date=date(1980, 11, 24)), date(2026, 11, 23))
    with pytest.raises(RuleViolation) as older:
        staff.check_eligible(replace(MEMBER, birth_date=date(1980, 11, 22)), date(2026, 11, 23))
    assert older.value.rule == "EQ-3.1a"


def test_an_age_exception_needs_a_reason_and_the_center() -> None:
    older = replace(MEMBER, birth_date=date(1975, 1, 1))
    with pytest.raises(RuleViolation):
        staff.approve_age_exception(older, "center:c")
    with pytest.raises(RuleViolation):
        staff.request_age_exception(older, " ")
    asked = staff.request_age_exception(older, "the only Russian speaker")
    with pytest.raises(RuleViolation):
        staff.check_eligible(asked, date(2026, 11, 23))
    staff.check_eligible(staff.approve_age_exception(asked, "center:c"), date(2026, 11, 23))


def test_a_record_needs_qualification_and_approval_knowledge() -> None:
    assert staff.register(MEMBER) == MEMBER
    for change, field in (
        ({"law_enforcement_cert": ""}, "law_enforcement_cert"),
        ({"knows_approval_work": False}, "knows_approval_work"),
    ):
        with pytest.raises(RuleViolation) as refused:
            staff.register(replace(MEMBER, **change))
        assert refused.value.rule == "EQ-3.1a" and field in refused.value.errors
    with pytest.raises(Invalid):
        staff.register(replace(MEMBER, id_number="123"))


def test_personal_data_is_masked_for_others() -> None:
    assert staff.mask_phone("13812345678") == "138****5678"
    assert staff.mask_id_number(MEMBER.id_number) == "1201**********123X"
    assert staff.sees_personal_data("center", None, "tj-hexi")
    assert staff.sees_personal_data("unit", "tj-hexi", "tj-hexi")
    assert not staff.sees_personal_data("unit", "tj-nankai", "tj-hexi")
    assert not staff.sees_personal_data("authority", None, "tj-hexi")


def test_a_post_is_covered_by_an_a_and_a_b() -> None:
    seats = [Seat(1, "受理", 5, "s-1", "s-2"), Seat(2, "发证", 5, "s-3", None)]
    assert [s.post_id for s in posts.uncovered(seats)] == [2]
    with pytest.raises(RuleViolation) as neither:
        posts.check_assignment("active", "tj-hexi", ("tj-hexi",), "C")
    assert neither.value.rule == "EQ-3.2.5" and "role" in neither.value.errors


def test_a_refused_posting_names_the_rule_and_the_field() -> None:
    with pytest.raises(RuleViolation) as stranger:
        posts.check_assignment("active", "tj-nankai", ("tj-hexi",), "A")
    assert stranger.value.rule == "TJ-1" and list(stranger.value.errors) == ["staff_id"]
    for state, rule in (("terminated", "TJ-8.2"), ("revoked", "TJ-7.6"), ("rejected", "TJ-5.4")):
        with pytest.raises(RuleViolation) as ended:
            posts.check_assignment(state, "tj-hexi", ("tj-hexi",), "A")
        assert ended.value.rule == rule and list(ended.value.errors) == ["window_id"]
    with pytest.raises(Invalid) as unknown:  # an id staffing never heard of: no rule decides it
        posts.check_assignment(None, "tj-hexi", ("tj-hexi",), "A")
    assert unknown.value.rule is None and list(unknown.value.errors) == ["window_id"]
    with pytest.raises(RuleViolation) as alone:
        posts.appoint("tj-hexi", "s-1", "s-1", list(posts.CHIEF_POWERS), True, date(2026, 1, 1))
    assert alone.value.rule == "EQ-3.2.5" and list(alone.value.errors) == ["deputy_staff_id"]


def test_published_windows_without_a_post_are_gaps_too() -> None:
    seats = [Seat(1, "受理", 5, "s-1", None)]
    assert posts.unposted([5, 7, 9], seats) == [7, 9]
    assert posts.unposted([], seats) == []


def test_one_a_and_one_b_per_post_and_one_post_per_person() -> None:
    half = Seat(2, "发证", 5, "s-3", None)
    posts.check_seat(half, posts.Role.B, posted=False)
    for role, posted, field in ((posts.Role.A, False, "role"), (posts.Role.B, True, "staff_id")):
        with pytest.raises(Conflict) as taken:
            posts.check_seat(half, role, posted=posted)
        assert taken.value.rule == "EQ-3.2.5" and list(taken.value.errors) == [field]
    with pytest.raises(Conflict) as moving:
        posts.check_seat(half, posts.Role.A, posted=False, field="to_post_id")
    assert list(moving.value.errors) == ["to_post_id"]


def test_only_civil_servants_or_formal_staff_are_sent() -> None:
    assert staff.employment("formal_staff") is Employment.FORMAL_STAFF
    with pytest.raises(RuleViolation) as contractor:
        staff.employment("contractor")
    assert contractor.value.rule == "EQ-3.1a" and "employment" in contractor.value.errors


def test_a_chief_representative_has_every_power_full_time_for_two_years() -> None:
    with pytest.raises(RuleViolation) as partial:
        posts.appoint("tj-hexi", "s-1", "s-2", ["accept"], True, date(2026, 1, 1))
    assert partial.value.rule == "EQ-3.1b"
    with pytest.raises(RuleViolation) as part_time:
        posts.appoint("tj-hexi", "s-1", "s-2", list(posts.CHIEF_POWERS), False, date(2026, 1, 1))
    assert part_time.value.rule == "EQ-3.2.6"
    chief = posts.appoint("tj-hexi", "s-1", "s-2", list(posts.CHIEF_POWERS), True, date(2025, 1, 1))
    with pytest.raises(RuleViolation) as early:
        posts.check_replacement(chief, date(2026, 6, 1), "", None)
    assert early.value.rule == "EQ-3.2.6"
    posts.check_replacement(chief, date(2026, 6, 1), "long illness", "center:c")
    posts.check_replacement(chief, date(2027, 1, 1), "", None)  # two years served
    with pytest.raises(RuleViolation) as before:  # a successor from before the term began
        posts.check_replacement(chief, date(2024, 12, 31), "long illness", "center:c")
    assert before.value.rule == "EQ-3.2.6" and list(before.value.errors) == ["starts_on"]


TODAY = date(2026, 12, 15)


@pytest.mark.parametrize(
    ("what", "ahead", "back"),
    [("posting", "EQ-3.1a", "EQ-3.2.3"), ("appointment", "EQ-3.2.6", "EQ-3.2.6")],
)
def test_a_start_is_today_at_the_latest_and_only_the_center_records_an_earlier_one(
    what: str, ahead: str, back: str
) -> None:
    """A start two years ahead would pass the two-year tests today (EQ-3.2.6, EQ-3.2.3) and
    check age and experience at a day not yet come (EQ-3.1a); one in the past moves them
    back: only the center records what already happened."""
    assert posts.check_start(TODAY, TODAY, by_center=False, what=what) == TODAY
    for by_center in (False, True):
        with pytest.raises(RuleViolation) as later:
            posts.check_start(date(2028, 12, 16), TODAY, by_center=by_center, what=what)
        assert later.value.rule == ahead and list(later.value.errors) == ["starts_on"]
        with pytest.raises(RuleViolation):
            posts.check_start(date(2026, 12, 16), TODAY, by_center=by_center, what=what)
    with pytest.raises(RuleViolation) as earlier:
        posts.check_start(date(2025, 1, 1), TODAY, by_center=False, what=what)
    assert earlier.value.rule == back and list(earlier.value.errors) == ["starts_on"]
    assert posts.check_start(date(2025, 1, 1), TODAY, by_center=True, what=what) == date(2025, 1, 1)


def test_naming_a_new_deputy_is_no_replacement_of_the_chief() -> None:
    chief = posts.appoint("tj-hexi", "s-1", None, list(posts.CHIEF_POWERS), True, date(2026, 1, 1))
    assert posts.keeps_office(chief, "s-1")
    assert not posts.keeps_office(chief, "s-9") and not posts.keeps_office(None, "s-1")


def test_a_returned_staff_member_holds_no_office() -> None:
    posts.check_appointable("张伟", "active", "staff_id")
    with pytest.raises(RuleViolation) as returned:
        posts.check_appointable("张伟", "returned", "deputy_staff_id")
    assert returned.value.rule == "EQ-3.2.4" and "deputy_staff_id" in returned.value.errors


def test_a_posting_waits_for_its_window_s_publication() -> None:
    """TJ-5.6: applied, approved or agreed is no window yet; published (or once seen published:
    `published_on`) takes staff."""
    for state in ("applied", "approved", "agreed"):
        with pytest.raises(RuleViolation) as early:
            posts.check_published(state, None)
        assert early.value.rule == "TJ-5.6" and list(early.value.errors) == ["starts_on"]
    posts.check_published("active", None)
    posts.check_published("suspended", date(2026, 3, 1))
    posts.check_published("revocation_requested", date(2026, 3, 1))


def test_a_posting_starts_on_its_window_s_publication_day_at_the_earliest() -> None:
    """TJ-5.6: a posting dated before the publication day is refused, naming `starts_on`."""
    published = date(2026, 3, 2)
    with pytest.raises(RuleViolation) as early:
        posts.check_published("active", published, starts_on=date(2026, 3, 1))
    assert early.value.rule == "TJ-5.6" and list(early.value.errors) == ["starts_on"]
    posts.check_published("active", published, starts_on=published)
