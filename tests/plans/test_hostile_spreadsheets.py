"""Hostile plan spreadsheets: refused with one clear message, on the import page and by `parplan import-plan`,
with nothing written and the memory of the process that reads them bounded.

The files are made here, streamed to disk (a sheet that unpacks to hundreds of MB is never held whole). The
CLI runs in its own process so that its peak memory can be read from the kernel (os.wait4): a file that made
openpyxl build what it describes would cost gigabytes.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from app import i18n
from app.settings import get_settings
from plans import spreadsheet_package as package
from plans.parsed import SpreadsheetError
from plans.spreadsheet import read_plan
from plans.tables import Field, Plan
from tasks.tables import Task
from tests.builders import count, zipped

# Once, on SQLite: what a file holds does not depend on the database kind.
pytestmark = pytest.mark.only_db("sqlite")

ROOT = Path(__file__).resolve().parents[2]
SHEET = "xl/worksheets/sheet1.xml"
MAIN = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
NOT_XLSX = ("This is neither an Excel .xlsx file nor a Word .docx file; open it in Excel or Word and save it as "
            "“Excel Workbook (.xlsx)” or “Word Document (.docx)”.")
TOO_LARGE_MSGID = ("The spreadsheet is too large for a plan: at most %(rows)s rows and %(columns)s columns, in a file "
                   "of at most %(size)s MB. Delete the unused rows, columns and sheets, then save it again.")
TOO_LARGE = TOO_LARGE_MSGID % {"rows": "5,000", "columns": 50, "size": 10}
TITLE = "KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2024"
HEADER = ["STT", "Nội dung nhiệm vụ", "Đơn vị chủ trì", "Thời gian hoàn thành"]


@pytest.fixture
def english():
    token = i18n.set_locale("en")
    yield
    i18n._current.reset(token)


# Making the files ------------------------------------------------------------------------------------------

def plan_workbook() -> bytes:
    """A small, good plan: one field, one task."""
    workbook = openpyxl.Workbook()
    for values in ([TITLE], HEADER, ["I", "Cải cách thể chế"], [1, "Rà soát văn bản", "Phòng A", "Quý II"]):
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def inline(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def head_rows() -> Iterator[bytes]:
    yield b'<row r="1">' + inline("A1", TITLE) + b"</row>"
    yield b'<row r="2">' + b"".join(inline(f"{'ABCD'[i]}2", t) for i, t in enumerate(HEADER)) + b"</row>"


def with_sheet(path: Path, parts: Iterable[bytes], before_data: bytes = b"", after_data: bytes = b"",
               dimension: str = "A1:D2") -> Path:
    """The good plan with its first sheet replaced by `parts`, written as they come (never whole in memory)."""
    with zipfile.ZipFile(io.BytesIO(plan_workbook())) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != SHEET:
                out.writestr(info.filename, source.read(info))
        with out.open(SHEET, "w") as sheet:
            sheet.write(MAIN + f'<dimension ref="{dimension}"/>'.encode() + before_data + b"<sheetData>")
            for part in parts:
                sheet.write(part)
            sheet.write(b"</sheetData>" + after_data + b"</worksheet>")
    return path


def rows_of(n: int) -> Iterator[bytes]:
    yield from head_rows()
    yield b'<row r="3">' + inline("A3", "I") + inline("B3", "Cải cách thể chế") + b"</row>"
    for r in range(4, n + 4):
        yield f'<row r="{r}"><c r="A{r}"><v>{r}</v></c>'.encode() + inline(f"B{r}", "Rà soát") + \
            inline(f"D{r}", "Quý II") + b"</row>"


def wide_rows(rows: int, columns: int) -> Iterator[bytes]:
    yield from head_rows()
    cells = [get_column_letter(c) for c in range(1, columns + 1)]
    for r in range(3, rows + 3):
        yield f'<row r="{r}">'.encode() + b"".join(f'<c r="{c}{r}"><v>1</v></c>'.encode() for c in cells) + b"</row>"


def blank_megabytes(n: int) -> Iterator[bytes]:
    yield from head_rows()
    block = b" " * (1024 * 1024)
    for _ in range(n):
        yield block


def one_row_of_megabytes(n: int) -> Iterator[bytes]:
    yield from head_rows()
    yield b'<row r="3">'
    cells = b'<c r="A3"><v>1</v></c>' * 47_662  # 1 MiB
    for _ in range(n):
        yield cells
    yield b"</row>"


def lying_about_its_size(path: Path) -> Path:
    """A bomb whose directory says the sheet is 1,000 bytes: zipfile stops there, and the CRC says so."""
    data = bytearray(path.read_bytes())
    for entry in _central_entries(bytes(data)):
        name_length = int.from_bytes(data[entry + 28:entry + 30], "little")
        if data[entry + 46:entry + 46 + name_length] == SHEET.encode():
            data[entry + 24:entry + 28] = (1000).to_bytes(4, "little")  # the uncompressed size
    path.write_bytes(bytes(data))
    return path


def _central_entries(data: bytes) -> Iterator[int]:
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        yield at
        at = data.find(b"PK\x01\x02", at + 4)


def billion_laughs() -> bytes:
    """Shared strings with an entity that expands to 10^9 "lol"s: no .xlsx has a DOCTYPE."""
    entities = "".join(f'<!ENTITY lol{i} "{"&lol%d;" % (i - 1) * 10}">' for i in range(1, 10))
    strings = (f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY lol0 "lol">{entities}]>'
               '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plan_workbook())) as source, zipfile.ZipFile(buffer, "w") as out:
        for info in source.infolist():
            out.writestr(info.filename, source.read(info))
        out.writestr("xl/sharedStrings.xml", strings)
    return buffer.getvalue()


def many_sheets(n: int) -> bytes:
    workbook = openpyxl.Workbook()
    for i in range(n - 1):
        workbook.create_sheet(f"Trang {i}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    """Every hostile file once for the module: the bombs take a second or two to write."""
    folder = tmp_path_factory.mktemp("hostile")

    def saved(name: str, content: bytes) -> Path:
        (folder / name).write_bytes(content)
        return folder / name

    good = plan_workbook()
    return {
        "random-bytes": saved("ngau-nhien.xlsx", os.urandom(64 * 1024)),
        "zip-not-xlsx": saved("nen.xlsx", zipped({"bao-cao.txt": b"khong phai bang tinh"})),
        "ooxml-not-xlsx": saved("van-ban.xlsx", zipped({"[Content_Types].xml": b"<Types/>",
                                                      "word/document.xml": b"<w:document/>"})),
        "truncated": saved("cut-ngang.xlsx", good[: len(good) // 2]),
        "zip-bomb": with_sheet(folder / "bom-nen.xlsx", blank_megabytes(256)),
        "lying-bomb": lying_about_its_size(with_sheet(folder / "bom-noi-doi.xlsx", blank_megabytes(100))),
        "one-giant-row": with_sheet(folder / "mot-dong-khong-lo.xlsx", one_row_of_megabytes(200)),
        "200000-rows": with_sheet(folder / "200000-dong.xlsx", rows_of(200_000)),
        "renamed-sheet": renamed_sheet(with_sheet(folder / "doi-ten-trang.xlsx", rows_of(60_000))),
        "16384-columns": with_sheet(folder / "16384-cot.xlsx", wide_rows(3, 16_384), dimension="A1:XFD5"),
        "million-merges": with_sheet(folder / "gop-o.xlsx", head_rows(), after_data=b"<mergeCells>" + (
            b'<mergeCell ref="A1:B2"/>' * 1_000_000) + b"</mergeCells>"),
        "billion-laughs": saved("cuoi.xlsx", billion_laughs()),
        "30-sheets": saved("30-trang.xlsx", many_sheets(30)),
        "11-mb": saved("qua-lon.xlsx", os.urandom(11 * 1024 * 1024)),
    }


def renamed_sheet(path: Path) -> Path:
    """The sheet stored as sheet1.dat: openpyxl follows the relationships to it whatever its name."""
    renamed = SHEET.replace(".xml", ".dat")
    content = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                data = data.replace(b"worksheets/sheet1.xml", b"worksheets/sheet1.dat")
            out.writestr(renamed if info.filename == SHEET else info.filename, data)
    return path


REFUSED = {
    "random-bytes": NOT_XLSX, "zip-not-xlsx": NOT_XLSX, "ooxml-not-xlsx": NOT_XLSX, "truncated": NOT_XLSX,
    "lying-bomb": NOT_XLSX, "billion-laughs": NOT_XLSX,
    "zip-bomb": TOO_LARGE, "one-giant-row": TOO_LARGE, "200000-rows": TOO_LARGE, "16384-columns": TOO_LARGE,
    "renamed-sheet": TOO_LARGE,
    "million-merges": TOO_LARGE, "30-sheets": TOO_LARGE, "11-mb": TOO_LARGE,
}


# Reading ---------------------------------------------------------------------------------------------------

def test_the_bombs_really_are_bombs(hostile):
    # What openpyxl would have had to unpack or build, had the package not been checked first.
    with zipfile.ZipFile(hostile["zip-bomb"]) as bomb:
        assert bomb.getinfo(SHEET).file_size > 256 * 1024 * 1024 > 500 * hostile["zip-bomb"].stat().st_size
    with zipfile.ZipFile(hostile["one-giant-row"]) as row:
        assert row.getinfo(SHEET).file_size > 199 * 1024 * 1024
    with zipfile.ZipFile(hostile["lying-bomb"]) as liar:
        assert liar.getinfo(SHEET).file_size == 1000
    assert inflated_size(hostile["lying-bomb"], SHEET) > 100 * 1024 * 1024  # a hundred thousand times more


def inflated_size(path: Path, name: str) -> int:
    """What a member's deflated data really inflates to, whatever the directory says, 1 MB at a time."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    with path.open("rb") as handle:
        handle.seek(info.header_offset + 26)
        name_length, extra_length = struct.unpack("<HH", handle.read(4))
        handle.seek(info.header_offset + 30 + name_length + extra_length)
        data = handle.read(info.compress_size)
    inflater, total = zlib.decompressobj(-15), 0
    while data:
        total += len(inflater.decompress(data, 1024 * 1024))
        data = inflater.unconsumed_tail
    return total


