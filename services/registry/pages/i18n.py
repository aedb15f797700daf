"""The public pages' UI strings in Chinese and English, and how a page picks its language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT = "zh"
LANGUAGES = ("zh", "en")
HTML_LANG = {"zh": "zh-CN", "en": "en"}
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}

LABELS: dict[str, tuple[str, str]] = {
    "site_name": ("政务服务大厅", "Government Service Hall"),
    "directory": ("窗口目录", "Window directory"),
    "directory_intro": (
        "公开的服务窗口、办理事项与办事指南。",
        "The hall's published windows, the matters they handle and the guides.",
    ),
    "attention": ("请注意：", "Please note:"),
    "skip_link": ("跳到主要内容", "Skip to main content"),
    "main_nav": ("主导航", "Main navigation"),
    "language_nav": ("语言", "Language"),
    "switch_language": ("切换语言", "Switch language"),
    "footer_text": (
        "依规公开：窗口、办理事项、办事指南、流程与时限。",
        "Published by rule: windows, matters, guides, process flows and time limits.",
    ),
    # search
    "search": ("查找窗口", "Find a window"),
    "q": ("事项或窗口名称", "Matter or window name"),
    "matter_type": ("事项类型", "Matter type"),
    "window_type": ("窗口类型", "Window type"),
    "district": ("所在区", "District"),
    "any": ("全部", "All"),
    "submit_search": ("查找", "Search"),
    "clear_search": ("清除条件", "Clear"),
    # the list
    "windows": ("窗口", "Windows"),
    "windows_found": ("找到 {n} 个窗口", "{n} window(s) found"),
    "no_windows": ("没有符合条件的窗口。", "No window matches."),
    "next_page": ("下一页", "Next page"),
    "guides": ("办事指南", "Matter guides"),
    "no_guides": ("暂无办事指南。", "No guides yet."),
    "notices": ("大厅停业与迁址公告", "Hall closures and moves"),
    "notice_from": ("自 {start} 起", "From {start}"),
    "notice_between": ("{start} 至 {end}", "{start} to {end}"),
    "new_address": ("新地址：{address}", "New address: {address}"),
    "notice_unchanged": (
        "咨询电话、办理事项和流程不变。",
        "Phone numbers, matters and processes stay the same.",
    ),
    # a window
    "type": ("类型", "Type"),
    "unit": ("单位", "Unit"),
    "co_units": ("共用单位", "Shared with"),
    "address": ("地址", "Address"),
    "phone": ("电话", "Phone"),
    "hours": ("办公时间", "Opening hours"),
    "status": ("状态", "Status"),
    "open": ("正在受理", "Open"),
    "closed": ("暂不受理", "Closed"),
    "suspended": (
        "本窗口已暂停服务，暂不受理申请。",
        "This window is suspended and takes no applications for now.",
    ),
    "seasonal_months": ("开放月份", "Open in months"),
    "month": ("{m} 月", "{m}"),
    "matters": ("办理事项", "Matters handled"),
    "no_matters": ("暂无委托办理的事项。", "No matters delegated at present."),
    "details": ("窗口信息", "About this window"),
    "staff": ("在岗人员", "Staff on duty"),
    "staff_name": ("姓名", "Name"),
    "staff_post": ("岗位", "Post"),
    "staff_role": ("A/B 岗", "A/B role"),
    "no_staff": ("暂无公布的在岗人员。", "No staff on duty published yet."),
    "standards": ("服务规范", "Service standards and commitments"),
    "service_standards": ("服务标准", "Service standards"),
    "code_of_conduct": ("行为规范", "Code of conduct"),
    "performance_assessment": ("绩效考核", "Performance assessment"),
    "complaint_channel": ("投诉渠道", "Complaints"),
    "emergency_plan": ("应急预案", "Emergency plan"),
    "hall": ("所在大厅", "Hall"),
    "hall_name": ("大厅名称", "Name"),
    "back_to_directory": ("返回窗口目录", "Back to the directory"),
    # a guide
    "guide": ("办事指南", "Guide"),
    "version_note": ("第 {v} 版，{date} 发布", "Version {v}, published {date}"),
    "old_version": (
        "这是较早的版本，按当时发布的内容显示。",
        "This is an earlier version, shown exactly as it was published.",
    ),
    "current_version": ("查看现行版本", "See the current version"),
    "versions": ("历史版本", "All versions"),
    "version_n": ("第 {v} 版", "Version {v}"),
    "basics": ("基本信息", "Overview"),
    "case_kind": ("办件类型", "Kind of case"),
    "legal_limit": ("法定办结时限", "Legal time limit"),
    "promised_limit": ("承诺办结时限", "Promised time limit"),
    "workdays": ("{n} 个工作日", "{n} working day(s)"),
    "on_the_spot": ("当场办结", "Completed on the spot"),
    "extension": ("延长办理", "Extension"),
    "extendable": (
        "可延长 {n} 个工作日：{note}",
        "May be extended by {n} working day(s): {note}",
    ),
    "not_extendable": ("不可延长", "Not extendable"),
    "visits": ("到现场次数", "Visits to the hall"),
    "visits_n": ("最多 {n} 次", "At most {n}"),
    "fees": ("收费", "Fees"),
    "legal_basis": ("设定依据", "Legal basis"),
    "description": ("说明", "Description"),
    "materials": ("申请材料", "Materials"),
    "material": ("材料名称", "Material"),
    "required": ("是否必需", "Required"),
    "required_yes": ("必需", "Required"),
    "required_no": ("可选", "Optional"),
    "copies": ("份数", "Copies"),
    "note": ("备注", "Note"),
    "flow": ("办理流程", "Process flow"),
    "forms": ("表格下载", "Forms to download"),
    "no_forms": ("本事项无需下载表格。", "No forms to download for this matter."),
    "download": ("下载：{name}", "Download: {name}"),
    "handled_at": ("办理窗口", "Windows that handle it"),
    "no_windows_for_matter": ("暂无公布的办理窗口。", "No published window handles it yet."),
    # errors
    "not_found": ("页面不存在", "Page not found"),
    "not_found_text": (
        "没有找到您要的窗口或办事指南，它可能尚未公布或已撤销。",
        "The window or guide you asked for was not found. It may not be published yet, or it "
        "may have been withdrawn.",
    ),
}

VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "window_type": {
        "permanent": ("常设窗口", "Permanent"),
        "comprehensive": ("综合窗口", "Comprehensive"),
        "emergency": ("应急窗口", "Emergency"),
        "seasonal": ("季节性窗口", "Seasonal"),
    },
    "matter_type": {
        "licensing": ("行政许可", "Administrative licensing"),
        "confirmation": ("行政确认", "Administrative confirmation"),
        "public_service": ("公共服务", "Public service"),
        "other": ("其他审批类", "Other approval"),
    },
    "case_kind": {
        "on_the_spot": ("即办件", "On the spot"),
        "promised": ("承诺件", "Promised"),
        "joint": ("联办件", "Joint"),
        "forwarded": ("上报件", "Forwarded"),
    },
    "role": {
        "A": ("A 岗（主办）", "A (principal)"),
        "B": ("B 岗（替岗）", "B (stand-in)"),
    },
    "notice_kind": {
        "closure": ("停业", "Closure"),
        "move": ("迁址", "Move"),
    },
}


class Labels:
    """The UI strings of one language, for templates: `t("key", n=3)`, `t.of("role", "A")`."""

    def __init__(self, lang: str) -> None:
        self.index = LANGUAGES.index(lang)

    def __call__(self, key: str, **values: Any) -> str:
        return LABELS[key][self.index].format(**values)

    def of(self, kind: str, value: Any) -> str:
        # An unknown value is shown as it is rather than as nothing.
        pair = VALUES[kind].get(str(value))
        return pair[self.index] if pair else str(value)

    def options(self, kind: str) -> list[tuple[str, str]]:
        return [(value, pair[self.index]) for value, pair in VALUES[kind].items()]


def choose(asked: str | None, accept: Any) -> str:
    """`?lang=` wins; else the browser's Accept-Language; else Chinese."""
    if asked in LANGUAGES:
        return asked
    best = accept.best_match(["zh", "en"]) if accept else None
    return str(best) if best in LANGUAGES else DEFAULT


def other(lang: str) -> str:
    return "en" if lang == "zh" else "zh"


def localized(item: Mapping[str, Any] | Any, field: str, lang: str) -> str:
    """`item.<field>_<lang>`, or the other language's text where this one is empty."""
    first, second = f"{field}_{lang}", f"{field}_{other(lang)}"
    if isinstance(item, Mapping):
        return str(item.get(first) or item.get(second) or "")
    return str(getattr(item, first, "") or getattr(item, second, "") or "")
