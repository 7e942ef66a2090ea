"""Writing the board out as .xlsx and CSV, with the same lines, rows and totals the page shows.

Both formats come from one list of lines with typed values (int, exact ratio, rounded points), so they
cannot drift apart: the workbook keeps numbers as numbers for Excel to compute with, the CSV writes
them as the user reads them on the page ("92,86%", "2,79").
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.cells import csv_text, put
from app.i18n import N_, _, format_date, format_number, format_percent
from board.build import SORT_LABELS, Board, Row
from plans.components import component_label
from scoring.points import measured, round_points
from scoring.rules import Rule
from tasks.counting import COUNT_NAMES, Counts

HEADINGS = (N_("Rank"), N_("Unit code"), N_("Unit"), N_("Total tasks"), N_("Done on time"), N_("Done late"),
            N_("In progress within deadline"), N_("Not started"), N_("Overdue"), N_("Cancelled"), N_("Ratio"),
            N_("Ratio %"), N_("Plan completion points"), N_("Steering component points"), N_("Grade"))
WIDTHS = (9, 12, 36, 10, 12, 12, 14, 12, 10, 10, 10, 10, 14, 16, 14)
PERCENT_COLUMN = HEADINGS.index(N_("Ratio %"))
BOLD = Font(bold=True)


@dataclass(frozen=True)
class Line:
    """One table row: `kind` is block (a heading), unit, block_total or total; `places` formats its points."""

    kind: str
    values: tuple
    places: int = 2


def file_name(board: Board, extension: str) -> str:
    return f"bang-theo-doi-{board.filter.year}-den-{board.filter.as_of.isoformat()}.{extension}"


def preamble(board: Board, field_name: str = "") -> list[str]:
    """The title, the cut-off and the filters, as the lines above the table (the page's own wording)."""
    flt = board.filter
    lines = [_("Progress board of the administrative reform plans, %(year)s", year=flt.year),
             _("Figures as of %(date)s", date=format_date(flt.as_of)),
             f"{_('Block')}: {flt.block or _('All blocks')}",
             f"{_('Field')}: {field_name or flt.field or _('All fields')}",
             f"{_('Component')}: {_('All components') if flt.component is None else component_label(flt.component)}",
             f"{_('Sort by')}: {_(SORT_LABELS.get(board.sort, SORT_LABELS['rank']))}"]
    if flt.narrowed:
        lines.append(_("Counts are for the chosen field or component only; points and grades are for the whole plan."))
    return lines


def table_lines(board: Board) -> list[Line]:
    """Block by block: a heading, the units in the board's order, the block's totals; then all units.

    Like the page, the grand total counts the default way (late completions count, cancelled ones do not),
    since blocks may follow different rules.
    """
    lines = []
    for block in board.blocks:
        lines.append(Line("block", (f"{_('Block')}: {block.name or _('units without a block')}",)))
        lines.extend(_unit_line(row) for row in block.rows)
        lines.append(_totals_line("block_total", _("Block total"), block.totals, block.rule))
    lines.append(_totals_line("total", _("All units shown"), board.totals, None))
    return lines


def _unit_line(row: Row) -> Line:
    rule = row.rule
    component = row.score.total if row.score else None
    grade = row.score.grade.label if row.score and row.score.grade else ""
    values = (row.rank, row.unit["code"], row.unit["name"], *_counts(row.counts), row.ratio_text, row.ratio_value,
              _points(row.completion_points, rule), _points(component, rule), grade)
    return Line("unit", values, rule.places if rule else 2)


def _totals_line(kind: str, label: str, counts: Counts, rule: Rule | None) -> Line:
    done, counted = measured(rule, counts)
    value = Fraction(done, counted) if counted else None
    return Line(kind, (None, "", label, *_counts(counts), f"{done}/{counted}", value, None, None, ""))


def _counts(counts: Counts) -> tuple[int, ...]:
    return tuple(getattr(counts, name) for name in COUNT_NAMES)


def _points(value: Fraction | None, rule: Rule | None) -> Decimal | None:
    # Rounded the way the rule publishes them, so the file shows what the page shows.
    return round_points(value, rule.places, rule.rounding) if value is not None and rule else None


# .xlsx ----------------------------------------------------------------------------------------------

def write_xlsx(board: Board, field_name: str = "") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Bang theo doi {board.filter.year}"  # ASCII like the file name: safe in every Excel
    lines = preamble(board, field_name)
    for number, text in enumerate(lines, start=1):
        cell = sheet.cell(row=number, column=1)
        put(cell, text)  # the preamble names blocks and fields as typed: text, never a formula
        cell.font = Font(bold=number == 1, size=14 if number == 1 else 11)
    header_row = len(lines) + 2
    _xlsx_header(sheet, header_row)
    for number, line in enumerate(table_lines(board), start=header_row + 1):
        _xlsx_line(sheet, number, line)
    sheet.freeze_panes = f"A{header_row + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_header(sheet: Worksheet, row: int) -> None:
    for column, (heading, width) in enumerate(zip(HEADINGS, WIDTHS), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
        cell = sheet.cell(row=row, column=column)
        put(cell, _(heading))
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _xlsx_line(sheet: Worksheet, row: int, line: Line) -> None:
    for column, value in enumerate(line.values, start=1):
        cell = sheet.cell(row=row, column=column)
        if isinstance(value, Fraction):
            cell.value, cell.number_format = float(value), "0.00%"
        elif isinstance(value, Decimal):
            cell.value, cell.number_format = float(value), "0." + "0" * line.places if line.places else "0"
        elif value is None and column - 1 == PERCENT_COLUMN:
            cell.value = "—"  # no task counts: the page shows a dash, never 0%
        else:
            put(cell, value if value != "" else None)  # unit names and codes are text, never formulas
        if line.kind != "unit":
            cell.font = BOLD


# CSV ------------------------------------------------------------------------------------------------

def write_csv(board: Board, field_name: str = "") -> bytes:
    """UTF-8 with a byte-order mark: without it Excel reads the Vietnamese as mojibake."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for text in preamble(board, field_name):
        writer.writerow([csv_text(text)])
    writer.writerow([])
    writer.writerow([_(h) for h in HEADINGS])
    for line in table_lines(board):
        writer.writerow([_csv_value(v, column, line.places) for column, v in enumerate(line.values)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value: object, column: int, places: int) -> str:
    if column == PERCENT_COLUMN:
        return format_percent(value)  # type: ignore[arg-type]
    if isinstance(value, Decimal):
        return format_number(value, places)
    if isinstance(value, str):
        return csv_text(value)  # a unit's name or code as typed: never a formula in a spreadsheet program
    return "" if value is None else str(value)
