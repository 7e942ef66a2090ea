"""Reading a plan issued as a Word document: the same rules as a spreadsheet, errors by table, row and column.

The documents are built by tests/plans/docx_plans.py the way units issue them; the hostile ones are real .docx
packages with one part made hostile.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from docx import Document

from app import i18n
from plans.parsed import ParsedPlan, SpreadsheetError
from plans.spreadsheet import read_plan
from plans.spreadsheet_write import write_plan
from tests.plans.docx_plans import plan_docx

# Once, on SQLite: what a file holds does not depend on the database kind.
pytestmark = pytest.mark.only_db("sqlite")

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
GOOD = DATA / "ke-hoach-cchc-2024-so-tu-phap.xlsx"
NEITHER = ("This is neither an Excel .xlsx file nor a Word .docx file; open it in Excel or Word and save it as "
           "“Excel Workbook (.xlsx)” or “Word Document (.docx)”.")
DOCUMENT_TOO_LARGE = ("The document is too large for a plan: at most 5,000 rows and 50 columns in its task table, in "
                      "a file of at most 10 MB. Delete the unused tables and pictures, then save it again.")
BODY = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'


@pytest.fixture
def english():
    token = i18n.set_locale("en")
    yield
    i18n._current.reset(token)


def small_plan() -> ParsedPlan:
    return ParsedPlan(year=2024, title="KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2024", doc_number="15/KH-STP",
                      doc_date=dt.date(2024, 1, 18), fields=[])


def rows_docx(*rows: tuple) -> bytes:
    """The small plan's document with these rows under the header (a 1-tuple is a field merged across the row)."""
    return plan_docx(small_plan(), "Sở Tư pháp", rows=list(rows))


def errors_of(source) -> list[tuple]:
    with pytest.raises(SpreadsheetError) as caught:
        read_plan(source)
    return [(e.table, e.row, e.column) for e in caught.value.errors]


# --- the same plan, two formats -----------------------------------------------------------------------------

def test_the_same_plan_reads_the_same_from_xlsx_and_docx():
    plan = read_plan(GOOD)
    from_xlsx = read_plan(write_plan(plan, "Sở Tư pháp"))
    from_docx = read_plan(plan_docx(plan, "Sở Tư pháp"))
    assert from_docx.to_json() == from_xlsx.to_json() == plan.to_json()
    assert from_docx.summary() == "7 lĩnh vực, 28 nhiệm vụ"


def test_it_reads_the_masthead_the_two_line_title_and_the_appendix_line():
    plan = read_plan(plan_docx(read_plan(GOOD), "Sở Tư pháp"))
    assert plan.title == "KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2024"
    # The masthead's own number and date, not the "Căn cứ Quyết định số 1234/QĐ-UBND ngày 20/12/2023" below it.
    assert (plan.year, plan.doc_number, plan.doc_date) == (2024, "15/KH-STP", dt.date(2024, 1, 18))
    assert plan.issuer == "SỞ TƯ PHÁP"


def test_it_reads_text_deadlines_and_numbers_fields_and_tasks():
    plan = read_plan(rows_docx(
        ("I. Cải cách thể chế",),
        ("1", "Rà soát văn bản QPPL", "Phòng Văn bản", "Các phòng", "Quý II", "Báo cáo", ""),
        ("", "Tự kiểm tra văn bản", "Phòng Văn bản", "", "6 tháng đầu năm", "", ""),
        ("II", "Cải cách thủ tục hành chính", "", "", "", "", ""),
        ("1", "Công bố thủ tục hành chính", "Văn phòng", "", "Trước ngày 15/12/2024", "", "")))
    assert [f.name for f in plan.fields] == ["Cải cách thể chế", "Cải cách thủ tục hành chính"]
    tasks = [(t.number, t.due_text, t.due) for f in plan.fields for t in f.tasks]
    assert tasks == [("1", "Quý II", dt.date(2024, 6, 30)), ("2", "6 tháng đầu năm", dt.date(2024, 6, 30)),
                     ("1", "Trước ngày 15/12/2024", dt.date(2024, 12, 15))]


def test_a_field_merged_across_the_row_is_one_field_and_never_a_deadline():
    data = rows_docx(("I. Cải cách thể chế",), ("1", "Rà soát", "Phòng A", "", "Quý I", "", ""))
    row = Document(io.BytesIO(data)).tables[1].rows[2]
    assert [c.text for c in row.cells] == ["I. Cải cách thể chế"] * 7  # what python-docx itself gives
    plan = read_plan(data)
    assert [(f.name, len(f.tasks)) for f in plan.fields] == [("Cải cách thể chế", 1)]


