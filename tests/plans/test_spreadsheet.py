"""Reading and writing plan spreadsheets: pure, no database.

The two shared files are a real-shaped plan (Sở Tư pháp 2024) and a copy of it with four bad
rows; the other workbooks are built here, one variation of real plans each.
"""

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from app import i18n
from plans.rules import guess_component
from plans.parsed import SpreadsheetError
from plans.spreadsheet import read_plan
from plans.spreadsheet_write import write_plan

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
GOOD = DATA / "ke-hoach-cchc-2024-so-tu-phap.xlsx"
BAD = DATA / "ke-hoach-cchc-2024-loi.xlsx"

TITLE = ["KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2024"]
HEADER = ["STT", "Nội dung nhiệm vụ", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian hoàn thành", "Sản phẩm",
          "Ghi chú"]


def build(tmp_path: Path, *rows: list, name: str = "plan.xlsx", merged: tuple[str, ...] = ()) -> Path:
    """A one-sheet workbook whose Excel row n is rows[n - 1] ([] for a blank row)."""
    workbook = openpyxl.Workbook()
    for values in rows:
        workbook.active.append(values)
    for cells in merged:
        workbook.active.merge_cells(cells)
    path = tmp_path / name
    workbook.save(path)
    return path


def errors_of(source, **kwargs) -> list[tuple[int, str | None]]:
    with pytest.raises(SpreadsheetError) as caught:
        read_plan(source, **kwargs)
    return [(e.row, e.column) for e in caught.value.errors]


def messages_of(source, **kwargs) -> list[str]:
    with pytest.raises(SpreadsheetError) as caught:
        read_plan(source, **kwargs)
    return [str(e) for e in caught.value.errors]


@pytest.fixture
def english():
    token = i18n.set_locale("en")
    yield
    i18n._current.reset(token)


# --- the shared files -------------------------------------------------------------------------

def test_it_reads_the_justice_department_plan_with_its_document_and_components():
    plan = read_plan(GOOD)
    assert (plan.year, plan.doc_number, plan.doc_date) == (2024, "15/KH-STP", dt.date(2024, 1, 18))
    assert plan.title == "KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2024"
    assert (len(plan.fields), plan.task_count) == (7, 28)
    assert [f.component for f in plan.fields] == [1, 2, 3, 4, 5, 6, 7]
    assert [len(f.tasks) for f in plan.fields] == [6, 4, 5, 3, 3, 3, 4]


def test_it_reads_each_deadline_as_written_into_the_day_it_falls_due():
    due = {t.row: (t.due_text, t.due) for f in read_plan(GOOD).fields for t in f.tasks}
    assert due[9] == ("Tháng 01/2024", dt.date(2024, 1, 31))
    assert due[11] == ("Trước ngày 15/12/2024", dt.date(2024, 12, 15))
    assert due[14] == ("Quý 3", dt.date(2024, 9, 30))
    assert due[16] == ("Thường xuyên", dt.date(2024, 12, 31))
    assert due[22] == ("6 tháng đầu năm", dt.date(2024, 6, 30))
    assert due[41] == ("Quý IV", dt.date(2024, 12, 31))


def test_it_reports_every_bad_row_and_returns_nothing():
    assert errors_of(BAD) == [(10, "B"), (11, "E"), (12, "E"), (13, "E")]


def test_it_explains_each_bad_cell_in_english(english):
    messages = messages_of(BAD)
    assert messages[0] == "Row 10, column B: The task has no content."
    assert messages[1].startswith("Row 11, column E: Cannot read the deadline “Theo chỉ đạo của UBND tỉnh”")
    assert messages[2] == "Row 12, column E: There is no month 13."
    assert messages[3] == "Row 13, column E: The deadline 31/03/2023 is outside the plan year 2024."


def test_it_explains_each_bad_cell_in_vietnamese_by_default():
    messages = messages_of(BAD)
    assert messages[0] == "Dòng 10, cột B: Nhiệm vụ chưa có nội dung."
    assert messages[2].startswith("Dòng 12, cột E: ")


