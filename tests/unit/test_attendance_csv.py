"""Training (TJ-7.1), attendance (TJ-7.3) and attendance sheets: all rows or none."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.staffing.domain import attendance as rules
from services.staffing.domain.attendance import Line, Provider, Status, TooLarge
from shared.errors import Invalid

TODAY = date(2026, 11, 22)
HEADER = "staff_id,day,status,note\n"


def sheet(*rows: str, header: str = HEADER) -> rules.Sheet:
    return rules.parse(header + "".join(f"{row}\n" for row in rows), TODAY)


def test_training_is_recorded_once_held() -> None:
    course = rules.training("s-1", " 政务礼仪 ", 8, "authority", TODAY, TODAY)
    assert (course.course, course.provider) == ("政务礼仪", Provider.AUTHORITY)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hours": 0}, "hours"),
        ({"hours": -3}, "hours"),
        ({"hours": 100_000}, "hours"),
        ({"provider": "vendor"}, "provider"),
        ({"held_on": TODAY + timedelta(days=1)}, "held_on"),
        ({"course": "  "}, "course"),
    ],
)
def test_bad_training_names_the_field_and_tj_7_1(change: dict, field: str) -> None:
    values = {"course": "受理规范", "hours": 4, "provider": "window", "held_on": TODAY, **change}
    with pytest.raises(Invalid) as refused:
        rules.training("s-1", today=TODAY, **values)
    assert refused.value.rule == "TJ-7.1" and list(refused.value.errors) == [field]


def test_a_day_is_marked_with_one_of_four_statuses() -> None:
    mark = rules.mark("s-1", "2026-11-20", " Late ", " traffic ", TODAY)
    assert (mark.day, mark.status, mark.note) == (date(2026, 11, 20), Status.LATE, "traffic")


@pytest.mark.parametrize(
    ("day", "status", "note", "fields"),
    [
        ("2026-11-23", "present", "", {"day"}),
        ("2026-02-30", "present", "", {"day"}),
        ("22/11/2026", "present", "", {"day"}),
        ("2026-W47-1", "present", "", {"day"}),
        ("2026-11-20", "absent", "", {"status"}),
        ("2026-11-20", "present", "x" * 501, {"note"}),
        ("", "", "", {"day", "status"}),
    ],
)
def test_a_bad_day_names_every_wrong_field(day: str, status: str, note: str, fields: set) -> None:
    with pytest.raises(Invalid) as refused:
        rules.mark("s-1", day, status, note, TODAY)
    assert refused.value.rule == "TJ-7.3" and set(refused.value.errors) == fields


def test_a_good_sheet_gives_every_row() -> None:
    good = sheet("s-1,2026-11-20,present,", "s-2,2026-11-20,late,堵车", "s-1,2026-11-19,late,")
    assert good.errors == {}
    marks = rules.accept(good, {})
    assert [(m.staff_id, m.status) for m in marks] == [
        ("s-1", Status.PRESENT),
        ("s-2", Status.LATE),
        ("s-1", Status.LATE),
    ]


def test_the_note_column_may_be_left_out_and_columns_reordered() -> None:
    good = sheet("present,2026-11-20,s-1", header="Status, Day ,STAFF_ID\n")
    assert rules.accept(good, {})[0].staff_id == "s-1"


def test_one_bad_row_and_nothing_is_accepted() -> None:
    bad = sheet("s-1,2026-11-20,present,", "s-2,2026-11-20,absent,", "s-3,2026-11-20,late,")
    assert bad.errors == {"row 3.status": [bad.errors["row 3.status"][0]]}
    with pytest.raises(Invalid) as refused:
        rules.accept(bad, {})
    assert refused.value.rule == "TJ-7.3" and list(refused.value.errors) == ["row 3.status"]
    assert "nothing was imported" in refused.value.detail


def test_rows_are_numbered_as_a_spreadsheet_shows_them() -> None:
    bad = sheet("s-1,2026-11-20,present,", "", '"s-2",2026-11-31,present,"two\nlines"', "x,y,z,w,v")
    assert set(bad.errors) == {"row 4.day", "row 5"}


def test_a_repeated_staff_day_is_an_error_on_the_later_row() -> None:
    bad = sheet("s-1,2026-11-20,present,", "s-1,2026-11-20,late,")
    assert list(bad.errors) == ["row 3.day"] and "row 2" in bad.errors["row 3.day"][0]


def test_future_days_are_errors() -> None:
    assert list(sheet("s-1,2026-11-23,present,").errors) == ["row 2.day"]


@pytest.mark.parametrize(
    "header",
    ["", "staff_id,day\n", "staff_id,day,status,note,extra\n", "staff_id,day,day,status\n"],
)
def test_a_sheet_needs_its_header(header: str) -> None:
    with pytest.raises(Invalid) as refused:
        rules.parse(header, TODAY)
    assert set(refused.value.errors) <= {"file", "header"}


def test_rows_of_others_are_errors_read_alike() -> None:
    lines = [Line(2, rules.mark("s-1", "2026-11-20", "present", "", TODAY))]
    lines.append(Line(3, rules.mark("s-9", "2026-11-20", "present", "", TODAY)))
    lines.append(Line(4, rules.mark("s-0", "2026-11-20", "present", "", TODAY)))
    owners = {"s-1": "tj-hexi", "s-9": "tj-nankai"}
    errors = rules.foreign(lines, owners, "tj-hexi")
    assert list(errors) == ["row 3.staff_id", "row 4.staff_id"]
    assert errors["row 3.staff_id"][0].replace("s-9", "") == errors["row 4.staff_id"][0].replace(
        "s-0", ""
    )
    assert list(rules.foreign(lines, owners, None)) == ["row 4.staff_id"]


def test_errors_from_the_sheet_and_the_database_are_merged_in_row_order() -> None:
    bad = sheet(*[f"s-{n},2026-11-20,present," for n in range(9)], "s-x,2026-11-20,nope,")
    with pytest.raises(Invalid) as refused:
        rules.accept(bad, {"row 3.staff_id": ["not your unit's staff"]})
    assert list(refused.value.errors) == ["row 3.staff_id", "row 11.status"]
    assert refused.value.detail.startswith("2 row(s)")


def test_size_limits() -> None:
    with pytest.raises(TooLarge):
        rules.decode(b"x" * (rules.MAX_SHEET_BYTES + 1))
    rows = [f"s-{n},2026-11-20,present," for n in range(rules.MAX_SHEET_ROWS + 1)]
    with pytest.raises(TooLarge) as refused:
        sheet(*rows)
    assert refused.value.status == 413


def test_decoding_takes_excel_utf8_and_gb18030() -> None:
    text = HEADER + "s-1,2026-11-20,late,堵车\n"
    assert rules.decode(b"\xef\xbb\xbf" + text.encode()) == text
    assert rules.decode(text.encode("gb18030")) == text
    with pytest.raises(Invalid):
        rules.decode(b"  \n")


def test_malformed_csv_is_a_row_error_not_a_crash() -> None:
    bad = rules.parse(HEADER + 's-1,2026-11-20,"present"x,\n', TODAY)
    assert list(bad.errors) == ["row 2"]


def test_the_summary_counts_days_per_status() -> None:
    rows = rules.summarise([("s-2", "late", 2), ("s-1", "present", 20), ("s-2", "present", 3)])
    assert [(r["staff_id"], r["present"], r["late"], r["days"]) for r in rows] == [
        ("s-1", 20, 0, 20),
        ("s-2", 3, 2, 5),
    ]
    assert rules.summarise([], seed=["s-3"])[0]["absent_unapproved"] == 0


def test_a_period_defaults_to_this_year_so_far() -> None:
    assert rules.period(None, None, TODAY) == (date(2026, 1, 1), TODAY)
    with pytest.raises(Invalid):
        rules.period(TODAY, TODAY - timedelta(days=1), TODAY)


BAD_ROWS = st.sampled_from(
    [
        "{id},2026-02-30,present,",
        "{id},2026-11-23,present,",
        "{id},{day},absent,",
        ",{day},present,",
        "{id},{day},late,{long}",
        "{id},{day},present,,extra",
        "{id},yesterday,late,",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), BAD_ROWS), min_size=1, max_size=40))
def test_random_bad_rows_never_let_part_of_a_sheet_through(rows: list[str | None]) -> None:
    lines = []
    for n, bad in enumerate(rows):
        day = (TODAY - timedelta(days=n)).isoformat()
        good = f"s-{n},{day},present,ok"
        lines.append(good if bad is None else bad.format(id=f"s-{n}", day=day, long="x" * 501))
    parsed = sheet(*lines)
    wrong = {n + 2 for n, bad in enumerate(rows) if bad is not None}
    if not wrong:
        assert len(rules.accept(parsed, {})) == len(rows)
        return
    with pytest.raises(Invalid) as refused:
        rules.accept(parsed, {})
    assert {rules._row_number(key) for key in refused.value.errors} == wrong


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_parsed_or_refused_never_crashes(body: str) -> None:
    try:
        parsed = rules.parse(HEADER + body, TODAY)
    except (Invalid, TooLarge):
        return
    assert all(line.mark.day <= TODAY for line in parsed.lines)
    assert len(parsed.lines) <= body.count("\n") + body.count("\r") + 1
