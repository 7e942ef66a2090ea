"""Pure rules about plans: numbering a new task, guessing a field's PAR Index component.

Nothing here reads the clock or the database. Reading a deadline as plans write it is tasks.deadlines.
"""

from __future__ import annotations

import re

from app.text import fold


def next_task_number(previous: str | None, position: int) -> str:
    """The number a new task gets after `previous`, keeping the field's style: 1.2 -> 1.3, 4 -> 5."""
    if previous:
        head, dot, tail = previous.rpartition(".")
        if tail.isdecimal():
            return f"{head}{dot}{int(tail) + 1}"
    return str(position)


# Keywords on folded headings, punctuation dropped ("chỉ đạo điều hành" is written with and
# without the comma). Checked in component order, so the steering field, whose heading often
# ends in "cải cách hành chính", is claimed before anything more general could match.
_COMPONENT_KEYWORDS = (
    (1, ("chi dao dieu hanh",)),
    (2, ("the che",)),
    (3, ("thu tuc hanh chinh",)),
    (4, ("to chuc bo may",)),
    (5, ("che do cong vu",)),
    (6, ("tai chinh cong",)),
    (7, ("chinh quyen dien tu", "chinh quyen so", "chuyen doi so")),
)


def guess_component(field_name: str) -> int | None:
    """The PAR Index component a field heading names, e.g. 'CẢI CÁCH THỂ CHẾ' -> 2; None if unsure."""
    words = " " + " ".join(re.findall(r"\w+", fold(field_name))) + " "
    for component, keywords in _COMPONENT_KEYWORDS:
        if any(f" {keyword} " in words for keyword in keywords):
            return component
    return None
