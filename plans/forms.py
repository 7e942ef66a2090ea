"""Validating the plan forms: values in, (clean values, errors by field name) out."""

from __future__ import annotations

from typing import Any

from app.forms import date_value, text_value
from app.i18n import _


def unit_choice(raw: str | None, unit_ids: list[int], errors: dict[str, str]) -> int:
    """The chosen unit, which must be one the user may write to; a single choice needs no picking."""
    try:
        unit_id = int(raw) if raw else (unit_ids[0] if len(unit_ids) == 1 else 0)
    except ValueError:
        unit_id = 0
    if unit_id not in unit_ids:
        errors["unit"] = _("Choose your unit.")
    return unit_id


def year_choice(raw: str | None, errors: dict[str, str], required: bool = True) -> int | None:
    raw = (raw or "").strip()
    if not raw and not required:
        return None
    if raw.isdecimal() and 2000 <= int(raw) <= 2100:
        return int(raw)
    errors["year"] = _("Enter a year between 2000 and 2100.")
    return None


def plan_form(data: dict[str, str], unit_ids: list[int]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"title": text_value(data, "title", errors, required=True),
                              "doc_number": text_value(data, "doc_number", errors, limit=64),
                              "doc_date": date_value(data, "doc_date", errors),
                              "unit": unit_choice(data.get("unit"), unit_ids, errors)}
    values["year"] = year_choice(data.get("year"), errors)
    if values["year"] is None:
        values["year"] = data.get("year", "")  # shown back as typed
    return values, errors


def issue_form(data: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Issuing a plan records its official document: both the number/code and the date are required."""
    errors: dict[str, str] = {}
    values = {"doc_number": text_value(data, "doc_number", errors, required=True, limit=64),
              "doc_date": date_value(data, "doc_date", errors)}
    if values["doc_date"] is None and "doc_date" not in errors:
        errors["doc_date"] = _("This field is required.")
    return values, errors


def field_form(data: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    name = text_value(data, "name", errors, required=True)
    component = None
    if (raw := (data.get("component") or "").strip()):
        if raw.isdecimal() and 1 <= int(raw) <= 8:
            component = int(raw)
        else:
            errors["component"] = _("Choose a component from 1 to 8, or none.")
    return {"name": name, "component": component}, errors
