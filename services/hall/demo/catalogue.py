"""The demo hall's reference data: units, halls, matters, window texts (docs/demo.md)."""

from __future__ import annotations

from typing import Any

TJ_UNITS = [
    ("tj-heping", "和平区行政审批中心 Heping Administrative Approval Center", "和平区 Heping"),
    ("tj-hexi", "河西区政务服务中心 Hexi Government Service Center", "河西区 Hexi"),
    ("tj-nankai", "南开区政务服务中心 Nankai Government Service Center", "南开区 Nankai"),
    ("tj-binhai", "滨海新区行政审批局 Binhai New Area Approval Bureau", "滨海新区 Binhai"),
    ("tj-xiqing", "西青区政务服务中心 Xiqing Government Service Center", "西青区 Xiqing"),
    ("tj-teda", "天津经济技术开发区综合服务中心 TEDA Service Center", "开发区 TEDA"),
]
EQ_UNITS = [
    ("eq-market", "区市场监督管理局 Market Supervision Bureau"),
    ("eq-housing", "区住房和城乡建设局 Housing and Construction Bureau"),
    ("eq-hrss", "区人力资源和社会保障局 Human Resources and Social Security Bureau"),
    ("eq-police", "区公安分局 Public Security Sub-bureau"),
    ("eq-archives", "区档案局 Archives Bureau"),
    ("eq-ethnic", "区民族宗教事务局 Ethnic and Religious Affairs Bureau"),
    ("eq-science", "区科技局 Science and Technology Bureau"),
    ("eq-weather", "区气象局 Meteorological Bureau"),
    ("eq-education", "区教育局 Education Bureau"),
    ("eq-tax", "区税务局 Taxation Bureau"),
]
HALLS = [
    {
        "code": "tj-hall",
        "name_zh": "天津市外国人来华工作许可服务大厅",
        "name_en": "Tianjin Foreign Work Permit Service Hall",
        "address": "天津市河西区友谊路 32 号 · 32 Youyi Road, Hexi, Tianjin",
        "hours": "周一至周五 9:00–12:00, 13:30–17:00 · Mon–Fri",
        "phone": "022-2301 2345",
    },
    {
        "code": "eq-erqi",
        "name_zh": "郑州市二七区行政服务中心",
        "name_en": "Erqi District Administrative Service Center, Zhengzhou",
        "address": "郑州市二七区赣江路（端午路）与行云路交叉口东北角 · NE corner of Ganjiang Rd "
        "and Xingyun Rd, Erqi, Zhengzhou",
        "hours": "周一至周五 8:30–12:00, 14:00–17:30 · Mon–Fri",
        "phone": "0371-6812 3456",
    },
]


EXTENSION_NOTE = "延长须书面告知申请人理由 · extended with written reasons to the applicant"


def _matter(
    name_zh: str,
    name_en: str,
    legal: int,
    promised: int,
    *,
    kind: str = "promised",
    type: str = "licensing",
    extension: int = 0,
    basis: str,
    unit: str | None = None,
    visits: int = 1,
) -> dict[str, Any]:
    return {
        "name_zh": name_zh,
        "name_en": name_en,
        "type": type,
        "case_kind": kind,
        "legal_limit_days": legal,
        "promised_limit_days": promised,
        "extension_days": extension,
        "extension_note": EXTENSION_NOTE if extension else "",
        "materials": [
            {"name_zh": "申请表", "name_en": "Application form", "required": True, "copies": 1},
            {"name_zh": "身份证明", "name_en": "Proof of identity", "required": True, "copies": 1},
            {
                "name_zh": "其他证明材料",
                "name_en": "Other supporting documents",
                "required": False,
                "copies": 1,
            },
        ],
        "flow": ["受理 Acceptance", "审查 Review", "决定 Decision", "送达 Delivery"],
        "visits": visits,
        "fees": "免费 Free",
        "legal_basis": basis,
        "unit_code": unit,
    }