def test_a_lead_merged_down_over_two_tasks_stands_in_the_first_only_as_in_a_spreadsheet():
    document = Document(io.BytesIO(rows_docx(("I. Cải cách thể chế",),
                                             ("1", "Rà soát", "Phòng A", "", "Quý I", "", ""),
                                             ("2", "Kiểm tra", "", "", "Quý II", "", ""))))
    table = document.tables[1]
    table.cell(3, 2).merge(table.cell(4, 2))
    buffer = io.BytesIO()
    document.save(buffer)
    plan = read_plan(buffer.getvalue())
    assert [(t.number, t.lead) for t in plan.fields[0].tasks] == [("1", "Phòng A"), ("2", "")]


def test_the_header_can_stand_under_a_title_row_inside_the_table():
    data = rows_docx(("I. Cải cách thể chế",), ("1", "Rà soát", "Phòng A", "", "Quý I", "", ""))
    document = Document(io.BytesIO(data))
    table = document.tables[1]
    title = copy.deepcopy(table.rows[0]._tr)  # a copy of the header row, put above it as the table's own title
    table._tbl.insert(table._tbl.index(table.rows[0]._tr), title)
    merged = table.cell(0, 0).merge(table.cell(0, 6))
    merged.text = "DANH MỤC NHIỆM VỤ"
    buffer = io.BytesIO()
    document.save(buffer)
    assert read_plan(buffer.getvalue()).fields[0].tasks[0].row == 5  # counted in the table: title, header, (1)…


# --- errors, all or nothing ---------------------------------------------------------------------------------

BAD_ROWS = (("I. Cải cách thể chế",),
            ("1", "", "Phòng A", "", "Quý I", "", ""),
            ("2", "Kiểm tra", "Phòng A", "", "Theo chỉ đạo của UBND tỉnh", "", ""),
            ("3", "Tập huấn", "Phòng B", "", "Tháng 13", "", ""),
            ("4", "Tổng kết", "Phòng B", "", "31/03/2023", "", ""),
            ("5", "Báo cáo", "Văn phòng", "", "Quý IV", "", ""))


def test_it_names_the_table_row_and_column_of_every_error_and_returns_nothing():
    # Table 1 is the masthead; the task table's rows count its header and the "(1) (2)…" row.
    assert errors_of(rows_docx(*BAD_ROWS)) == [(2, 4, "B"), (2, 5, "E"), (2, 6, "E"), (2, 7, "E")]


def test_the_errors_read_table_row_and_column_in_vietnamese_by_default():
    with pytest.raises(SpreadsheetError) as caught:
        read_plan(rows_docx(*BAD_ROWS))
    messages = [str(e) for e in caught.value.errors]
    assert messages[0] == "Bảng 2, dòng 4, cột B: Nhiệm vụ chưa có nội dung."
    assert messages[2].startswith("Bảng 2, dòng 6, cột E: ")


def test_the_errors_read_table_row_and_column_in_english(english):
    with pytest.raises(SpreadsheetError) as caught:
        read_plan(rows_docx(*BAD_ROWS))
    assert str(caught.value.errors[2]) == "Table 2, row 6, column E: There is no month 13."


def test_an_impossible_date_in_the_masthead_is_named_by_its_table_row_and_column():
    plan = small_plan()
    plan.doc_date = None
    document = Document(io.BytesIO(plan_docx(plan, "Sở Tư pháp", rows=[("I. Thể chế",), ("1", "Rà soát", "", "",
                                                                                         "Quý I", "", "")])))
    document.tables[0].cell(0, 1).add_paragraph("Đắk Nông, ngày 31 tháng 02 năm 2024")
    buffer = io.BytesIO()
    document.save(buffer)
    assert errors_of(buffer.getvalue()) == [(1, 1, "B")]


def test_a_document_without_a_task_table_says_which_headings_it_expected(english):
    document = Document()
    document.add_paragraph("KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2024")
    document.add_table(rows=2, cols=2).cell(0, 0).text = "Nội dung"
    buffer = io.BytesIO()
    document.save(buffer)
    with pytest.raises(SpreadsheetError) as caught:
        read_plan(buffer.getvalue())
    assert str(caught.value).startswith("No header row in the document's tables: the table needs at least a "
                                        "“Nội dung nhiệm vụ” column")


def test_it_asks_for_the_year_when_the_document_does_not_give_it(english):
    document = Document()
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Cải cách hành chính")
    table = document.add_table(rows=3, cols=3)
    for row, values in enumerate((("STT", "Nội dung nhiệm vụ", "Thời hạn"), ("I", "Thể chế", ""),
                                  ("1", "Rà soát", "Quý I"))):
        for column, value in enumerate(values):
            table.cell(row, column).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    assert errors_of(buffer.getvalue()) == [(None, 0, None)]
    assert read_plan(buffer.getvalue(), year=2024).year == 2024


