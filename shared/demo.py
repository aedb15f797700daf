"""Demo data (../shared/DEMO.md), loaded through the public HTTP API like any client would.

Only what the services can hold so far: the units of both demo halls. Each later issue adds its
part (windows, matters, staff, cases, evaluations).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.test import Client

from shared import auth

if TYPE_CHECKING:
    from shared.embedded import Hall

UNITS = [
    # Hall 1, Tianjin: direct supervising units of the foreign-work-permit windows (seed 000).
    ("tj-heping", "和平区行政审批中心 Heping Administrative Approval Center", "和平区 Heping"),
    ("tj-hexi", "河西区政务服务中心 Hexi Government Service Center", "河西区 Hexi"),
    ("tj-nankai", "南开区政务服务中心 Nankai Government Service Center", "南开区 Nankai"),
    ("tj-binhai", "滨海新区行政审批局 Binhai New Area Approval Bureau", "滨海新区 Binhai"),
    ("tj-xiqing", "西青区政务服务中心 Xiqing Government Service Center", "西青区 Xiqing"),
    ("tj-teda", "天津经济技术开发区综合服务中心 TEDA Service Center", "开发区 TEDA"),
    # Hall 2, Zhengzhou Erqi District administrative service center (seed 002).
    ("eq-market", "区市场监督管理局 Market Supervision Bureau", "二七区 Erqi"),
    ("eq-housing", "区住房和城乡建设局 Housing and Construction Bureau", "二七区 Erqi"),
    ("eq-hrss", "区人力资源和社会保障局 Human Resources and Social Security Bureau", "二七区 Erqi"),
    ("eq-police", "区公安分局 Public Security Sub-bureau", "二七区 Erqi"),
    ("eq-archives", "区档案局 Archives Bureau", "二七区 Erqi"),
    ("eq-ethnic", "区民族宗教事务局 Ethnic and Religious Affairs Bureau", "二七区 Erqi"),
    ("eq-science", "区科技局 Science and Technology Bureau", "二七区 Erqi"),
    ("eq-weather", "区气象局 Meteorological Bureau", "二七区 Erqi"),
]


def load(hall: Hall) -> int:
    """Register the demo units; returns how many were new (a second run adds nothing)."""
    secret = hall.runtime("registry").settings.jwt_secret
    token = auth.issue_token(secret, role="authority", sub="demo-loader")
    client = Client(hall.wsgi())
    added = 0
    for code, name, district in UNITS:
        response = client.post(
            "/registry/api/v1/units",
            json={"code": code, "name": name, "district": district},
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code == 201:
            added += 1
        elif response.status_code != 409:
            raise RuntimeError(
                f"demo unit {code}: {response.status_code} {response.get_data(True)}"
            )
    return added
