"""Who is told of inspection's events (TJ-7.2, TJ-7.4, TJ-7.5, TJ-8.3).

An unannounced spot check reaches the authority and the inspectors only, never the unit or the
center before the check. No title carries the public's names or phones: the events have none.
"""

from __future__ import annotations

from typing import Any

from services.notification.domain.route import Route, unit_and

D = dict[str, Any]


def _draw_recipients(d: D) -> tuple[str, ...]:
    if d["kind"] != "sampling":  # a spot check is a surprise to the unit (TJ-7.4)
        return ("authority", "inspector")
    return ("authority", "inspector", "center", *(f"unit:{u}" for u in d["sampled_units"]))


def _draw_title(d: D) -> str:
    kind = (
        "比例抽检已摇号 Cases drawn for sampling"
        if d["kind"] == "sampling"
        else ("随机抽查已摇号 Spot check drawn")
    )
    redrawn = f"; 重新摇号 redrawn: {d['reason']}" if d["round"] > 1 else ""
    return f"{kind}: plan #{d['plan_id']}, {d['selection_size']} of {d['population_size']}{redrawn}"


def _finding(d: D) -> str:
    return f"finding #{d['finding_id']} ({d['severity']}, {d['rule']}) at window #{d['window_id']}"


def _complaint(d: D) -> str:
    return f"{d['number']}: {d['name_zh']} / {d['name_en']} (#{d['window_id']})"


def _task(d: D) -> str:
    return f"#{d['rectification_id']} (window #{d['window_id']})"


SANCTION_TITLES = {
    "interview": "约谈记录 Interview recorded",
    "rectification": "整改通知 Notice and rectification order",
    "suspension": "窗口暂停受理 Window suspended",
    "termination": "窗口终止 Window terminated",
    "accountability": "问责 Accountability concluded",
}


def _sanction_recipients(d: D) -> tuple[str, ...]:
    """TJ-8.1: a notice and order goes to the window's district too; the ladder's heavier steps
    to the center, which runs the hall."""
    unit = f"unit:{d['unit_code']}"
    if d["kind"] == "interview":
        return (unit, "inspector")
    district = (f"district:{d['district']}",) if d.get("district") else ()
    if d["kind"] == "rectification":
        return (unit, "authority", *district)
    return (unit, "center", "authority", *district)


def _sanction_title(d: D) -> str:
    return (
        f"{SANCTION_TITLES.get(d['kind'], d['kind'])}: window #{d['window_id']} "
        f"({d['basis']}): {d['reason']}"
    )


def _order(d: D) -> str:
    return f"order #{d['order_id']} (window #{d['window_id']}, due {d['due_on']})"


