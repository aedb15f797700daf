"""Who is told of which event. Recipients are inbox keys: a role (`authority`, `center`,
`inspector`), a unit (`unit:<code>`), a district (`district:<name>`) or an integrator
(`integrator:<sub>`, the owner of a webhook subscription). Every routed type has an
e-mail template per language; a type nobody is told of is in `silence.SILENT`, with the reason."""

from __future__ import annotations

from typing import Any

from services.notification.domain import routes_inspection, routes_notification
from services.notification.domain.route import Notice, Route, Text, unit_and, window_title

D = dict[str, Any]


def _because(text: Text) -> Text:
    """The title, and the reason the event gives when it gives one."""
    return lambda d: text(d) + (f": {d['reason']}" if d["reason"] else "")


def _agreement(d: D) -> str:
    return (
        f"#{d['agreement_id']} (window #{d['window_id']}), {d['starts_on']} to {d['ends_on']}, "
        f"{len(d['matters'])} matters"
    )


def _case(d: D) -> str:
    return f"case {d['receipt_number']} ({d['matter_code']}, window #{d['window_id']})"


WARNINGS = {"yellow": "黄灯预警 Yellow warning", "red": "红灯警告 Red warning, overdue"}


def _absence(d: D) -> str:
    late = " (事后补报 reported late)" if d["late"] else ""
    return (
        f"{d['name']} {d['starts_on']}–{d['ends_on']} (post #{d['post_id']}, "
        f"window #{d['window_id']}){late}"
    )


DECIDED = {"approved": "轮岗申请已批准", "rejected": "轮岗申请未批准", "lapsed": "轮岗已失效"}