@pytest.mark.parametrize("kind", REFUSED)
def test_a_hostile_spreadsheet_is_refused_with_one_clear_message(hostile, kind, english):
    with pytest.raises(SpreadsheetError) as caught:
        read_plan(hostile[kind])
    assert [(e.row, e.column, e.message) for e in caught.value.errors] == [(0, None, REFUSED[kind])]


def test_the_message_is_vietnamese_by_default(hostile):
    with pytest.raises(SpreadsheetError) as caught:
        read_plan(hostile["random-bytes"])
    assert str(caught.value).startswith("Đây không phải là tệp Excel .xlsx")


def test_a_sheet_whose_dimension_claims_the_whole_grid_is_read_for_what_it_holds(tmp_path):
    # <dimension ref="A1:XFD1048576"/>: 17 billion cells announced, four rows written. Nothing is sized from it.
    path = with_sheet(tmp_path / "kich-thuoc.xlsx", rows_of(1), dimension="A1:XFD1048576")
    plan = read_plan(path)
    assert plan.year == 2024 and [(f.name, [t.content for t in f.tasks]) for f in plan.fields] == \
        [("Cải cách thể chế", ["Rà soát"])]


def test_a_plan_as_long_as_allowed_is_still_read(tmp_path):
    path = with_sheet(tmp_path / "5000-dong.xlsx", rows_of(4990))
    plan = read_plan(path)
    assert plan.task_count == 4990