ROUTES: dict[str, Route] = {
    "govhall.inspection.sanction.imposed.v1": Route(_sanction_recipients, _sanction_title),
    "govhall.inspection.sanction.lifted.v1": Route(
        unit_and("center", "authority"),
        lambda d: f"窗口恢复受理 Suspension lifted: window #{d['window_id']}: {d['reason']}",
    ),
    "govhall.inspection.sanction.corrected.v1": Route(
        unit_and("authority"),
        lambda d: (
            f"处理决定更正 Sanction corrected: #{d['corrects_id']} → #{d['sanction_id']} "
            f"({d['kind']}, window #{d['window_id']})"
        ),
    ),
    "govhall.inspection.sanction.proposed.v1": Route(
        lambda d: ("authority",),
        lambda d: (
            f"处罚建议待决定 Proposed for your decision: {d['kind']} of window "
            f"#{d['window_id']} ({d['basis']}, {d.get('rule_id') or 'rule'}): {d['reason']}"
        ),
    ),
    "govhall.inspection.proposal.settled.v1": Route(
        lambda d: ("inspector",),
        lambda d: (
            f"处罚建议已决定 Proposal #{d['proposal_id']} ({d['kind']}, window "
            f"#{d['window_id']}) {d['outcome']}"
        ),
    ),
    "govhall.inspection.accountability.opened.v1": Route(
        unit_and("authority"),
        lambda d: (
            f"问责案件已立案 Accountability case #{d['case_id']} opened: {d['kind']} "
            f"(TJ-8.3), staff {d['staff_id']}, with {d['district']}"
        ),
    ),
    "govhall.inspection.accountability.concluded.v1": Route(
        unit_and("authority"),
        lambda d: (
            f"问责案件已办结 Accountability case #{d['case_id']} concluded: {d['outcome']} "
            f"for staff {d['staff_id']} ({d['kind']}, TJ-8.3)"
        ),
    ),
    "govhall.inspection.order.reported.v1": Route(
        lambda d: ("authority",), lambda d: f"整改已报告 Rectification reported: {_order(d)}"
    ),
    "govhall.inspection.order.verified.v1": Route(
        lambda d: (f"unit:{d['unit_code']}",),
        lambda d: f"整改已核实 Rectification verified: {_order(d)}",
    ),
    "govhall.inspection.order.rejected.v1": Route(
        lambda d: (f"unit:{d['unit_code']}",),
        lambda d: f"整改未通过 Rectification rejected: {_order(d)}: {d.get('note') or ''}",
    ),
    "govhall.inspection.order.overdue.v1": Route(
        unit_and("authority"), lambda d: f"整改逾期 Rectification overdue: {_order(d)}"
    ),
    "govhall.inspection.inspector.registered.v1": Route(
        lambda d: ("authority",), lambda d: f"督查人员已登记 Inspector registered: {d['name']}"
    ),
    "govhall.inspection.inspector.changed.v1": Route(
        lambda d: ("authority",),
        lambda d: f"督查人员回避或状态已变更 Inspector's conflicts or status changed: {d['name']}",
    ),
    "govhall.inspection.sampling_plan.created.v1": Route(
        lambda d: ("authority", "inspector", "center"),
        lambda d: f"比例抽检计划已制定 Sampling plan #{d['plan_id']} made, drawn on {d['draw_on']}",
    ),
    "govhall.inspection.spot_check.planned.v1": Route(
        lambda d: ("authority", "inspector"),
        lambda d: f"随机抽查计划已制定 Spot check #{d['plan_id']} planned, drawn on {d['draw_on']}",
    ),
    "govhall.inspection.draw.made.v1": Route(_draw_recipients, _draw_title),
    "govhall.inspection.finding.recorded.v1": Route(
        lambda d: ("authority", "inspector", f"unit:{d['unit_code']}"),
        lambda d: (
            f"发现问题 Finding recorded: {d['severity']} breach of {d['rule']} at window "
            f"#{d['window_id']}: {d['summary']}"
        ),
    ),
    "govhall.inspection.finding.withdrawn.v1": Route(
        lambda d: ("authority", "inspector", f"unit:{d['unit_code']}"),
        lambda d: f"问题已撤销 Finding #{d['finding_id']} withdrawn: {d['reason']}",
    ),
    "govhall.inspection.guidance_visit.recorded.v1": Route(
        unit_and("authority", "center"),
        lambda d: (
            f"指导检查 Guidance visit to window #{d['window_id']} on {d['visited_on']}: "
            f"{d['summary']}"
        ),
    ),
    "govhall.inspection.finding.rectification_reported.v1": Route(
        lambda d: ("authority", "inspector"),
        lambda d: f"整改已报告 Rectification reported for {_finding(d)}",
    ),
    "govhall.inspection.finding.rectified.v1": Route(
        unit_and("authority"), lambda d: f"整改已通过 Rectification accepted: {_finding(d)}"
    ),
    "govhall.inspection.finding.rectification_rejected.v1": Route(
        unit_and("authority"),
        lambda d: (
            f"整改未通过 Rectification rejected: {_finding(d)}, new deadline {d['due_on']}: "
            f"{d.get('note') or ''}"
        ),
    ),
    "govhall.inspection.finding.rectification_overdue.v1": Route(
        unit_and("authority", "inspector", "center"),
        lambda d: f"整改逾期 Rectification overdue: {_finding(d)} was due {d['due_on']}",
    ),
    # TJ-7.5: a bad review opens a task for the unit: call the applicant back, rectify.
    "govhall.inspection.rectification.opened.v1": Route(
        unit_and("center"),
        lambda d: (
            f"差评整改 Bad-review rectification {_task(d)}: call back and rectify by "
            f"{d['due_on']} (TJ-7.5)"
        ),
    ),
    "govhall.inspection.rectification.reported.v1": Route(
        lambda d: ("center",),
        lambda d: (
            f"差评整改已报告 Rectification {_task(d)} reported by {d['unit_code']}: review it"
        ),
    ),
    "govhall.inspection.rectification.reopened.v1": Route(
        lambda d: (f"unit:{d['unit_code']}",),
        lambda d: f"差评整改被退回 Rectification {_task(d)} reopened: {d['note']}",
    ),
    "govhall.inspection.rectification.closed.v1": Route(
        lambda d: (f"unit:{d['unit_code']}",),
        lambda d: f"差评整改已办结 Rectification {_task(d)} {d['status']} {d['note']}".rstrip(),
    ),
    "govhall.inspection.rectification.overdue.v1": Route(
        unit_and("center"),
        lambda d: f"差评整改逾期 Rectification {_task(d)} overdue: due {d['due_on']} (TJ-7.5)",
    ),
    "govhall.inspection.evaluation_appeal.filed.v1": Route(
        lambda d: ("center",),
        lambda d: (
            f"差评申诉待裁定 Appeal #{d['appeal_id']} of evaluation #{d['evaluation_id']} "
            f"by {d['unit_code']} ({d['grounds']})"
        ),
    ),
    "govhall.inspection.evaluation_appeal.decided.v1": Route(
        lambda d: (f"unit:{d['unit_code']}",),
        lambda d: f"差评申诉已裁定 Appeal #{d['appeal_id']}: {d['status']}",
    ),
    "govhall.inspection.ranking.published.v1": Route(
        lambda d: ("center", "authority"),
        lambda d: f"窗口月度排名 Window ranking {d['month']} published ({d['windows']} windows)",
    ),
    "govhall.inspection.complaint.received.v1": Route(
        lambda d: ("center", "inspector"),
        lambda d: f"收到投诉 New complaint {_complaint(d)}, decide by {d['due_on']}",
    ),
    "govhall.inspection.complaint.assigned.v1": Route(
        lambda d: ("inspector",),
        lambda d: (
            f"投诉已分派 Complaint {d['number']} assigned to {d['handler']}, decide by "
            f"{d['due_on']}"
        ),
    ),
    "govhall.inspection.complaint.upheld.v1": Route(
        unit_and("center", "authority"),
        lambda d: (
            f"投诉属实 Complaint upheld: window #{d['window_id']}"
            + (f", staff {d['staff_id']}" if d.get("staff_id") else "")
            + (f" ({d['misconduct']}, TJ-8.3)" if d.get("misconduct") else "")
            + f": {d['summary']}"
        ),
    ),
    "govhall.inspection.complaint.dismissed.v1": Route(
        unit_and("center"),
        lambda d: f"投诉不属实 Complaint dismissed {_complaint(d)}: {d['reasons']}",
    ),
    "govhall.inspection.complaint.overdue.v1": Route(
        lambda d: ("center", "authority"),
        lambda d: (
            f"投诉逾期未办结 Complaint overdue {_complaint(d)}, due {d['due_on']}, "
            f"{d.get('handler') or '未分派 unassigned'}"
        ),
    ),
    "govhall.inspection.complaint.corrected.v1": Route(
        unit_and("center", "authority"),
        lambda d: (
            f"投诉处理结果更正 Complaint {d['number']} corrected {d['previous_outcome']} → "
            f"{d['outcome']} ({d['correction_number']}): {d['reasons']}"
        ),
    ),
}
