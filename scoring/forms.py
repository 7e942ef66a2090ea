"""The scoring forms: a rule document to and from flat form fields, the create/copy forms, a manual score.

Row fields are named like parse_rule's error keys ("bands.0.lower"), so an error lands next to its input.
A form may hold empty rows (for adding) and rows marked for removal: both are left out of the document,
and the error keys are mapped back to the form's row numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from app.dates import format_date_input
from app.forms import date_value
from app.i18n import _, get_locale
from scoring.rules import Rule, RuleError, parse_rule

EXTRA_ROWS = 2  # empty rows offered under each table for adding
TABLES = {  # the columns of each table; the first ones decide whether a row is empty
    "components": ("number", "name", "max_points"),
    "criteria": ("code", "name", "max_points", "source"),
    "bands": ("lower", "upper", "points", "mode"),
    "grades": ("lower", "label", "colour"),
}
TYPED = {"components": 3, "criteria": 3, "bands": 3, "grades": 2}  # columns typed by hand (the rest are selects)
NUMBERS = {"max_points", "lower", "upper", "points"}
SCALARS = ("name", "note", "denominator", "plan_late_points", "rounding", "grade_basis")
MAX_COMMENT = 2000


def _shown(raw: Any) -> str:
    """A document decimal ('0.9') as typed on a Vietnamese page ('0,9')."""
    text = str(raw if raw is not None else "")
    return text.replace(".", ",") if get_locale() == "vi" else text


def rule_values(body: dict[str, Any], extra: int = EXTRA_ROWS) -> dict[str, Any]:
    """What the edit form shows for a saved document, with `extra` empty rows under each table."""
    values: dict[str, Any] = {k: body.get(k, "") for k in SCALARS}
    values["plan_late_points"] = _shown(body.get("plan_late_points", "0"))
    values.update(count_late=bool(body.get("count_late", True)), places=str(body.get("places", 2)),
                  plan_deadline=format_date_input(dt.date.fromisoformat(body["plan_deadline"]))
                  if body.get("plan_deadline") else "")
    for table, columns in TABLES.items():
        rows = [{c: _shown(r.get(c, "")) if c in NUMBERS else str(r.get(c, "")) for c in columns}
                for r in body.get(table) or []]
        values[table] = rows + [dict.fromkeys(columns, "") for _ in range(extra)]
    return values


def _form_rows(data: dict[str, str], table: str) -> list[dict[str, str]]:
    """The table's rows as posted, in row order, with their 'remove' box."""
    numbers = {int(m.group(1)) for k in data if (m := re.fullmatch(rf"{table}\.(\d+)\.\w+", k))}
    count = max(numbers) + 1 if numbers else 0
    return [{c: (data.get(f"{table}.{i}.{c}") or "").strip() for c in (*TABLES[table], "remove")}
            for i in range(min(count, 200))]