def test_a_table_running_past_the_row_limit_says_so_alone(tmp_path, english):
    path = with_sheet(tmp_path / "5100-dong.xlsx", rows_of(5100))
    with pytest.raises(SpreadsheetError) as caught:
        read_plan(path)
    assert [str(e) for e in caught.value.errors] == ["Row 5003: The table is longer than 5,000 rows."]


def test_the_limits_are_far_above_a_real_plan(shared_data):
    # The shared plan of Sở Tư pháp (28 tasks) uses a sliver of each cap.
    with (shared_data / "ke-hoach-cchc-2024-so-tu-phap.xlsx").open("rb") as handle:
        package.check_package(handle)
    assert package.MAX_CELLS >= 5000 * 12 and package.MAX_ROW_CELLS > 2 * 50


# The command line, in its own process: exit 2, the message, nothing written, memory bounded ---------------

# The command runs in a child of a small Python process, which reports the child's peak memory: a child
# spawned by pytest itself would start its high-water mark from pytest's own size (exec keeps it).
MEASURED = """import os, sys
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execv(sys.executable, [sys.executable, "-m", "app.cli", *sys.argv[1:]])
_pid, status, usage = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def run_cli(path: Path) -> tuple[int, list[str], int]:
    """(exit code, lines on stderr, peak resident memory in MB) of `parplan import-plan` on the file."""
    done = subprocess.run([sys.executable, "-c", MEASURED, "import-plan", str(path), "--unit", "STP"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    code, peak_kb = map(int, done.stdout.split())
    return code, done.stderr.splitlines(), peak_kb // 1024


def in_vietnamese(message: str) -> str:
    token = i18n.set_locale("vi")
    try:
        return i18n.gettext(message, rows="5.000", columns=50, size=10)
    finally:
        i18n._current.reset(token)


@pytest.fixture(scope="module")
def cli_baseline(hostile) -> int:
    """The peak memory of the command on a small file it refuses at once: Python, the app and openpyxl."""
    code, _err, peak = run_cli(hostile["random-bytes"])
    assert code == 2
    return peak


@pytest.mark.parametrize("kind", ["zip-bomb", "lying-bomb", "one-giant-row", "200000-rows", "16384-columns",
                                  "million-merges", "billion-laughs", "truncated", "11-mb"])
def test_the_command_line_refuses_it_exits_2_and_stays_small(hostile, kind, cli_baseline):
    code, err, peak = run_cli(hostile[kind])
    assert code == 2
    message = TOO_LARGE_MSGID if REFUSED[kind] == TOO_LARGE else NOT_XLSX  # the CLI speaks Vietnamese
    assert err == [in_vietnamese(message), "Chưa nhập gì vào hệ thống."]
    assert peak - cli_baseline < 32, f"{kind}: {peak} MB at its peak, {cli_baseline} MB for a small file"
    assert count(Plan) == 0


# The import page -------------------------------------------------------------------------------------------

def imports_kept() -> set[Path]:
    folder = get_settings().var_dir / "imports"
    return set(folder.iterdir()) if folder.exists() else set()


@pytest.mark.parametrize("kind", ["zip-bomb", "one-giant-row", "200000-rows", "16384-columns", "million-merges",
                                  "billion-laughs", "zip-not-xlsx", "truncated"])
def test_the_import_page_refuses_it_and_writes_nothing(web, actors, hostile, kind):
    actors.focal_a.language = "en"
    actors.focal_a.save().run_sync()
    web.login(actors.focal_a)
    before = imports_kept()
    response = web.post("/plans/import", {"unit": str(actors.unit_a.id)},
                        files={"file": (hostile[kind].name, hostile[kind].read_bytes(), "application/octet-stream")})
    assert "<h1>The file has 1 error; nothing was saved.</h1>" in response.text
    assert f'<tr data-error-row="0"><td></td><td></td><td>{REFUSED[kind]}</td></tr>' in response.text
    assert 'name="digest"' not in response.text  # nothing to confirm
    assert count(Plan) == 0 and count(Field) == 0 and count(Task) == 0 and imports_kept() == before
    assert web.get("/plans/import").status_code == 200


@pytest.mark.parametrize("headers", [{}, {"content-length": str(11 * 1024 * 1024)}], ids=["body", "announced"])
def test_a_file_over_the_limit_sends_the_form_back_with_the_limit_next_to_the_file(web, actors, headers):
    actors.focal_a.language = "en"
    actors.focal_a.save().run_sync()
    web.login(actors.focal_a)
    before = imports_kept()
    # A plain form, as without JavaScript: the token is in the body, which the CSRF check reads first.
    response = web.client.post("/plans/import", data={"_csrf_token": web.token(), "unit": str(actors.unit_a.id)},
                               files={"file": ("lon.xlsx", b"x" * (11 * 1024 * 1024 if not headers else 100), "x")},
                               headers=headers, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/plans/import?refused=too-large"
    page = web.get(response.headers["location"])
    assert page.status_code == 200
    assert '<p class="error" data-error="file">The file is larger than 10 MB.</p>' in page.text
    assert count(Plan) == 0 and imports_kept() == before
