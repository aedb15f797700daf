"""Who is told of which event. Recipients are inbox keys: a role (`authority`, `center`) or a
unit (`unit:<code>`). Templates per channel and language come with the notification issue."""

from __future__ import annotations

from typing import Any

from services.notification.domain import routes_inspection
from services.notification.domain.route import Notice, Route, unit_and, window_title

ROUTES: dict[str, Route] = {
    "govhall.registry.unit.registered.v1": Route(
        recipients=lambda data: ("authority", f"unit:{data['code']}"),
        title=lambda data: f"新单位已登记 Unit registered: {data['name']} ({data['district']})",
    ),
    "govhall.registry.window.applied.v1": Route(
        unit_and("authority"), window_title("窗口设立申请", "Window application received")
    ),
    "govhall.registry.window.published.v1": Route(
        unit_and("center"), window_title("窗口已公布", "Window published")
    ),
    "govhall.registry.window.suspended.v1": Route(
        unit_and("center", "authority"), window_title("窗口业务暂停", "Window suspended")
    ),
    "govhall.registry.window.reinstated.v1": Route(
        unit_and("center", "authority"), window_title("窗口恢复业务", "Window reinstated")
    ),
    "govhall.registry.window.terminated.v1": Route(
        unit_and("center", "authority"), window_title("窗口职能终止", "Window terminated")
    ),
    "govhall.registry.window.revocation_requested.v1": Route(
        unit_and("authority"), window_title("窗口撤销申请", "Window revocation requested")
    ),
    "govhall.registry.window.revoked.v1": Route(
        unit_and("center"), window_title("窗口已撤销", "Window revoked")
    ),
    # EQ-2.2b: the unit is told to come to the comprehensive window and accept the materials.
    "govhall.registry.window.materials_received.v1": Route(
        recipients=lambda d: (f"unit:{d['unit_code']}",),
        title=lambda d: (
            f"综合窗口代收材料，请到厅受理 Materials received for you at window "
            f"#{d['window_id']}: {d['matter_code']} ({d['applicant']})"
        ),
    ),
    "govhall.registry.agreement.renewal_due.v1": Route(
        unit_and("authority"),
        lambda d: (
            f"委托协议即将到期 Agreement #{d['agreement_id']} expires on {d['ends_on']} "
            f"({d['days_left']} days)"
        ),
    ),
    "govhall.registry.agreement.expired.v1": Route(
        unit_and("authority", "center"),
        lambda d: f"委托协议已到期 Agreement #{d['agreement_id']} expired on {d['ends_on']}",
    ),
    # EQ-3.2.5: B is told to cover, through B's unit (staff have no inbox of their own).
    "govhall.staffing.absence.approved.v1": Route(
        recipients=lambda d: (f"unit:{d['unit_code']}",),
        title=lambda d: (
            f"{d.get('cover_name') or '无人'} 顶岗 {d['name']} {d['starts_on']}–{d['ends_on']} · "
            f"{d.get('cover_name') or 'nobody'} covers for {d['name']} from {d['starts_on']} "
            f"to {d['ends_on']} (post #{d['post_id']}, window #{d['window_id']})"
        ),
    ),
    "govhall.staffing.post.uncovered.v1": Route(
        unit_and("center"),
        lambda d: (
            f"岗位无人在岗 Post uncovered: {d['post']} (window #{d['window_id']}) on {d['on']}: "
            f"{d['detail']}"
        ),
    ),
    "govhall.staffing.staff.returned.v1": Route(
        recipients=lambda d: (f"unit:{d['unit_code']}",),
        title=lambda d: (
            f"工作人员被退回 Staff returned: {d.get('name') or d['staff_id']} ({d['reason']}); "
            f"name a replacement by {d['replacement_due_on']}"
        ),
    ),
    # EQ-3.2.4 with EQ-4.2: the office and the seal's custody are vacant until the unit appoints.
    "govhall.staffing.chief_representative.vacated.v1": Route(
        unit_and("center"),
        lambda d: (
            f"首席代表职位空缺 Office vacated: {d['name']} ({d['office']}) on {d['on']}: "
            f"{d['reason']}; appoint again to keep the seal"
        ),
    ),
    "govhall.staffing.replacement.overdue.v1": Route(
        unit_and("center"),
        lambda d: (
            f"未按期补派人员 Replacement overdue: for {d.get('name') or d['staff_id']}, "
            f"due {d['replacement_due_on']}"
        ),
    ),
    # EQ-3.2.2d: the home unit hears of excellent (promotion priority) and incompetent (no award).
    "govhall.staffing.assessment.grade_recorded.v1": Route(
        recipients=lambda d: (f"unit:{d['unit_code']}",),
        title=lambda d: (
            f"{d['year']} 年度考核 Assessment {d['year']}: {d['name']} {d['grade']}: {d['reason']}"
        ),
    ),
    "govhall.staffing.assessment.opened.v1": Route(
        recipients=lambda d: ("authority", "center"),
        title=lambda d: f"年度考核已启动 Assessment {d['year']} opened: {d['assessed']} staff",
    ),
    "govhall.staffing.assessment.finalised.v1": Route(
        recipients=lambda d: ("authority", "center"),
        title=lambda d: (
            f"年度考核已定档 Assessment {d['year']} final: {d['assessed']} staff, "
            f"{d['grades'].get('excellent', 0)} excellent (quota {d['quota']})"
        ),
    ),
    "govhall.staffing.assessment.appeal_filed.v1": Route(
        recipients=lambda d: ("center",),
        title=lambda d: (
            f"考核申诉 Appeal #{d['appeal_id']} against {d['grade']} for {d['staff_id']} "
            f"({d['unit_code']}): {d['reason']}"
        ),
    ),
    "govhall.staffing.assessment.appeal_decided.v1": Route(
        recipients=lambda d: (f"unit:{d['unit_code']}",),
        title=lambda d: (
            f"申诉结果 Appeal #{d['appeal_id']} {d['status']}: {d['staff_id']} is {d['grade']} "
            f"({d['reason']})"
        ),
    ),
}


ROUTES.update(routes_inspection.ROUTES)


def notices_for(event_type: str, data: dict[str, Any]) -> list[Notice]:
    route = ROUTES.get(event_type)
    if route is None:
        return []
    title = route.title(data)
    return [Notice(recipient=recipient, title=title) for recipient in route.recipients(data)]


def inbox_keys(role: str, unit: str | None) -> tuple[str, ...]:
    """The inboxes a caller reads: a unit token only its own unit's."""
    return (f"unit:{unit}",) if role == "unit" else (role,)