def test_it_sums_up_the_plan_in_english(english):
    assert read_plan(GOOD).summary() == "7 fields, 28 tasks"


def test_it_sums_up_the_plan_in_vietnamese_by_default():
    assert read_plan(GOOD).summary() == "7 lĩnh vực, 28 nhiệm vụ"


def test_its_json_carries_the_plan_fields_and_tasks_with_iso_dates():
    data = read_plan(GOOD).to_json()
    assert (data["year"], data["doc_number"], data["doc_date"]) == (2024, "15/KH-STP", "2024-01-18")
    assert data["fields"][0]["name"] == "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH"
    assert data["fields"][0]["component"] == 1
    assert data["fields"][0]["tasks"][0] == {
        "number": "1", "content": "Xây dựng, ban hành Kế hoạch CCHC năm 2024 của Sở Tư pháp",
        "lead": "Văn phòng Sở", "partners": "Các phòng, đơn vị thuộc Sở", "output": "Kế hoạch", "note": "",
        "due": "2024-01-31", "due_text": "Tháng 01/2024"}


# --- layouts seen in real plans ---------------------------------------------------------------

def test_it_finds_a_header_on_row_3_with_columns_reordered_and_named_otherwise(tmp_path):
    path = build(tmp_path, TITLE, [],
                 ["TT", "Thời hạn", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Kết quả", "Ghi chú"],
                 ["I", None, "CẢI CÁCH THỂ CHẾ"],
                 [1, "Quý II/2024", "Rà soát văn bản", "Phòng Pháp chế", "Văn phòng", "Báo cáo", "Gấp"])
    task = read_plan(path).fields[0].tasks[0]
    assert (task.content, task.lead, task.partners, task.output, task.note) == (
        "Rà soát văn bản", "Phòng Pháp chế", "Văn phòng", "Báo cáo", "Gấp")
    assert (task.due, task.row) == (dt.date(2024, 6, 30), 5)


def test_it_takes_arabic_numbered_headings_as_fields_when_tasks_carry_dots(tmp_path):
    path = build(tmp_path, TITLE, HEADER,
                 [1, "Cải cách thể chế"],
                 [1.1, "Rà soát văn bản", "Phòng A", None, "Quý I"],
                 ["1.2", "Thẩm định văn bản", "Phòng A", None, "Quý II"],
                 ["2.", "Cải cách tài chính công"],
                 [2.1, "Công khai ngân sách", "Văn phòng", None, "Tháng 3"])
    plan = read_plan(path)
    assert [(f.name, f.component) for f in plan.fields] == [("Cải cách thể chế", 2), ("Cải cách tài chính công", 6)]
    assert [t.number for f in plan.fields for t in f.tasks] == ["1.1", "1.2", "2.1"]


def test_it_takes_bare_arabic_headings_as_fields_when_tasks_are_numbered_1_2_as_well(tmp_path):
    path = build(tmp_path, TITLE, HEADER,
                 [1, "Cải cách thể chế"],
                 [1, "Rà soát văn bản", "Phòng A", None, "Quý I"],
                 [2, "Thẩm định văn bản", "Phòng A", None, "Quý II"],
                 ["2.", "Cải cách tài chính công"],
                 [1, "Công khai ngân sách", "Văn phòng", None, "Tháng 3"])
    plan = read_plan(path)
    assert [(f.name, f.row) for f in plan.fields] == [("Cải cách thể chế", 3), ("Cải cách tài chính công", 6)]
    assert [[t.number for t in f.tasks] for f in plan.fields] == [["1", "2"], ["1"]]


def test_it_takes_unnumbered_bare_headings_as_fields_in_a_table_without_roman_numerals(tmp_path):
    path = build(tmp_path, TITLE, HEADER,
                 [None, "Cải cách thể chế"],
                 [1, "Rà soát văn bản", "Phòng A", None, "Quý I"],
                 [None, "Cải cách tài chính công"],
                 [1, "Công khai ngân sách", "Văn phòng", None, "Tháng 3"])
    assert [(f.component, len(f.tasks)) for f in read_plan(path).fields] == [(2, 1), (6, 1)]


def test_a_task_missing_only_its_deadline_stays_a_task_with_the_error_on_its_deadline(tmp_path):
    path = build(tmp_path, TITLE, HEADER,
                 [1, "Cải cách thể chế"],
                 [1, "Rà soát văn bản", "Phòng A", None, None, "Báo cáo"],
                 [2, "Thẩm định văn bản", "Phòng A", None, "Quý II"])
    assert errors_of(path) == [(4, "E")]


def test_under_roman_sections_a_bare_numbered_row_is_still_a_task_without_a_deadline(tmp_path):
    path = build(tmp_path, TITLE, HEADER,
                 ["I", "Cải cách thể chế"],
                 [1, "Rà soát văn bản"],
                 [2, "Thẩm định văn bản", "Phòng A", None, "Quý II"])
    assert errors_of(path) == [(4, "E")]


def test_it_reads_a_two_line_header_with_lead_and_partners_under_one_merged_heading(tmp_path):
    path = build(tmp_path, TITLE,
                 ["STT", "Nội dung", "Đơn vị thực hiện", None, "Thời gian hoàn thành", "Sản phẩm"],
                 [None, None, "Chủ trì", "Phối hợp"],
                 ["I", "Cải cách thể chế"],
                 [1, "Rà soát văn bản", "Phòng A", "Văn phòng", "Quý I", "Báo cáo"],
                 merged=("C2:D2", "A2:A3", "B2:B3", "E2:E3", "F2:F3"))
    task = read_plan(path).fields[0].tasks[0]
    assert (task.lead, task.partners, task.output, task.row) == ("Phòng A", "Văn phòng", "Báo cáo", 5)


def test_it_reads_other_names_for_the_lead_partners_and_deadline_columns(tmp_path):
    path = build(tmp_path, TITLE,
                 ["STT", "Nội dung", "Cơ quan, đơn vị chủ trì thực hiện", "Phối hợp", "Thời gian"],
                 ["I", "Cải cách thể chế"],
                 [1, "Rà soát văn bản", "Phòng A", "Văn phòng", "Quý II"])
    task = read_plan(path).fields[0].tasks[0]
    assert (task.lead, task.partners, task.due) == ("Phòng A", "Văn phòng", dt.date(2024, 6, 30))


def test_it_takes_the_completion_time_over_a_start_time_before_it(tmp_path):
    path = build(tmp_path, TITLE,
                 ["STT", "Nội dung", "Thời gian bắt đầu", "Thời gian hoàn thành"],
                 ["I", "Cải cách thể chế"],
                 [1, "Rà soát văn bản", "Quý I", "Quý III"])
    assert read_plan(path).fields[0].tasks[0].due == dt.date(2024, 9, 30)


def test_it_refuses_a_task_number_written_twice_in_a_field(tmp_path, english):
    # Excel turns a typed 1.10 into the number 1.1 unless the column is formatted as Text.
    path = build(tmp_path, TITLE, HEADER,
                 [1, "Cải cách thể chế"],
                 *[[1 + n / 10, f"Nhiệm vụ {n}", "Phòng A", None, "Quý I"] for n in range(1, 10)],
                 [1.1, "Nhiệm vụ 10", "Phòng A", None, "Quý I"])
    assert messages_of(path) == ["Row 13, column A: Task number 1.1 appears twice in this field; if you typed "
                                 "1.10, format the No. column as Text."]


def test_it_reads_real_excel_date_cells_and_shows_them_the_vietnamese_way(tmp_path):
    path = build(tmp_path, TITLE, HEADER, ["I", "Cải cách thể chế"],
                 [1, "Rà soát văn bản", "Phòng A", None, dt.datetime(2024, 6, 30)])
    task = read_plan(path).fields[0].tasks[0]
    assert (task.due, task.due_text) == (dt.date(2024, 6, 30), "30/06/2024")


def test_it_skips_blank_and_signature_rows_and_stops_at_the_recipients(tmp_path):
    path = build(tmp_path, TITLE, HEADER, [], ["I", "Cải cách thể chế"], [],
                 [1, "Rà soát văn bản", "Phòng A", None, "Quý I"], [],
                 [None, None, None, None, "GIÁM ĐỐC"],
                 ["Nơi nhận:"],
                 [2, None, None, None, "not a deadline"])
    plan = read_plan(path)
    assert plan.task_count == 1


def test_it_skips_the_row_that_numbers_the_columns(tmp_path):
    path = build(tmp_path, TITLE, HEADER, ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"],
                 ["I", "Cải cách thể chế"], [1, "Rà soát văn bản", "Phòng A", None, "Quý I"])
    assert read_plan(path).task_count == 1


def test_it_numbers_a_task_written_without_a_number(tmp_path):
    path = build(tmp_path, TITLE, HEADER, ["I", "Cải cách thể chế"],
                 [1, "Rà soát văn bản", "Phòng A", None, "Quý I"],
                 [None, "Thẩm định văn bản", "Phòng A", None, "Quý II"],
                 ["II. Cải cách tài chính công"],
                 [None, "Công khai ngân sách", "Văn phòng", None, "Quý III"])
    plan = read_plan(path)
    assert [[t.number for t in f.tasks] for f in plan.fields] == [["1", "2"], ["1"]]
    assert plan.fields[1].name == "Cải cách tài chính công"


def test_it_appends_the_funding_to_the_note(tmp_path):
    path = build(tmp_path, TITLE, HEADER + ["Kinh phí"], ["I", "Cải cách thể chế"],
                 [1, "Rà soát văn bản", "Phòng A", None, "Quý I", None, "Gấp", "50 triệu"])
    assert read_plan(path).fields[0].tasks[0].note == "Gấp; Kinh phí: 50 triệu"


def test_it_uses_the_first_sheet_that_has_a_header(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Bìa: Sở Tư pháp"])
    table = workbook.create_sheet("Phụ lục")
    for values in (TITLE, HEADER, ["I", "Cải cách thể chế"], [1, "Rà soát", "Phòng A", None, "Quý I"]):
        table.append(values)
    workbook.save(tmp_path / "two-sheets.xlsx")
    assert read_plan(tmp_path / "two-sheets.xlsx").task_count == 1


# --- the year and the document ----------------------------------------------------------------

def test_the_year_argument_wins_over_the_title(tmp_path):
    path = build(tmp_path, TITLE, HEADER, ["I", "Cải cách thể chế"], [1, "Rà soát", "Phòng A", None, "Quý I"])
    plan = read_plan(path, year=2025)
    assert (plan.year, plan.fields[0].tasks[0].due) == (2025, dt.date(2025, 3, 31))


def test_it_takes_the_number_and_date_from_the_documents_own_lines(tmp_path):
    path = build(tmp_path, ["UBND TỈNH ĐẮK NÔNG", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
                 ["Số: 07/KH-UBND", None, None, None, "Đắk Nông, ngày 18 tháng 01 năm 2023"],
                 ["KẾ HOẠCH", None], HEADER, ["I", "Cải cách thể chế"], [1, "Rà soát", "Phòng A", None, "Quý I"])
    plan = read_plan(path)
    assert (plan.doc_number, plan.doc_date, plan.year) == ("07/KH-UBND", dt.date(2023, 1, 18), 2023)
    assert plan.fields[0].tasks[0].due == dt.date(2023, 3, 31)


def test_it_reads_the_issuer_from_the_masthead_under_its_parent_body():
    assert read_plan(GOOD).issuer == "SỞ TƯ PHÁP"  # under "UBND TỈNH ĐẮK NÔNG"


def test_it_reads_a_masthead_written_in_one_cell_on_two_lines(tmp_path):
    path = build(tmp_path, ["UBND HUYỆN ĐẮK SONG\nUBND XÃ ĐẮK SONG\n______", None, None, None,
                            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"],
                 ["KẾ HOẠCH"], ["Cải cách hành chính năm 2024"], HEADER, ["I", "Cải cách thể chế"],
                 [1, "Rà soát", "Phòng A", None, "Quý I"])
    assert read_plan(path).issuer == "UBND XÃ ĐẮK SONG"


def test_a_title_in_capitals_over_several_rows_is_not_taken_for_the_masthead(tmp_path):
    path = build(tmp_path, ["SỞ CÔNG THƯƠNG"], ["KẾ HOẠCH"], ["THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH"],
                 ["NĂM 2024"], HEADER, ["I", "Cải cách thể chế"], [1, "Rà soát", "Phòng A", None, "Quý I"])
    assert read_plan(path).issuer == "SỞ CÔNG THƯƠNG"


@pytest.mark.parametrize("mark", ["DỰ THẢO", "MẬT", "HỎA TỐC", "THƯỢNG KHẨN"])
def test_a_draft_or_secrecy_mark_beside_the_masthead_names_no_one(tmp_path, mark):
    path = build(tmp_path, ["SỞ CÔNG THƯƠNG", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"], [mark],
                 ["KẾ HOẠCH"], ["Cải cách hành chính năm 2024"], HEADER, ["I", "Cải cách thể chế"],
                 [1, "Rà soát", "Phòng A", None, "Quý I"])
    assert read_plan(path).issuer == "SỞ CÔNG THƯƠNG"


def test_a_front_committee_masthead_is_not_taken_for_a_secrecy_mark(tmp_path):
    path = build(tmp_path, ["ỦY BAN MẶT TRẬN TỔ QUỐC"], ["KẾ HOẠCH"], ["Cải cách hành chính năm 2024"], HEADER,
                 ["I", "Cải cách thể chế"], [1, "Rà soát", "Phòng A", None, "Quý I"])
    assert read_plan(path).issuer == "ỦY BAN MẶT TRẬN TỔ QUỐC"


def test_without_a_masthead_the_issuer_is_the_unit_the_document_line_names(tmp_path):
    path = build(tmp_path, TITLE, ["(Kèm theo Kế hoạch số 15/KH-STP ngày 18/01/2024 của Sở Tư pháp)"], HEADER,
                 ["I", "Cải cách thể chế"], [1, "Rà soát", "Phòng A", None, "Quý I"])
    assert read_plan(path).issuer == "Sở Tư pháp"


def test_a_file_naming_no_issuer_reads_with_an_empty_issuer(tmp_path):
    path = build(tmp_path, TITLE, HEADER, ["I", "Cải cách thể chế"], [1, "Rà soát", "Phòng A", None, "Quý I"])
    assert read_plan(path).issuer == ""


def test_it_asks_for_the_year_when_nothing_gives_it(tmp_path, english):
    path = build(tmp_path, ["KẾ HOẠCH"], HEADER, ["I", "Cải cách thể chế"], [1, "Rà soát", "Phòng A", None, "Quý I"])
    assert messages_of(path)[0].startswith("Cannot tell the plan year")


# --- files that are not plans -----------------------------------------------------------------

def test_it_refuses_garbage_bytes_and_a_renamed_text_file_in_one_clear_line(tmp_path, english):
    renamed = tmp_path / "plan.xlsx"
    renamed.write_text("STT;Nội dung nhiệm vụ;Thời hạn\n1;Rà soát;Quý I\n", encoding="utf-8")
    for source in (b"\x00\x01garbage", b"PK\x03\x04 broken zip", renamed):
        with pytest.raises(SpreadsheetError) as caught:
            read_plan(source)
        assert [(e.row, e.column) for e in caught.value.errors] == [(0, None)]
        assert str(caught.value).startswith("This is neither an Excel .xlsx file nor a Word .docx file")


def test_it_says_which_headings_it_expected_when_there_is_no_header(tmp_path, english):
    path = build(tmp_path, TITLE, ["Số", "Việc", "Ai làm"], [1, "Rà soát", "Phòng A"])
    messages = messages_of(path)
    assert len(messages) == 1
    assert "“Nội dung nhiệm vụ”" in messages[0] and "“Thời gian hoàn thành”" in messages[0]


def test_it_refuses_a_task_before_the_first_field(tmp_path, english):
    path = build(tmp_path, TITLE, HEADER, [1, "Rà soát", "Phòng A", None, "Quý I"],
                 ["I", "Cải cách thể chế"], [1, "Thẩm định", "Phòng A", None, "Quý II"])
    assert messages_of(path) == ["Row 3: This task comes before the first field; add a field heading (I, II…) "
                                 "above it."]


def test_it_reports_a_field_without_tasks_on_its_heading_row(tmp_path, english):
    path = build(tmp_path, TITLE, HEADER, ["I", "Cải cách thể chế"], ["II", "Cải cách tài chính công"],
                 [1, "Công khai ngân sách", "Văn phòng", None, "Quý I"])
    assert messages_of(path) == ["Row 3: The field “Cải cách thể chế” has no tasks."]


def test_it_reports_a_table_with_no_tasks_at_all(tmp_path, english):
    path = build(tmp_path, TITLE, HEADER, [], [None, None, None, None, "GIÁM ĐỐC"])
    assert messages_of(path) == ["Row 2: There are no tasks below the header row."]


def test_it_refuses_a_table_wider_than_fifty_columns(tmp_path):
    path = build(tmp_path, TITLE, HEADER + [None] * 43 + ["Cột thừa"], ["I", "Cải cách thể chế"],
                 [1, "Rà soát", "Phòng A", None, "Quý I"])
    assert errors_of(path) == [(2, "AY")]


def test_it_refuses_a_table_longer_than_five_thousand_rows(tmp_path):
    tasks = [[n, f"Nhiệm vụ {n}", "Phòng A", None, "Quý I"] for n in range(1, 5002)]
    path = build(tmp_path, TITLE, HEADER, ["I", "Cải cách thể chế"], *tasks)
    assert errors_of(path) == [(5003, None)]


def test_it_refuses_a_number_too_long_for_the_database(tmp_path):
    path = build(tmp_path, TITLE, HEADER, ["I", "Cải cách thể chế"],
                 ["Nhiệm vụ bổ sung số một", "Rà soát", "Phòng A", None, "Quý I"])
    assert errors_of(path) == [(4, "A")]


# --- writing ----------------------------------------------------------------------------------

def test_writing_then_reading_back_gives_the_same_plan():
    plan = read_plan(GOOD)
    again = read_plan(write_plan(plan, "Sở Tư pháp"))
    assert again.to_json() == plan.to_json()


def test_the_written_file_has_the_official_layout():
    sheet = openpyxl.load_workbook(io.BytesIO(write_plan(read_plan(GOOD), "Sở Tư pháp"))).active
    assert (sheet["A1"].value, sheet["E1"].value, sheet["E2"].value) == (
        "SỞ TƯ PHÁP", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
    assert sheet["A4"].value == "KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2024"
    assert sheet["A5"].value == "(Kèm theo Kế hoạch số 15/KH-STP ngày 18/01/2024 của Sở Tư pháp)"
    assert [c.value for c in sheet[7]] == HEADER and all(c.font.b for c in sheet[7])
    assert (sheet["A8"].value, sheet["A8"].font.b) == ("I", True)
    assert "B8:G8" in {str(r) for r in sheet.merged_cells.ranges}
    assert (sheet["A9"].value, sheet["E9"].value) == (1, "Tháng 01/2024")


def test_it_writes_the_due_date_when_the_deadline_text_is_empty_and_adds_a_missing_year():
    plan = read_plan(GOOD)
    plan.title, plan.doc_number = "Kế hoạch cải cách hành chính", ""
    plan.fields[0].tasks[0].due_text = ""
    sheet = openpyxl.load_workbook(io.BytesIO(write_plan(plan, "Sở Tư pháp"))).active
    assert (sheet["A4"].value, sheet["A5"].value, sheet["E9"].value) == (
        "KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2024", None, "31/01/2024")


def test_it_guesses_the_component_from_the_field_heading():
    assert guess_component("Công tác chỉ đạo điều hành CCHC") == 1
    assert guess_component("Cải cách thủ tục hành chính") == 3
    assert guess_component("Chuyển đổi số") == 7
    assert guess_component("Tuyên truyền") is None
