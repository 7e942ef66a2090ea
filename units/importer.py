"""Importing units and their accounts from the province's list (.xlsx): read and check every row first, then save
all of it in one transaction or nothing; the new accounts get an invitation link, never a password.

Columns (the header row is found in the first rows, names matched without diacritics or case): code, name, kind,
block, and optionally the focal point's email and name and the unit head's email and name. Cells are read as
text (a code typed as 001 and kept as a number reads "1": the file should format that column as text).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from app import audit
from accounts.mail import SendFailed, send_link
from app.accounts import EMAIL, AccountError, create_user
from app.db import serialized
from app.i18n import _
from app.tables import UNIT_KINDS, Unit, User
from app.text import fold
from plans import spreadsheet_package as package
from plans.spreadsheet_body import cell_text
from units import rules
from units.actions import save_new

HEADERS = {
    "code": ("code", "ma", "ma don vi", "ma dv"),
    "name": ("name", "ten", "ten don vi", "don vi"),
    "kind": ("kind", "loai", "loai don vi"),
    "block": ("block", "khoi", "khoi xep hang"),
    "focal_email": ("focal point email", "email dau moi", "email can bo dau moi"),
    "focal_name": ("focal point name", "dau moi", "can bo dau moi", "ho ten dau moi"),
    "head_email": ("unit head email", "email lanh dao", "email thu truong"),
    "head_name": ("unit head name", "lanh dao", "thu truong", "ho ten lanh dao"),
}
REQUIRED = ("code", "name", "kind")
KINDS = {fold(k): k for k in UNIT_KINDS} | {
    "so": "department", "ban": "department", "nganh": "department", "so, ban, nganh": "department",
    "xa": "commune", "phuong": "commune", "dac khu": "commune", "xa, phuong": "commune",
    "huyen": "district", "bo": "ministry", "khac": "other"}
HEADER_SEARCH_ROWS = 10
MAX_ROWS = 5000
ACCOUNTS = (("focal_email", "focal_name", "focal_point"), ("head_email", "head_name", "unit_head"))
ACCOUNT_KEYS = {role: email_key for email_key, _name, role in ACCOUNTS}


@dataclass
class CellError:
    row: int
    column: str | None
    message: str


class ListError(Exception):
    """Every problem of the file, by row and cell; nothing was saved."""

    def __init__(self, errors: list[CellError]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


@dataclass
class UnitRow:
    row: int
    code: str
    name: str
    kind: str
    block: str
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (email, full name, role)
    letters: dict[str, str] = field(default_factory=dict)  # column key -> letter, for errors found later


def _header(values: tuple) -> dict[str, int]:
    found = {}
    for index, value in enumerate(values):
        for key, names in HEADERS.items():
            if fold(cell_text(value)) in names and key not in found:
                found[key] = index
    return found if all(k in found for k in REQUIRED) else {}


def _sheet_rows(source: bytes | Path | BinaryIO) -> list[tuple]:
    with package.opened(source) as handle:
        try:
            if package.check_package(handle) != "xlsx":
                raise package.NotXlsx("docx")
            workbook = load_workbook(handle, read_only=True, data_only=True)
        except (package.NotXlsx, package.TooLarge):
            raise ListError([CellError(0, None, _("This is not an Excel .xlsx file of a usable size; open it "
                                                     "in Excel and save it as “Excel Workbook (.xlsx)”."))]) from None
        except Exception:  # a foreign file can fail anywhere in zipfile, XML or openpyxl
            raise ListError([CellError(0, None, _("The file could not be read."))]) from None
        try:
            return list(workbook.worksheets[0].iter_rows(max_row=MAX_ROWS + HEADER_SEARCH_ROWS, max_col=20,
                                                         values_only=True))
        finally:
            workbook.close()


async def check_list(source: bytes | Path | BinaryIO) -> list[UnitRow]:
    """The list's units, or ListError with every problem: of the file, of each row, against the other rows and
    against the database (codes and emails already taken)."""
    units, errors = read_units(source)
    errors += await check_against_database(units)
    if errors:
        raise ListError(sorted(errors, key=lambda e: (e.row, e.column or "")))
    return units


def read_units(source: bytes | Path | BinaryIO) -> tuple[list[UnitRow], list[CellError]]:
    """Every unit row of the first sheet, checked on its own and against the others, with the problems found;
    ListError when the file itself cannot be read as a list."""
    rows = _sheet_rows(source)
    start = next(((i, h) for i, values in enumerate(rows[:HEADER_SEARCH_ROWS]) if (h := _header(values))), None)
    if start is None:
        raise ListError([CellError(0, None, _("No header row in the first %(rows)s rows: the list needs the "
                                                 "columns code, name and kind (mã, tên, loại).",
                                                 rows=HEADER_SEARCH_ROWS))])
    header_index, columns = start
    errors: list[CellError] = []
    units, seen = [], {}
    for offset, values in enumerate(rows[header_index + 1:], start=header_index + 2):
        cells = {k: cell_text(values[i]) if i < len(values) else "" for k, i in columns.items()}
        if not any(cells.values()):
            continue
        units.append(_row(offset, cells, columns, errors, seen))
    if not units and not errors:
        errors.append(CellError(0, None, _("The list has no unit.")))
    return units, errors


def _row(number: int, cells: dict[str, str], columns: dict[str, int], errors: list[CellError],
         seen: dict[str, int]) -> UnitRow:
    def error(key: str, message: str) -> None:
        errors.append(CellError(number, get_column_letter(columns[key] + 1), message))

    code, kind = cells["code"].upper(), KINDS.get(fold(cells["kind"]), cells["kind"])
    for key, message in rules.unit_errors(code, cells["name"], kind).items():
        error(key, message)
    if code in seen:
        error("code", _("Code %(code)s is already on row %(row)s.", code=code, row=seen[code]))
    seen.setdefault(code, number)
    unit = UnitRow(number, code, cells["name"].strip(), kind, cells.get("block", "").strip()[:128],
                   letters={k: get_column_letter(i + 1) for k, i in columns.items()})
    for email_key, name_key, role in ACCOUNTS:
        email = cells.get(email_key, "").strip().lower()
        if not email:
            continue
        if not EMAIL.match(email):
            error(email_key, _("%(email)s is not an email address.", email=email))
        elif email in seen:
            error(email_key, _("%(email)s is already on row %(row)s.", email=email, row=seen[email]))
        seen.setdefault(email, number)
        unit.accounts.append((email, cells.get(name_key, "").strip()[:255], role))
    return unit


async def check_against_database(units: list[UnitRow]) -> list[CellError]:
    """Codes and emails that already exist, by row and cell."""
    codes = {r["code"] for r in await Unit.select(Unit.code).where(Unit.code.is_in([u.code for u in units]))}
    emails = [e for u in units for e, _n, _r in u.accounts]
    taken = {r["email"] for r in await User.select(User.email).where(User.email.is_in(emails))} if emails else set()
    errors = [CellError(u.row, u.letters["code"], _("Unit %(code)s already exists.", code=u.code)) for u in units
              if u.code in codes]
    errors += [CellError(u.row, u.letters[ACCOUNT_KEYS[r]], _("An account with %(email)s already exists.", email=e))
               for u in units for e, _n, r in u.accounts if e in taken]
    return errors


async def save_units(units: list[UnitRow], effective_from: dt.date | None, actor: User | None,
                     now: dt.datetime) -> list[User]:
    """Every unit and account of the list, in one transaction, or nothing (ListError when another request
    took a code or an email meanwhile). Returns the accounts to invite."""
    invited = []
    async with serialized("units"):
        if errors := await check_against_database(units):
            raise ListError(errors)
        for row in units:
            unit = Unit(code=row.code, name=row.name, kind=row.kind, block=row.block, effective_from=effective_from)
            await save_new(unit, None, actor, now, action="imported")
            for email, full_name, role in row.accounts:
                try:
                    invited.append(await create_user(email, role, row.code, None, full_name, actor=actor))
                except AccountError as exc:
                    raise ListError([CellError(row.row, row.letters[ACCOUNT_KEYS[role]], str(exc))]) from exc
        await audit.record(audit.UNITS_IMPORTED, actor, now, target=_("%(n)s units", n=len(units)),
                           units=len(units), accounts=len(invited))
    return invited


async def invite(users: list[User], actor: User | None, now: dt.datetime) -> list[str]:
    """An invitation link emailed to each new account; returns the addresses it could not be sent to (the admin
    resends those from the accounts page)."""
    failed = []
    for user in users:
        try:
            await send_link(user, "invite", now, by=actor)
        except SendFailed:
            failed.append(user.email)
    return failed
