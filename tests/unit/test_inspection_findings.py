"""Findings (TJ-7.4), guidance visits (TJ-7.2) and rectification by a deadline (TJ-8.1): the
rules alone, no database."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.inspection.domain import evidence as evidence_rules
from services.inspection.domain import findings as rules
from services.inspection.domain import guidance_visits as visit_rules
from services.inspection.domain.findings import Source, Status
from shared.errors import Conflict, Forbidden, Invalid, RuleViolation
from shared.workdays import HallCalendar

# The rules' modules, each checked for refusals that name their field and rule.
DOMAIN_MODULES = (rules, evidence_rules, visit_rules)

RULES_DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
MONDAY = date(2026, 11, 23)


def test_the_known_rules_are_exactly_the_tj_and_eq_rules_of_docs_rules_md() -> None:
    """A finding may cite any rule of the two documents, and nothing else: not a local rule
    (LR-…) and not a clause cited as a whole (`TJ-5`), which docs/rules.md lists apart."""
    text = RULES_DOC.read_text()
    rules_part = text[: text.index("## Clauses cited as a whole")]
    listed = set(re.findall(r"^\| ((?:TJ|EQ)-[^ |]+) \|", rules_part, re.M))
    assert listed == rules.KNOWN_RULES


@pytest.mark.parametrize("rule", ["EQ-4.4b", "TJ-8.3", "TJ-1", "EQ-3.2.2c", " TJ-6.4 "])
def test_a_finding_names_a_rule_of_docs_rules_md(rule: str) -> None:
    assert rules.rule_breached(rule) == rule.strip()


@pytest.mark.parametrize("rule", ["8.3", "tj-8.3", "TJ-8.3 b", "XX-1", "TJ-8.", ""])
def test_a_rule_id_has_the_form_of_docs_rules_md(rule: str) -> None:
    with pytest.raises(Invalid) as refused:
        rules.rule_breached(rule)
    assert list(refused.value.errors) == ["rule"] and "e.g. EQ-4.4b" in refused.value.detail


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(Invalid, match=r"docs/rules\.md has no rule TJ-9\.9") as refused:
        rules.rule_breached("TJ-9.9")
    assert list(refused.value.errors) == ["rule"]


@given(st.from_regex(rules.RULE_ID, fullmatch=True))
def test_only_known_rules_pass_whatever_their_form(rule: str) -> None:
    try:
        assert rules.rule_breached(rule) in rules.KNOWN_RULES
    except Invalid as refused:
        assert rule not in rules.KNOWN_RULES and "has no rule" in refused.detail


@pytest.mark.parametrize("state", sorted(rules.SERVED))
def test_findings_are_about_windows_that_have_served(state: str) -> None:
    rules.check_window_for_finding(7, state)


@pytest.mark.parametrize("state", ["applied", "inspected", "approved", "agreed", "rejected"])
def test_a_window_not_yet_in_service_has_no_findings(state: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        rules.check_window_for_finding(7, state)
    assert refused.value.rule == "TJ-7.4" and list(refused.value.errors) == ["window_id"]


def test_a_case_belongs_to_the_window_of_the_finding() -> None:
    rules.check_case(7, 100, 7)
    with pytest.raises(Invalid, match="handled at window 8") as elsewhere:
        rules.check_case(7, 100, 8)
    with pytest.raises(Invalid, match="no case 100") as unknown:
        rules.check_case(7, 100, None)
    assert list(elsewhere.value.errors) == list(unknown.value.errors) == ["case_id"]


def test_a_draw_and_a_visit_are_named_by_id_and_a_visit_s_problem_by_number() -> None:
    rules.check_source(Source.DRAW, 3, None)
    rules.check_source(Source.GUIDANCE_VISIT, 3, 1)
    rules.check_source(Source.SPOT_CHECK, None, None)
    rules.check_source(Source.OTHER, None, None)
    for source, source_id, number, field in [
        (Source.DRAW, None, None, "source_id"),
        (Source.GUIDANCE_VISIT, None, 1, "source_id"),
        (Source.GUIDANCE_VISIT, 3, None, "problem_number"),
        (Source.COMPLAINT, 3, 1, "problem_number"),
    ]:
        with pytest.raises(Invalid) as refused:
            rules.check_source(source, source_id, number)
        assert list(refused.value.errors) == [field]
    with pytest.raises(Invalid) as unnumbered:
        rules.check_source(Source.GUIDANCE_VISIT, 3, None)
    assert unnumbered.value.rule == "TJ-7.2"


def test_a_finding_of_a_draw_is_about_what_the_draw_picked_tj_7_4() -> None:
    sampled = rules.Drawn("sampling", None, {7: frozenset({70, 71}), 8: frozenset({80})})
    rules.check_drawn(Source.DRAW, 3, sampled, 7, 71)
    rules.check_drawn(Source.DRAW, 3, sampled, 8, None)  # about the window sampled
    checked = rules.Drawn("spot_check", None, {7: frozenset()})
    rules.check_drawn(Source.SPOT_CHECK, 4, checked, 7, 99)  # any case of the window checked
    superseded = rules.Drawn("sampling", 5, sampled.picked)
    for source, drawn, window, case, field, kind in [
        (Source.DRAW, None, 7, None, "source_id", Invalid),  # no such draw
        (Source.DRAW, checked, 7, None, "source_id", Invalid),  # a spot check's: no sampling
        (Source.SPOT_CHECK, sampled, 7, None, "source_id", Invalid),
        (Source.DRAW, superseded, 7, 70, "source_id", RuleViolation),  # redrawn with a reason
        (Source.DRAW, sampled, 9, None, "window_id", RuleViolation),  # a window not drawn
        (Source.DRAW, sampled, 7, 80, "case_id", RuleViolation),  # drawn at another window
        (Source.DRAW, sampled, 7, 72, "case_id", RuleViolation),  # the window's, not drawn
        (Source.SPOT_CHECK, checked, 8, None, "window_id", RuleViolation),
    ]:
        with pytest.raises(kind) as refused:
            rules.check_drawn(source, 3, drawn, window, case)
        assert (list(refused.value.errors), refused.value.rule) == ([field], "TJ-7.4"), field


def test_a_visit_s_problem_becomes_one_finding_on_the_visited_window() -> None:
    visit_rules.check_visit_problem(7, 7, 2, 2, None)
    with pytest.raises(RuleViolation) as elsewhere:
        visit_rules.check_visit_problem(8, 7, 1, 2, None)
    assert elsewhere.value.rule == "TJ-7.2"
    with pytest.raises(Invalid, match="no number 3"):
        visit_rules.check_visit_problem(7, 7, 3, 2, None)
    with pytest.raises(Conflict, match="recorded as finding 12"):
        visit_rules.check_visit_problem(7, 7, 1, 2, 12)


def test_a_correction_follows_the_withdrawal_of_a_finding_of_the_same_window() -> None:
    rules.check_correction(7, 5, "withdrawn", 7)
    with pytest.raises(Conflict, match="withdraw finding 5"):
        rules.check_correction(7, 5, "open", 7)
    with pytest.raises(Invalid, match="no finding 5"):
        rules.check_correction(7, 5, "withdrawn", 8)


def test_the_deadline_is_counted_in_working_days_from_the_order() -> None:
    calendar = HallCalendar()
    # From Wednesday 30 September 2026: the National Day holiday (1–7 October) does not count,
    # the make-up Saturday 10 October does.
    assert rules.due_on(calendar, date(2026, 9, 30), 10) == date(2026, 10, 20)
    assert rules.due_on(calendar, MONDAY, 10) == date(2026, 12, 7)
    assert rules.rectification_days(None, 10) == 10
    assert rules.rectification_days(3, 10) == 3
    for days in (0, 61):
        with pytest.raises(Invalid) as refused:
            rules.rectification_days(days, 10)
        assert list(refused.value.errors) == ["rectification_days"]


def test_only_an_open_finding_past_its_deadline_is_overdue() -> None:
    due = MONDAY
    assert not rules.is_overdue(Status.OPEN, due, due)
    assert rules.is_overdue(Status.OPEN, due, due + timedelta(days=1))
    for status in (Status.REPORTED, Status.RECTIFIED, Status.WITHDRAWN):
        assert not rules.is_overdue(status, due, due + timedelta(days=30))


def test_the_unit_reports_the_inspectors_verify() -> None:
    assert rules.report_rectification(Status.OPEN) is Status.REPORTED
    assert rules.verify(Status.REPORTED, True, "") is Status.RECTIFIED
    assert rules.verify(Status.REPORTED, False, "the notice board still lacks the fees") is (
        Status.OPEN
    )
    with pytest.raises(Invalid) as silent:
        rules.verify(Status.REPORTED, False, "  ")
    assert list(silent.value.errors) == ["note"]
    for status in (Status.REPORTED, Status.RECTIFIED, Status.WITHDRAWN):
        with pytest.raises(Conflict):
            rules.report_rectification(status)
    for status in (Status.OPEN, Status.RECTIFIED, Status.WITHDRAWN):
        with pytest.raises(Conflict):
            rules.verify(status, True, "")


def test_the_unit_ordered_to_rectify_reports_it() -> None:
    rules.check_reporter("tj-hexi", "tj-hexi")
    with pytest.raises(Forbidden) as other:
        rules.check_reporter("tj-hexi", "tj-nankai")
    assert other.value.rule == "TJ-8.1"


def test_a_withdrawal_has_a_reason_and_happens_once() -> None:
    assert rules.withdraw(Status.RECTIFIED, "wrong window") is Status.WITHDRAWN
    with pytest.raises(Invalid) as silent:
        rules.withdraw(Status.OPEN, " ")
    assert list(silent.value.errors) == ["reason"]
    with pytest.raises(Conflict):
        rules.withdraw(Status.WITHDRAWN, "again")


@pytest.mark.parametrize("role", ["center", "inspector", "integrator"])
def test_guidance_visits_are_made_by_the_authority_or_the_unit(role: str) -> None:
    visit_rules.check_visitor("authority")
    visit_rules.check_visitor("unit")
    with pytest.raises(Forbidden) as refused:
        visit_rules.check_visitor(role)
    assert refused.value.rule == "TJ-7.2"


def test_a_visit_is_to_a_window_in_service_and_recorded_after_it_happened() -> None:
    names, summary = visit_rules.check_visit(
        7, "active", MONDAY, MONDAY, [" 王科长 "], " 查看台账 "
    )
    assert (names, summary) == (["王科长"], "查看台账")
    visit_rules.check_visit(7, "suspended", MONDAY - timedelta(days=3), MONDAY, ["王"], "整改检查")
    with pytest.raises(RuleViolation) as ended:
        visit_rules.check_visit(7, "terminated", MONDAY, MONDAY, ["王"], "s")
    assert ended.value.rule == "TJ-7.2" and list(ended.value.errors) == ["window_id"]
    for args, field in [
        ((MONDAY + timedelta(days=1), ["王"], "s"), "visited_on"),
        ((MONDAY, [], "s"), "visitors"),
        ((MONDAY, ["王", " "], "s"), "visitors"),
        ((MONDAY, ["王"], " "), "summary"),
    ]:
        with pytest.raises(Invalid) as refused:
            visit_rules.check_visit(7, "active", args[0], MONDAY, args[1], args[2])
        assert list(refused.value.errors) == [field]


def test_a_unit_records_problems_and_the_authority_records_findings() -> None:
    visit_rules.check_findings_in_visit("authority", True)
    visit_rules.check_findings_in_visit("unit", False)
    with pytest.raises(Forbidden) as refused:
        visit_rules.check_findings_in_visit("unit", True)
    assert refused.value.rule == "TJ-1" and list(refused.value.errors) == ["problems"]


def test_a_unit_sees_its_own_and_shared_windows() -> None:
    assert rules.can_see(None, ("tj-hexi",))
    assert rules.can_see("tj-hexi", ("tj-hexi",))
    assert rules.can_see("tj-nankai", ("tj-hexi", "tj-nankai"))
    assert not rules.can_see("tj-nankai", ("tj-hexi",))


def test_evidence_is_pdf_jpeg_png_or_text_checked_by_its_content() -> None:
    pdf = evidence_rules.accept_evidence("现场照片/记录.pdf", "application/pdf", b"%PDF-1.7 ...")
    assert (pdf.filename, pdf.content_type, pdf.size) == ("记录.pdf", "application/pdf", 12)
    png = evidence_rules.accept_evidence(None, "image/png", PNG)
    assert png.filename == "evidence.png" and len(png.sha256) == 64
    named = evidence_rules.accept_evidence(
        "photo.JPG", "application/octet-stream", b"\xff\xd8\xff\xe0"
    )
    assert named.content_type == "image/jpeg"
    note = evidence_rules.accept_evidence(
        "note.txt", "text/plain; charset=utf-8", "窗口无人".encode()
    )
    assert note.content_type == "text/plain"
    for filename, declared, data in [
        ("a.exe", "application/x-msdownload", b"MZ"),
        ("a.png", "image/png", b"%PDF-1.7"),
        ("a.txt", "text/plain", "窗口".encode("gb18030")),
        ("a.txt", "text/plain", b"a\x00b"),
        ("a.pdf", "application/pdf", b""),
    ]:
        with pytest.raises(Invalid) as refused:
            evidence_rules.accept_evidence(filename, declared, data)
        assert list(refused.value.errors) == ["file"]


def test_evidence_is_at_most_ten_mib() -> None:
    evidence_rules.accept_evidence("a.txt", "text/plain", b"a" * evidence_rules.MAX_EVIDENCE_BYTES)
    with pytest.raises(evidence_rules.TooLarge) as refused:
        evidence_rules.accept_evidence(
            "a.txt", "text/plain", b"a" * (evidence_rules.MAX_EVIDENCE_BYTES + 1)
        )
    assert refused.value.status == 413 and list(refused.value.errors) == ["file"]


@given(st.binary(min_size=1, max_size=256))
def test_stored_evidence_is_served_only_while_it_matches_its_hash(data: bytes) -> None:
    recorded = evidence_rules.sha256(data)
    evidence_rules.check_intact(1, data, recorded)
    with pytest.raises(evidence_rules.Corrupted):
        evidence_rules.check_intact(1, data + b"!", recorded)


def test_every_refusal_of_findings_and_visits_names_its_field_and_rule() -> None:
    from services.inspection.handlers import (
        finding_evidence,
        finding_rectification,
        findings,
        guidance_visits,
    )
    from tests.unit.test_inspection_draws import unnamed_refusals

    modules = (findings, finding_evidence, finding_rectification, guidance_visits)
    for module in (*DOMAIN_MODULES, *modules):
        assert unnamed_refusals(module) == [], module.__name__