def _document(values: dict[str, Any], errors: dict[str, str]) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The document parse_rule reads, and for each table the form row of each document row."""
    doc: dict[str, Any] = {k: values[k] for k in SCALARS}
    doc.update(count_late=values["count_late"], places=int(values["places"]) if values["places"].isdecimal() else -1)
    deadline = date_value(values, "plan_deadline", errors)
    doc["plan_deadline"] = deadline.isoformat() if deadline else ""
    where: dict[str, list[int]] = {}
    for table, columns in TABLES.items():
        where[table] = [i for i, r in enumerate(values[table])
                        if not r["remove"] and any(r[c] for c in columns[:TYPED[table]])]
        doc[table] = [{c: values[table][i][c] for c in columns} for i in where[table]]
    for row, i in zip(doc["components"], where["components"]):
        # parse_rule takes the number as given; a typed "1a" is caught here, next to its input.
        if not row["number"].isdecimal():
            errors[f"components.{i}.number"] = _("Enter a whole number.")
        row["number"] = int(row["number"]) if row["number"].isdecimal() else 0
    return doc, where


def _form_key(key: str, where: dict[str, list[int]]) -> str:
    """'bands.1.lower' of the document is 'bands.3.lower' of the form when rows 1 and 2 were left out."""
    parts = key.split(".")
    if len(parts) == 3 and parts[0] in where and parts[1].isdecimal() and int(parts[1]) < len(where[parts[0]]):
        parts[1] = str(where[parts[0]][int(parts[1])])
    return ".".join(parts)


def rule_form(data: dict[str, str]) -> tuple[Rule | None, dict[str, Any], dict[str, str]]:
    """(the checked rule or None, the values to show again, errors by field) for a posted edit form."""
    values: dict[str, Any] = {k: (data.get(k) or "").strip() for k in (*SCALARS, "places", "plan_deadline")}
    values["count_late"] = data.get("count_late") in ("on", "1", "true")
    values.update({table: _form_rows(data, table) for table in TABLES})
    errors: dict[str, str] = {}
    change_note = (data.get("change_note") or "").strip()
    if not change_note:
        errors["change_note"] = _("Say what changed and why.")
    elif len(change_note) > MAX_COMMENT:
        errors["change_note"] = _("At most %(n)s characters.", n=MAX_COMMENT)
    values["change_note"] = change_note
    doc, where = _document(values, errors)
    rule = None
    try:
        rule = parse_rule(doc)
    except RuleError as exc:
        errors.update({_form_key(k, where): v for k, v in exc.errors.items() if _form_key(k, where) not in errors})
    return (None if errors else rule), values, errors


def year_value(raw: str | None, key: str, errors: dict[str, str]) -> int:
    raw = (raw or "").strip()
    if raw.isdecimal() and 2000 <= int(raw) <= 2100:
        return int(raw)
    errors[key] = _("Enter a year between 2000 and 2100.")
    return 0


def create_form(data: dict[str, str], blocks: list[str], examples) -> tuple[dict[str, Any], dict[str, str]]:
    """A new rule from an example: the year, the block ('' = every block) and the example's name."""
    errors: dict[str, str] = {}
    values = {"year": year_value(data.get("year"), "year", errors), "block": (data.get("block") or "").strip(),
              "example": data.get("example") or ""}
    if values["block"] and values["block"] not in blocks:
        errors["block"] = _("Choose one of the options.")
    if values["example"] not in examples:
        errors["example"] = _("Choose one of the options.")
    return values, errors


def copy_form(data: dict[str, str], blocks: list[str], rule_ids: list[int]) -> tuple[dict[str, Any], dict[str, str]]:
    """Another rule copied to a year and block; error keys start with 'copy.' (a second form on the page)."""
    errors: dict[str, str] = {}
    source = (data.get("source") or "").strip()
    values = {"source": int(source) if source.isdecimal() else 0, "block": (data.get("block") or "").strip(),
              "year": year_value(data.get("year"), "copy.year", errors)}
    if values["source"] not in rule_ids:
        errors["copy.source"] = _("Choose one of the options.")
    if values["block"] and values["block"] not in blocks:
        errors["copy.block"] = _("Choose one of the options.")
    return values, errors


def manual_form(data: dict[str, str], max_points: Decimal, has_evidence: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """Points from 0 to the criterion's maximum and the giải trình, required when points come without evidence."""
    errors: dict[str, str] = {}
    raw = (data.get("points") or "").strip()
    comment = (data.get("comment") or "").strip()
    points = None
    try:
        points = Decimal(raw.replace(",", "."))
        if not points.is_finite() or points < 0 or points > max_points or points.as_tuple().exponent < -3:
            errors["points"] = _("Enter points from 0 to %(max)s, with at most 3 decimals.", max=_shown(max_points))
    except InvalidOperation:
        errors["points"] = _("Enter a number, such as 0,9 or 2.")
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _("At most %(n)s characters.", n=MAX_COMMENT)
    elif points is not None and points > 0 and not comment and not has_evidence:
        errors["comment"] = _("Points given without evidence need a written explanation.")
    return {"points": raw, "comment": comment, "value": points}, errors
