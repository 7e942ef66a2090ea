"""The two example rules of DOMAIN.md, as documents the secretariat can copy and then edit.

They are examples, labelled as such: every province sets its own criteria, bands and points.
"""

from __future__ import annotations

from typing import Any

COMPONENTS = [
    ("1", "Công tác chỉ đạo, điều hành CCHC"), ("2", "Cải cách thể chế"), ("3", "Cải cách thủ tục hành chính"),
    ("4", "Cải cách tổ chức bộ máy"), ("5", "Cải cách chế độ công vụ"), ("6", "Cải cách tài chính công"),
    ("7", "Xây dựng và phát triển chính quyền điện tử, chính quyền số"),
]


def _components(steering_max: str, others: list[str]) -> list[dict[str, Any]]:
    maxima = [steering_max, *others]
    return [{"number": int(n), "name": name, "max_points": m} for (n, name), m in zip(COMPONENTS, maxima)]


def _criteria(completion_max: str) -> list[dict[str, Any]]:
    """The steering component's criteria in both examples; only the completion criterion's maximum differs."""
    return [
        {"code": "1.1", "name": "Ban hành kế hoạch CCHC năm đúng thời hạn", "max_points": "1", "source": "plan_issued"},
        {"code": "1.2", "name": "Mức độ hoàn thành kế hoạch CCHC", "max_points": completion_max, "source": "completion"},
        {"code": "1.3", "name": "Báo cáo CCHC định kỳ đầy đủ, đúng hạn", "max_points": "1", "source": "manual"},
        {"code": "1.4", "name": "Kiểm tra công tác CCHC", "max_points": "1", "source": "manual"},
        {"code": "1.5", "name": "Công tác tuyên truyền CCHC", "max_points": "1", "source": "manual"},
    ]


def stepped(year: int) -> dict[str, Any]:
    """90% or more → 2 points, 70% to under 90% → 1, under 70% → 0 (Cà Mau, 2013)."""
    return {
        "name": f"Ví dụ 1 — thang bậc: từ 90% trở lên được 2 điểm (theo Cà Mau 2013), năm {year}",
        "note": "Quy tắc mẫu để tham khảo: từ 90% trở lên 2 điểm; từ 70% đến dưới 90% 1 điểm; dưới 70% 0 điểm. "
                "Sở Nội vụ sửa lại theo bộ tiêu chí của tỉnh.",
        "components": _components("6", ["10", "12", "8", "10", "8", "12"]),
        "criteria": _criteria("2"),
        "bands": [
            {"lower": "0.9", "upper": "", "mode": "fixed", "points": "2"},
            {"lower": "0.7", "upper": "0.9", "mode": "fixed", "points": "1"},
            {"lower": "0", "upper": "0.7", "mode": "fixed", "points": "0"},
        ],
        "denominator": "counted", "count_late": True,
        "plan_deadline": f"{year}-01-31", "plan_late_points": "0.5",
        "places": 2, "rounding": "half_up", "grade_basis": "component",
        "grades": [
            {"lower": "0.9", "label": "Xuất sắc", "colour": "green"},
            {"lower": "0.8", "label": "Tốt", "colour": "teal"},
            {"lower": "0.65", "label": "Khá", "colour": "blue"},
            {"lower": "0.5", "label": "Trung bình", "colour": "amber"},
            {"lower": "0", "label": "Yếu", "colour": "red"},
        ],
    }


def proportional(year: int) -> dict[str, Any]:
    """100% → full points; 80% to under 100% → full points × ratio; under 80% → 0."""
    return {
        "name": f"Ví dụ 2 — từ 80% tính theo tỷ lệ, năm {year}",
        "note": "Quy tắc mẫu để tham khảo: hoàn thành 100% được 3 điểm; từ 80% đến dưới 100% được 3 × tỷ lệ "
                "hoàn thành; dưới 80% 0 điểm. Xếp nhóm theo tỷ lệ hoàn thành. Sở Nội vụ sửa lại theo bộ tiêu chí của tỉnh.",
        "components": _components("7", ["10", "12", "8", "10", "8", "12"]),
        "criteria": _criteria("3"),
        "bands": [
            {"lower": "1", "upper": "", "mode": "fixed", "points": "3"},
            {"lower": "0.8", "upper": "1", "mode": "proportional", "points": "3"},
            {"lower": "0", "upper": "0.8", "mode": "fixed", "points": "0"},
        ],
        "denominator": "counted", "count_late": True,
        "plan_deadline": f"{year}-01-31", "plan_late_points": "0.5",
        "places": 2, "rounding": "half_up", "grade_basis": "completion",
        "grades": [
            {"lower": "0.9", "label": "Nhóm I", "colour": "green"},
            {"lower": "0.8", "label": "Nhóm II", "colour": "amber"},
            {"lower": "0", "label": "Nhóm III", "colour": "red"},
        ],
    }


EXAMPLES = {"stepped": stepped, "proportional": proportional}
