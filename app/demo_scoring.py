"""The demo province's scoring: the two example rules (stepped for departments by default, proportional for
communes) for 2024 and this year, and the secretariat's points for the criteria that do not come from tasks."""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal

from app.clock import TZ
from app.tables import Unit, User
from app.uploads import Upload
from scoring.actions import create_rule, current_entry, enter_score, rule_exists, store_evidence
from scoring.examples import proportional, stepped
from scoring.queries import rule_for_block, rules_for_year
from scoring.rules import dump_rule, parse_rule

# What the secretariat wrote for each criterion entered by hand, by points earned (full, half, none).
COMMENTS = {
    "1.3": ("Gửi đủ 4 báo cáo (quý I, 6 tháng, quý III, năm) đúng hạn.",
            "Báo cáo 6 tháng gửi chậm 5 ngày.", "Không gửi báo cáo quý III và báo cáo năm."),
    "1.4": ("Đã kiểm tra CCHC tại 100% phòng, đơn vị trực thuộc theo kế hoạch.",
            "Kiểm tra được 60% đơn vị theo kế hoạch.", "Chưa thực hiện kiểm tra CCHC."),
    "1.5": ("Ban hành kế hoạch tuyên truyền; đăng tin trên cổng thông tin điện tử hằng quý.",
            "Có kế hoạch tuyên truyền nhưng triển khai chưa đầy đủ.", "Không có hoạt động tuyên truyền CCHC."),
}


async def load_scoring(units: dict[str, Unit], secretariat: User, years: list[int], communes_block: str,
                       now: dt.datetime, demo_pdf) -> None:
    for year in years:
        for block, example in (("", stepped), (communes_block, proportional)):
            if not await rule_exists(year, block):
                body = dump_rule(parse_rule(example(year)))
                await create_rule(year, block, body, secretariat, now, "Quy tắc mẫu của bản trình diễn.")
    await _manual_points(units, secretariat, years[0], now, demo_pdf)


async def _manual_points(units: dict[str, Unit], secretariat: User, year: int, now: dt.datetime, demo_pdf) -> None:
    """A year's self-assessment already appraised: points for reports, inspections and communication."""
    rules = await rules_for_year(year)
    for code, unit in units.items():
        found = rule_for_block(rules, unit.block)
        rng = random.Random(f"parplan-demo-score-{code}-{year}")
        for criterion in (c for c in found[0].criteria if c.source == "manual") if found and found[0] else ():
            if await current_entry(unit.id, year, criterion.code):
                continue
            level = 0 if code == "STP" else rng.choices((0, 1, 2), weights=(6, 3, 1))[0]
            points = Decimal(criterion.max_points.numerator) / criterion.max_points.denominator * (
                (Decimal(1), Decimal("0.5"), Decimal(0))[level])
            evidence = None
            if level == 0 and criterion.code == "1.3":
                name = f"Báo cáo CCHC năm {year} - {unit.code}.pdf"
                evidence = await store_evidence(Upload(name, io.BytesIO(demo_pdf(f"Bao cao CCHC nam {year}"))))
            comment = COMMENTS.get(criterion.code, ("", "", ""))[level]
            await enter_score(unit.id, year, criterion.code, points, comment, evidence, None, secretariat, now)


def years_to_score(now: dt.datetime, base_year: int) -> list[int]:
    return sorted({base_year, now.astimezone(TZ).date().year})
