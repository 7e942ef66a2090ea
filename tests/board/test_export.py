"""The board's .xlsx and CSV exports hold what the page shows: cut-off, filters, rows, rounded points, totals."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from app.downloads import XLSX
from app.i18n import translations
from app.templating import make_environment
from board.build import Board
from board.queries import Filter
from scoring import examples
from scoring.tables import ScoringRule
from tests.builders import TaskSpec, make_plan, make_unit, make_user

END = dt.date(2024, 12, 31)
QUERY = "year=2024&as_of=2024-12-31"


def vi(message: str, **params) -> str:
    """A new message as Vietnamese users read it (the catalogue may not have it yet: then the English id)."""
    text = translations("vi").gettext(message)
    return text % params if params else text


def board_plan(unit, done: int = 26, later: dt.date | None = None):
    """`done` tasks done in March, one in progress, one overdue and one cancelled: 26/28 by default.

    With `later`, one more task is completed on that date (so done + 1 by the year's end).
    """
    tasks = [TaskSpec(f"Việc {i}", END, "done", dt.date(2024, 3, 1)) for i in range(done)]
    tasks += [TaskSpec("Đang làm", END, "in_progress"), TaskSpec("Trễ", dt.date(2024, 6, 30)),
              TaskSpec("Bỏ", END, "cancelled", cancelled_on=dt.date(2024, 2, 1))]
    if later:
        tasks.append(TaskSpec("Làm sau", END, "done", later))
    return make_plan(unit, 2024, {"Cải cách thể chế": tasks})


def add_rule(example=examples.proportional):
    ScoringRule(year=2024, block="", body=example(2024)).save().run_sync()


def sheet_of(response):
    assert response.status_code == 200, response.text
    return load_workbook(io.BytesIO(response.content)).active


def texts(sheet) -> list[str]:
    return [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]


def row_of(sheet, name: str) -> list:
    return next([c for c in row] for row in sheet.iter_rows() if row[2].value == name)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_workbook_holds_the_cut_off_the_filters_and_real_numbers(web, actors):
    add_rule()
    board_plan(actors.unit_a)
    web.login(actors.steering)
    response = web.get(f"/board/export.xlsx?{QUERY}")
    sheet = sheet_of(response)
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"bang-theo-doi-2024-den-2024-12-31.xlsx\"; "
        "filename*=UTF-8''bang-theo-doi-2024-den-2024-12-31.xlsx")
    lines = texts(sheet)
    assert lines[0] == vi("Progress board of the administrative reform plans, %(year)s", year=2024)
    assert vi("Figures as of %(date)s", date="31/12/2024") in lines
    assert f"{vi('Block')}: {vi('All blocks')}" in lines
    assert f"{vi('Sort by')}: {vi('Rank')}" in lines
    assert sheet.title == "Bang theo doi 2024" and sheet.freeze_panes is not None
    cells = row_of(sheet, "Sở Tư pháp")
    assert [c.value for c in cells[:2]] == [1, "STP"] and cells[3].value == 29 and cells[10].value == "26/28"
    assert cells[11].value == pytest.approx(26 / 28) and cells[11].number_format == "0.00%"
    assert cells[12].value == pytest.approx(2.79) and cells[12].number_format == "0.00"
    assert cells[13].value == pytest.approx(3.79) and cells[14].value == "Nhóm I"


def test_the_workbook_has_a_bold_header_block_totals_and_a_grand_total(web, actors):
    add_rule()
    board_plan(actors.unit_a)
    board_plan(actors.unit_b, done=20)
    web.login(actors.secretariat)
    sheet = sheet_of(web.get(f"/board/export.xlsx?{QUERY}"))
    header = next(row for row in sheet.iter_rows() if row[0].value == vi("Rank"))
    assert header[2].value == "Đơn vị" and header[14].value == vi("Grade") and header[0].font.bold
    assert sheet.freeze_panes == f"A{header[0].row + 1}"
    block_total, grand_total = row_of(sheet, vi("Block total")), row_of(sheet, vi("All units shown"))
    assert block_total[3].value == 29 + 23 and block_total[10].value == "46/50"
    assert grand_total[4].value == 46 and grand_total[0].font.bold
    assert f"{vi('Block')}: Khối sở, ban, ngành" in texts(sheet)


def test_the_csv_is_excel_friendly_and_shows_the_values_as_displayed(web, actors):
    add_rule()
    board_plan(actors.unit_a)
    web.login(actors.steering)
    response = web.get(f"/board/export.csv?{QUERY}")
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"  # once: it was sent twice
    assert "bang-theo-doi-2024-den-2024-12-31.csv" in response.headers["content-disposition"]
    rows = csv_rows(response)
    assert [vi("Figures as of %(date)s", date="31/12/2024")] in rows
    stp = next(r for r in rows if len(r) > 2 and r[2] == "Sở Tư pháp")
    assert stp[10:] == ["26/28", "92,86%", "2,79", "3,79", "Nhóm I"]


def test_a_block_filter_exports_only_that_blocks_units(web, actors):
    district = make_unit("HX", "UBND huyện X", kind="district", block="Khối huyện")
    board_plan(actors.unit_a)
    board_plan(district, done=10)
    web.login(actors.steering)
    rows = csv_rows(web.get(f"/board/export.csv?{QUERY}&block=Khối huyện"))
    names = [r[2] for r in rows if len(r) > 2]
    assert "UBND huyện X" in names and "Sở Tư pháp" not in names
    assert [f"{vi('Block')}: Khối huyện"] in rows


def test_a_narrowed_export_says_points_are_for_the_whole_plan(web, actors):
    add_rule()
    board_plan(actors.unit_a)
    web.login(actors.steering)
    rows = csv_rows(web.get(f"/board/export.csv?{QUERY}&component=2&sort=name"))
    # The plan's only field is component 1…
    assert [f"{vi('Component')}: 2. Cải cách thể chế"] in rows
    assert [vi("Counts are for the chosen field or component only; points and grades are for the whole plan.")] in rows
    assert [f"{vi('Sort by')}: {vi('Unit name')}"] in rows
    stp = next(r for r in rows if len(r) > 2 and r[2] == "Sở Tư pháp")
    assert stp[3] == "0" and stp[12] == "2,79"  # …so nothing is counted, yet the points are the whole plan's


def test_a_field_filter_names_the_field_as_the_plans_spell_it(web, actors):
    board_plan(actors.unit_a)
    web.login(actors.steering)
    rows = csv_rows(web.get(f"/board/export.csv?{QUERY}&field=cai cach the che"))
    assert [f"{vi('Field')}: Cải cách thể chế"] in rows
    assert next(r for r in rows if len(r) > 2 and r[2] == "Sở Tư pháp")[3] == "29"


def test_a_past_cut_off_counts_a_later_completion_as_not_done(web, actors):
    board_plan(actors.unit_a, later=dt.date(2024, 9, 1))
    web.login(actors.steering)
    june = csv_rows(web.get("/board/export.csv?year=2024&as_of=2024-06-30"))
    year_end = csv_rows(web.get(f"/board/export.csv?{QUERY}"))
    assert [vi("Figures as of %(date)s", date="30/06/2024")] in june
    assert next(r for r in june if len(r) > 2 and r[2] == "Sở Tư pháp")[10] == "26/29"
    assert next(r for r in year_end if len(r) > 2 and r[2] == "Sở Tư pháp")[10] == "27/29"


def test_an_english_user_gets_english_headers_and_dates(web, actors):
    add_rule()
    board_plan(actors.unit_a)
    web.login(make_user("steering.en@example.vn", "steering", language="en"))
    rows = csv_rows(web.get(f"/board/export.csv?{QUERY}"))
    assert "Rank" in rows[rows.index([]) + 1] and "Done on time" in rows[rows.index([]) + 1]
    assert ["Figures as of 31 Dec 2024"] in rows
    sheet = sheet_of(web.get(f"/board/export.xlsx?{QUERY}"))
    assert "Unit code" in texts(sheet) and "Plan completion points" in texts(sheet)


def test_a_focal_point_may_not_export_the_board(web, actors):
    board_plan(actors.unit_a)
    web.login(actors.focal_a)
    assert web.get(f"/board/export.xlsx?{QUERY}").status_code == 403
    assert web.get(f"/board/export.csv?{QUERY}").status_code == 403


def test_bad_parameters_are_refused_not_crashed(web, actors):
    web.login(actors.steering)
    assert web.get("/board/export.csv?year=2024&as_of=2024-02-30").status_code == 400
    assert web.get("/board/export.xlsx?year=1999").status_code == 400
    assert web.get("/board/export.xlsx?year=2024&component=9").status_code == 400
    assert web.get("/board/export.xlsx?year=2024&component=x").status_code == 400
    assert web.get("/board/export.xlsx?year=2024&sort=best").status_code == 400


def test_the_pages_empty_all_components_value_is_accepted(web, actors):
    board_plan(actors.unit_a)
    web.login(actors.steering)
    rows = csv_rows(web.get(f"/board/export.csv?{QUERY}&block=&field=&component=&sort=name"))
    assert next(r for r in rows if len(r) > 2 and r[2] == "Sở Tư pháp")[10] == "26/28"


def test_the_export_links_carry_the_boards_filters():
    board = Board(Filter(2024, END, block="Khối huyện", component=3), [], "overdue")
    html = make_environment().get_template("board/_export_links.html").render(board=board)
    assert "/board/export.xlsx?as_of=2024-12-31&amp;block=Kh%E1%BB%91i+huy%E1%BB%87n&amp;component=3" in html
    assert "sort=overdue&amp;year=2024" in html and "/board/export.csv?" in html and "field=" not in html