def _rotation(d: D) -> str:
    other = f" with {d['other_staff_id']}" if d.get("other_staff_id") else ""
    return (
        f"#{d['rotation_id']}: {d['kind']} of {d['staff_id']}{other} ({d['unit_code']}), "
        f"effective {d['effective_on']}"
    )


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
    "govhall.registry.window.inspected.v1": Route(
        unit_and(), window_title("窗口现场核查通过", "Window passed the site inspection")
    ),
    "govhall.registry.window.reviewed.v1": Route(
        unit_and(), window_title("窗口评审通过", "Window passed the review")
    ),
    "govhall.registry.window.rejected.v1": Route(
        unit_and("center"), _because(window_title("窗口设立未通过", "Window application rejected"))
    ),
    "govhall.registry.window.approved.v1": Route(
        unit_and(), window_title("窗口设立确认函已出具", "Window approved, letter issued")
    ),
    "govhall.registry.window.agreed.v1": Route(
        unit_and(), window_title("窗口委托协议已签订", "Window agreement signed")
    ),
    "govhall.registry.window.opened.v1": Route(
        lambda d: ("center",), _because(window_title("窗口开放", "Window opened"))
    ),
    "govhall.registry.window.closed.v1": Route(
        lambda d: ("center",), _because(window_title("窗口关闭", "Window closed"))
    ),
    "govhall.registry.window.details_changed.v1": Route(
        lambda d: ("center",), window_title("窗口信息已变更", "Window details changed")
    ),
    "govhall.registry.agreement.signed.v1": Route(
        unit_and(), lambda d: f"委托协议已签订 Agreement signed: {_agreement(d)}"
    ),
    "govhall.registry.agreement.renewed.v1": Route(
        unit_and(), lambda d: f"委托协议已续签 Agreement renewed: {_agreement(d)}"
    ),
    # EQ-4.5: announced in advance; the center runs the hall, the authority oversees it.
    "govhall.registry.hall_notice.announced.v1": Route(
        lambda d: ("center", "authority"),
        lambda d: (
            f"{'大厅搬迁 Hall moves' if d['kind'] == 'move' else '大厅闭厅 Hall closes'}: "
            f"{d['hall_code']} from {d['starts_on']}"
            + (f" to {d['ends_on']}" if d.get("ends_on") else "")
            + (f", to {d['new_address']}" if d["new_address"] else "")
        ),
    ),
    # EQ-1.4: electronic supervision warns the unit handling the case and the center.
    "govhall.registry.case.warned.v1": Route(
        unit_and("center"),
        lambda d: (
            f"{WARNINGS.get(d['level'], '电子监察预警 Warning')}: {_case(d)}, due {d['due_on']}"
        ),
    ),
    "govhall.registry.case.stage_overran.v1": Route(
        unit_and(),
        lambda d: (
            f"环节超时 Step overran: {_case(d)} at {d['stage']}"
            + (f": {d['detail']}" if d["detail"] else "")
        ),
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
    # EQ-3.2.5: the chief representative approves; staff have no inbox, their unit does.
    "govhall.staffing.absence.reported.v1": Route(
        unit_and(), lambda d: f"请假待审批 Absence to approve: {_absence(d)}"
    ),
    "govhall.staffing.absence.rejected.v1": Route(
        unit_and(), lambda d: f"请假未批准 Absence not approved: {_absence(d)}"
    ),
    # EQ-3.2.3: the center decides rotations and swaps.
    "govhall.staffing.rotation.applied.v1": Route(
        lambda d: ("center",), lambda d: f"轮岗申请待审批 Rotation to decide {_rotation(d)}"
    ),
    "govhall.staffing.rotation.decided.v1": Route(
        unit_and(),
        lambda d: (
            f"{DECIDED.get(d['status'], '轮岗申请已处理')} Rotation {d['status']} {_rotation(d)}"
        ),
    ),
    # EQ-4.2: the unit answers for its seal; the center supervises the hall.
    "govhall.staffing.seal.misuse_attempted.v1": Route(
        unit_and("center"),
        lambda d: (
            f"印章违规使用被拒 Seal misuse refused: seal #{d['seal_id']}, staff {d['staff_id']}, "
            f"case {d['case_number']} ({d.get('refusal') or 'refused'}, EQ-4.2)"
        ),
    ),
    "govhall.staffing.staff.registered.v1": Route(
        lambda d: ("center",),
        lambda d: f"新派驻人员 Staff registered: {d['name']} ({d['staff_id']}) of {d['unit_code']}",
    ),
    # EQ-3.1a: the exception to the age rule is the center's to approve.
    "govhall.staffing.staff.age_exception_requested.v1": Route(
        lambda d: ("center",),
        lambda d: (
            f"超龄派驻待批准 Age exception to decide: {d['name']} ({d['staff_id']}) of "
            f"{d['unit_code']}" + (f": {d['detail']}" if d["detail"] else "")
        ),
    ),
    "govhall.staffing.staff.age_exception_approved.v1": Route(
        unit_and(),
        lambda d: (
            f"超龄派驻已批准 Age exception approved: {d['name']} ({d['staff_id']})"
            + (f": {d['detail']}" if d["detail"] else "")
        ),
    ),
    "govhall.staffing.chief_representative.appointed.v1": Route(
        lambda d: ("center",),
        lambda d: (
            f"首席代表已任命 Chief representative appointed: {d['name']} ({d['staff_id']}) "
            f"of {d['unit_code']} from {d['starts_on']}"
        ),
    ),
    "govhall.staffing.replacement.named.v1": Route(
        lambda d: ("center",),
        lambda d: (
            f"已补派人员 Replacement named: {d.get('replacement_staff_id') or '—'} for "
            f"{d['name'] or d['staff_id']} ({d['unit_code']})"
        ),
    ),
    "govhall.staffing.assessment.grade_changed.v1": Route(
        unit_and(),
        lambda d: (
            f"考核等次调整 Grade changed {d['year']}: {d['name']} {d.get('before') or '—'} → "
            f"{d['grade']}"
            + (f" ({d['kind']})" if d["kind"] else "")
            + (f": {d['reason']}" if d["reason"] else "")
        ),
    ),
}


ROUTES.update(routes_inspection.ROUTES)
ROUTES.update(routes_notification.ROUTES)


def notices_for(event_type: str, data: dict[str, Any]) -> list[Notice]:
    route = ROUTES.get(event_type)
    if route is None:
        return []
    title = route.title(data)
    return [Notice(recipient=recipient, title=title) for recipient in route.recipients(data)]


# They oversee the hall: they read any inbox they name, a district's included (no token is a
# district's: its notices of sanctioned windows would otherwise be read by nobody).
OVERSEERS = ("authority", "center")


def own_inbox(role: str, unit: str | None, sub: str | None = None) -> str:
    if role == "unit":
        return f"unit:{unit}"
    if role == "integrator":
        return f"integrator:{sub}"
    return role


def inbox_keys(
    role: str, unit: str | None, recipient: str | None = None, *, sub: str | None = None
) -> tuple[str, ...]:
    """The inboxes a caller reads: its own (a unit token only its own unit's, an integrator only
    its own), or the one it names if it may read that one; none if it may not."""
    own = own_inbox(role, unit, sub)
    if recipient is None or recipient == own:
        return (own,)
    return (recipient,) if role in OVERSEERS else ()