PERMIT_BASIS = "《外国人在中国就业管理规定》· Rules on the Employment of Foreigners in China"
TJ_MATTERS = {
    "tj-permit-long": _matter(
        "外国人来华工作许可（90日以上）",
        "Work permit for foreigners, more than 90 days",
        20,
        10,
        extension=10,
        basis=PERMIT_BASIS,
    ),
    "tj-permit-short": _matter(
        "外国人来华工作许可（90日以下）",
        "Work permit for foreigners, 90 days or less",
        5,
        5,
        basis=PERMIT_BASIS,
    ),
    "tj-permit-extend": _matter(
        "外国人工作许可证延期", "Work permit extension", 10, 5, basis=PERMIT_BASIS
    ),
    "tj-permit-change": _matter(
        "外国人工作许可证变更", "Work permit change", 10, 5, basis=PERMIT_BASIS
    ),
    "tj-permit-cancel": _matter(
        "外国人工作许可证注销", "Work permit cancellation", 10, 3, basis=PERMIT_BASIS
    ),
    "tj-permit-replace": _matter(
        "外国人工作许可证补办", "Work permit replacement", 10, 5, basis=PERMIT_BASIS
    ),
}
EQ_MATTERS = {
    "eq-company-registration": _matter(
        "企业设立登记",
        "Company registration",
        15,
        3,
        basis="《市场主体登记管理条例》",
        unit="eq-market",
    ),
    "eq-food-licence": _matter(
        "食品经营许可",
        "Food business licence",
        20,
        10,
        extension=10,
        basis="《食品经营许可管理办法》",
        unit="eq-market",
    ),
    "eq-construction-permit": _matter(
        "建筑工程施工许可",
        "Construction permit",
        15,
        7,
        basis="《建筑工程施工许可管理办法》",
        unit="eq-housing",
    ),
    "eq-social-insurance": _matter(
        "社会保险登记",
        "Social insurance registration",
        5,
        0,
        kind="on_the_spot",
        type="public_service",
        basis="《社会保险法》",
        unit="eq-hrss",
    ),
    "eq-household": _matter(
        "户口迁移",
        "Household registration transfer",
        20,
        10,
        type="confirmation",
        basis="《户口登记条例》",
        unit="eq-police",
    ),
    "eq-archives-query": _matter(
        "档案查询",
        "Archives query",
        5,
        0,
        kind="on_the_spot",
        type="public_service",
        basis="《档案法》",
        unit="eq-archives",
    ),
    "eq-religious-venue": _matter(
        "宗教活动场所筹备设立审批",
        "Religious venue preparation",
        30,
        20,
        basis="《宗教事务条例》",
        unit="eq-ethnic",
    ),
    "eq-tech-enterprise": _matter(
        "科技型企业认定",
        "Tech enterprise recognition",
        20,
        15,
        type="confirmation",
        basis="科技部认定办法",
        unit="eq-science",
    ),
    "eq-lightning": _matter(
        "防雷装置设计审核",
        "Lightning protection design review",
        20,
        10,
        kind="joint",
        basis="《气象灾害防御条例》",
        unit="eq-weather",
    ),
    "eq-enrolment": _matter(
        "义务教育入学登记",
        "Compulsory education enrolment",
        10,
        5,
        type="public_service",
        basis="《义务教育法》",
        unit="eq-education",
    ),
    "eq-tax-assist": _matter(
        "个人所得税汇算清缴辅导",
        "Individual income tax annual filing help",
        1,
        0,
        kind="on_the_spot",
        type="public_service",
        basis="《个人所得税法》",
        unit="eq-tax",
    ),
}


def window_details(address: str, phone: str) -> dict[str, str]:
    return {
        "address": address,
        "phone": phone,
        "hours": "周一至周五 9:00–17:00 · Mon–Fri 9:00–17:00",
        "service_standards": "一次告知、限时办结、首问负责 · one-time notification, time-limited "
        "completion, first-inquiry responsibility",
        "code_of_conduct": "文明服务、廉洁办事、不推诿 · courteous, clean, no buck-passing",
        "performance_assessment": "每年考核，结果公开 · assessed yearly, results published",
        "complaint_channel": "12345 热线 / 大厅投诉台 · 12345 hotline or the hall's complaint desk",
        "emergency_plan": "系统故障时启用备用窗口 · backup window during outages",
    }


EVIDENCE = {
    "demand": "辖区外籍从业人员约 3,000 人 · about 3,000 foreign employees served",
    "staffing": "2 名持执法证公务员 · two civil servants with law-enforcement certificates",
    "funding": "区财政预算 · district budget",
    "equipment": "专用电脑 2 台、打印机、政务外网 · two PCs, printer, e-government network",
    "district_consent": "区政府同意函 · district government consent letter",
}
