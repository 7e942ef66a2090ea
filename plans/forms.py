"""Validating the plan forms: values in, (clean values, errors by field name) out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.i18n import _
from plans.rules import DeadlineError, parse_deadline

MAX_TEXT = 4000


def _text(data: dict[str, str], name: str, errors: dict[str, str], required: bool = False, limit: int = 500) -> str:
    value = (data.get(name) or "").strip()
    if required and not value:
        errors[name] = _("This field is required.")
    elif len(value) > limit:
        errors[name] = _("At most %(n)s characters.", n=limit)
    return value


def _date(data: dict[str, str], name: str, errors: dict[str, str]) -> dt.date | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    errors[name] = _("Write the date as dd/mm/yyyy.")
    return None


def plan_form(data: dict[str, str], unit_ids: list[int]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"title": _text(data, "title", errors, required=True),
                              "doc_number": _text(data, "doc_number", errors, limit=64),
                              "doc_date": _date(data, "doc_date", errors)}
    try:
        values["unit"] = int(data.get("unit") or (unit_ids[0] if len(unit_ids) == 1 else 0))
    except ValueError:
        values["unit"] = 0
    if values["unit"] not in unit_ids:
        errors["unit"] = _("Choose your unit.")
    try:
        values["year"] = int(data.get("year", ""))
        if not 2000 <= values["year"] <= 2100:
            raise ValueError
    except ValueError:
        values["year"] = data.get("year", "")
        errors["year"] = _("Enter a year between 2000 and 2100.")
    return values, errors


def field_form(data: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    name = _text(data, "name", errors, required=True)
    component = None
    if (raw := (data.get("component") or "").strip()):
        if raw.isdigit() and 1 <= int(raw) <= 8:
            component = int(raw)
        else:
            errors["component"] = _("Choose a component from 1 to 8, or none.")
    return {"name": name, "component": component}, errors


def task_form(data: dict[str, str], plan_year: int) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "number": _text(data, "number", errors, limit=16),
        "content": _text(data, "content", errors, required=True, limit=MAX_TEXT),
        "lead": _text(data, "lead", errors, limit=MAX_TEXT),
        "partners": _text(data, "partners", errors, limit=MAX_TEXT),
        "output": _text(data, "output", errors, limit=MAX_TEXT),
        "note": _text(data, "note", errors, limit=MAX_TEXT),
        "due_text": _text(data, "due_text", errors, required=True, limit=255),
    }
    if values["due_text"] and "due_text" not in errors:
        try:
            values["due_date"] = parse_deadline(values["due_text"], plan_year)
        except DeadlineError as exc:
            errors["due_text"] = str(exc)
    return values, errors
