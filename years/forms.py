"""Reading the years forms: values in, clean values and errors by field name out."""

from __future__ import annotations

from typing import Any

from app.forms import date_value, text_value
from app.i18n import _
from years.actions import Pick
from years.nextyear import CHOICES


def close_form(data: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    values = {"closed_on": date_value(data, "closed_on", errors), "note": text_value(data, "note", errors, limit=2000)}
    if values["closed_on"] is None and "closed_on" not in errors:
        errors["closed_on"] = _("This field is required.")
    return values, errors


def carry_picks(data: dict[str, str], candidates: list[dict[str, Any]]) -> tuple[list[Pick], dict[str, str]]:
    """The ticked tasks ("task.<id>") and the field chosen for each ("field.<id>", empty: the same name)."""
    errors: dict[str, str] = {}
    picks = []
    for t in candidates:
        if data.get(f"task.{t['id']}") != "on":
            continue
        raw = (data.get(f"field.{t['id']}") or "").strip()
        picks.append(Pick(t["id"], int(raw) if raw.isdecimal() else None))
    if not picks:
        errors["tasks"] = _("Choose at least one task to carry over.")
    return picks, errors


def amendment_values(data: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The amendment that carries tasks into an issued plan: its number, date and reason are required."""
    errors: dict[str, str] = {}
    values = {"number": text_value(data, "number", errors, required=True, limit=64),
              "date": date_value(data, "date", errors),
              "reason": text_value(data, "reason", errors, required=True, limit=4000),
              "issuer": text_value(data, "issuer", errors, limit=255)}
    if values["date"] is None and "date" not in errors:
        errors["date"] = _("This field is required.")
    return values, errors


def next_year_choices(data: dict[str, str], tasks: list[dict[str, Any]]) -> tuple[dict[int, str], dict[str, str]]:
    errors: dict[str, str] = {}
    choices = {}
    for t in tasks:
        choice = data.get(f"choice.{t['id']}", "skip")
        if choice not in CHOICES:
            errors[f"task.{t['id']}"] = _("Choose one of the options.")
        choices[t["id"]] = choice
    return choices, errors