def test_the_legal_basis_above_the_table_gives_neither_the_number_nor_the_date():
    plan = small_plan()
    plan.doc_number, plan.doc_date = "", None  # no "Số:" or date in the masthead, none in the appendix line
    data = plan_docx(plan, "Sở Tư pháp", rows=[("I. Thể chế",), ("1", "Rà soát", "", "", "Quý I", "", "")])
    assert b"1234" in zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")  # "Căn cứ Quyết định số 1234…"
    parsed = read_plan(data)
    assert (parsed.doc_number, parsed.doc_date, parsed.year) == ("", None, 2024)


# --- hostile and foreign files ------------------------------------------------------------------------------

def with_document(parts, extra: dict[str, bytes] | None = None) -> bytes:
    """A real .docx whose word/document.xml is `parts`, written as they come, plus `extra` members."""
    good = rows_docx(("I. Thể chế",), ("1", "Rà soát", "", "", "Quý I", "", ""))
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info.filename, source.read(info))
        with out.open("word/document.xml", "w") as document:
            for part in parts:
                document.write(part)
        for name, content in (extra or {}).items():
            out.writestr(name, content)
    return buffer.getvalue()


def blank_megabytes(n: int):
    yield BODY
    for _ in range(n):
        yield b" " * (1024 * 1024)
    yield b"</w:body></w:document>"


def one_wide_row(cells: int):
    yield BODY + b"<w:tbl><w:tr>" + b"<w:tc><w:p/></w:tc>" * cells + b"</w:tr></w:tbl></w:body></w:document>"


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
                  + BODY + b"<w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>")


def ole(stream: str) -> bytes:
    """The start of an Office 97-2003 compound file naming its main stream, as Word and Excel write them."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + stream.encode("utf-16-le") + bytes(4000)


HOSTILE = {
    "zip-bomb": (lambda: with_document(blank_megabytes(65)), DOCUMENT_TOO_LARGE),
    "too-many-members": (lambda: with_document([BODY + b"</w:body></w:document>"],
                                               {f"word/media/anh{i}.txt": b"x" for i in range(2001)}),
                         DOCUMENT_TOO_LARGE),
    "row-of-200-cells": (lambda: with_document(one_wide_row(200)), DOCUMENT_TOO_LARGE),
    "billion-laughs": (lambda: with_document([BILLION_LAUGHS]), NEITHER),
    # A part under another name, in UTF-16 (which a relationship could make the main document): checked as XML.
    "utf-16-part": (lambda: with_document([BODY + b"</w:body></w:document>"], {"word/main.bin": b"".join(
        one_wide_row(200)).decode().encode("utf-16")}), DOCUMENT_TOO_LARGE),
    "truncated": (lambda: rows_docx(("I. Thể chế",))[:3000], NEITHER),
    "pdf-named-docx": (lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n", NEITHER),
    "old-doc": (lambda: ole("WordDocument"),
                "This is an old Word .doc file; open it in Word and save it as “Word Document (.docx)”."),
    "old-xls": (lambda: ole("Workbook"),
                "This is an old Excel .xls file; open it in Excel and save it as “Excel Workbook (.xlsx)”."),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_or_foreign_document_is_refused_with_one_clear_message(kind, english):
    make, message = HOSTILE[kind]
    with pytest.raises(SpreadsheetError) as caught:
        read_plan(make())
    assert [(e.table, e.row, e.column, e.message) for e in caught.value.errors] == [(None, 0, None, message)]


def test_the_zip_bomb_is_small_and_would_unpack_past_the_limit():
    bomb = with_document(blank_megabytes(65))
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert archive.getinfo("word/document.xml").file_size > 64 * 1024 * 1024 > 100 * len(bomb)


def test_the_old_doc_message_is_vietnamese_by_default():
    with pytest.raises(SpreadsheetError) as caught:
        read_plan(ole("WordDocument"))
    assert str(caught.value) == ("Đây là tệp Word .doc cũ; hãy mở tệp bằng Word và lưu lại dưới dạng "
                                 "“Word Document (.docx)”.")


def test_a_docx_is_told_apart_by_content_not_by_name(tmp_path):
    path = tmp_path / "ke-hoach.xlsx"  # a Word document under a spreadsheet's name
    path.write_bytes(plan_docx(read_plan(GOOD), "Sở Tư pháp"))
    assert read_plan(path).summary() == "7 lĩnh vực, 28 nhiệm vụ"


def test_a_merge_or_skip_wider_than_any_sheet_costs_nothing(english):
    # gridSpan and gridBefore come from the file: 50 million grid cells once cost 800 MB; now the row is cut at the
    # columns read, and the table reads as one without a plan header.
    import tracemalloc

    row = (b"<w:tbl><w:tr><w:trPr><w:gridBefore w:val=\"50000000\"/></w:trPr>"
           b"<w:tc><w:tcPr><w:gridSpan w:val=\"50000000\"/></w:tcPr><w:p/></w:tc></w:tr></w:tbl>")
    tracemalloc.start()
    try:
        with pytest.raises(SpreadsheetError):
            read_plan(with_document([BODY + row + b"</w:body></w:document>"]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024
