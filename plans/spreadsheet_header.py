"""Which column holds what, read from a plan table's header row and, when present, its second line.

Headings are matched on fold()ed words, so "Thời gian hoàn thành", "THỜI GIAN HOÀN THÀNH" and
"Thoi gian hoan thanh" are the same heading. Pure functions on rows of cell values.
"""

from __future__ import annotations

import re

from app.text import fold

HEADER_SEARCH_ROWS = 30  # the header is looked for in a sheet's (or a Word table's) first rows
MAX_ROWS = 5000  # task rows under the header
MAX_COLUMNS = 50
MAX_HEADING_TEXT = 300

HEADINGS = {
    "number": ("stt", "tt", "so tt", "so thu tu"),
    "content": ("noi dung nhiem vu", "nhiem vu", "noi dung", "ten nhiem vu", "noi dung cong viec"),
    # "chu tri" and "phoi hop" alone also catch "Cơ quan, đơn vị chủ trì thực hiện" and the like.
    "lead": ("don vi chu tri", "co quan chu tri", "chu tri", "don vi thuc hien", "co quan thuc hien"),
    "partners": ("don vi phoi hop", "co quan phoi hop", "phoi hop"),
    "deadline": ("thoi gian hoan thanh", "thoi han", "thoi han hoan thanh", "thoi gian thuc hien", "tien do",
                 "thoi gian"),
    "output": ("san pham", "san pham dau ra", "ket qua", "hinh thuc van ban"),
    "note": ("ghi chu",),
    "funding": ("kinh phi",),
}
# Longest first, so "Đơn vị chủ trì thực hiện" is read as the lead, never as a shorter alias.
_ALIASES = sorted(((alias, kind) for kind, names in HEADINGS.items() for alias in names), key=lambda a: -len(a[0]))

# Headings that only group the columns under them, e.g. "Đơn vị thực hiện" merged over
# "Chủ trì | Phối hợp": on a two-line header the second line says what each column is.
UMBRELLAS = {"don vi thuc hien", "co quan thuc hien", "co quan don vi thuc hien", "to chuc thuc hien",
             "phan cong thuc hien", "trach nhiem thuc hien", "don vi", "co quan"}


def _words(value: object) -> str:
    if not isinstance(value, str):
        return ""
    # A heading is a few words: the start of a long cell is enough to tell it is not one (see _match).
    return " ".join(re.findall(r"\w+", fold(re.sub(r"\(.*?\)", " ", value[:MAX_HEADING_TEXT]))))


def _match(value: object) -> tuple[str, str] | None:
    """(kind, alias) of a heading cell, or None."""
    words = _words(value)
    if not words or len(words) > 60:  # a title or a sentence, not a column heading
        return None
    return next(((kind, alias) for alias, kind in _ALIASES if f" {alias} " in f" {words} "), None)


def heading_kind(value: object) -> str | None:
    match = _match(value)
    return match[0] if match else None


def header_columns(values: tuple) -> dict[str, int] | None:
    """Column index per kind, if this row is a header (it names at least the content and the deadline)."""
    columns: dict[str, int] = {}
    matched: dict[str, int] = {}  # length of the alias each kind was found by
    for index, value in enumerate(values[:MAX_COLUMNS]):
        if not (match := _match(value)):
            continue
        kind, alias = match
        # The most specific heading wins: "Thời gian hoàn thành" over a "Thời gian bắt đầu" before it.
        if len(alias) > matched.get(kind, 0):
            columns[kind], matched[kind] = index, len(alias)
    return columns if {"content", "deadline"} <= columns.keys() else None


def merge_second_line(header: tuple, below: tuple, columns: dict[str, int]) -> dict[str, int] | None:
    """The columns with the row under the header read as its second line, or None if it is not one.

    It is one when every filled cell in it is a heading and at least one stands under an empty or
    umbrella heading; a task or field row always holds something that is not a heading.
    """
    found: dict[str, int] = {}
    for index, value in enumerate(below[:MAX_COLUMNS]):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not (kind := heading_kind(value)):
            return None
        above = header[index] if index < len(header) else None
        if (not _words(above) or _words(above) in UMBRELLAS) and kind not in found:
            found[kind] = index
    if not found:
        return None
    merged = {kind: index for kind, index in columns.items() if index not in found.values()}
    return merged | found
