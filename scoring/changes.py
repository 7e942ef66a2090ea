"""What changed between two saved versions of a rule, in words the secretariat and auditors read.

Pure: two rule documents (as dump_rule writes them) in, a list of sentences out.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from app.i18n import N_, _, format_date, format_number
from scoring.rules import DENOMINATORS, GRADE_BASES, MODES, ROUNDING_LABELS, SOURCES

SCALARS = {"name": N_("Name"), "note": N_("Note"), "denominator": N_("Denominator"),
           "count_late": N_("Tasks done late count as done"), "plan_deadline": N_("Plan deadline"),
           "plan_late_points": N_("Points for a plan issued late"), "places": N_("Decimal places"),
           "rounding": N_("Rounding"), "grade_basis": N_("Grade basis")}
COLOUR_LABELS = {"green": N_("green"), "teal": N_("teal"), "blue": N_("blue"), "amber": N_("amber"),
                 "orange": N_("orange"), "red": N_("red"), "grey": N_("grey")}
CHOICES = {"denominator": DENOMINATORS, "rounding": ROUNDING_LABELS, "grade_basis": GRADE_BASES, "source": SOURCES}


def number_text(raw: Any) -> str:
    """'0.9' as '0,9' in Vietnamese, with as many decimals as were written."""
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        return str(raw)
    return format_number(value, max(0, -value.as_tuple().exponent))


def _percent(raw: Any) -> str:
    try:
        return number_text((Decimal(str(raw)) * 100).normalize()) + "%"
    except InvalidOperation:
        return str(raw)


def _scalar(key: str, raw: Any) -> str:
    if key == "count_late":
        return _("yes") if raw else _("no")
    if key == "plan_deadline":
        return format_date(dt.date.fromisoformat(raw)) if raw else "—"
    if key == "plan_late_points":
        return number_text(raw)
    if key in CHOICES:
        return _(CHOICES[key][raw]) if raw in CHOICES[key] else str(raw)
    return str(raw) if raw not in (None, "") else "—"


def bands_text(bands: list[dict[str, Any]]) -> str:
    parts = []
    for b in sorted(bands, key=lambda b: Decimal(str(b["lower"])), reverse=True):
        span = (_("from %(low)s", low=_percent(b["lower"])) if not b.get("upper") else
                _("from %(low)s to under %(high)s", low=_percent(b["lower"]), high=_percent(b["upper"])))
        label = MODES.get(b["mode"], b["mode"])  # a variable, so extraction does not take "mode" for a message
        how = _(label)
        parts.append(f"{span}: {number_text(b['points'])} ({how})")
    return "; ".join(parts) or "—"


def grades_text(grades: list[dict[str, Any]]) -> str:
    return "; ".join(_("%(label)s from %(low)s", label=g["label"], low=_percent(g["lower"]))
                     + f" ({_(COLOUR_LABELS.get(g['colour'], g['colour']))})" for g in grades) or "—"


def _keyed(old: list[dict[str, Any]], new: list[dict[str, Any]], key: str):
    """Rows of two tables matched by their key (criterion code, component number), in the new order."""
    before = {str(r[key]): r for r in old}
    after = {str(r[key]): r for r in new}
    for k in [*after, *(k for k in before if k not in after)]:
        yield k, before.get(k), after.get(k)


def _rows(old, new, key: str, fields: dict[str, str], what: str) -> list[str]:
    out = []
    for k, a, b in _keyed(old, new, key):
        if a is None:
            out.append(_("%(what)s %(key)s added: %(name)s, at most %(max)s points.", what=_(what), key=k,
                         name=b["name"], max=number_text(b["max_points"])))
        elif b is None:
            out.append(_("%(what)s %(key)s removed: %(name)s.", what=_(what), key=k, name=a["name"]))
        else:
            for field, label in fields.items():
                if a.get(field) != b.get(field):
                    out.append(_("%(what)s %(key)s %(field)s: %(old)s → %(new)s", what=_(what), key=k,
                                 field=_(label), old=_cell(field, a.get(field)), new=_cell(field, b.get(field))))
    return out


def _cell(field: str, raw: Any) -> str:
    if field == "max_points":
        return number_text(raw)
    if field == "source":
        return _(SOURCES[raw]) if raw in SOURCES else str(raw)
    return str(raw)


ROW_FIELDS = {"name": N_("name"), "max_points": N_("max points"), "source": N_("source")}


def describe_changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """Sentences such as "Criterion 1.2 max points: 2 → 3"; the first version reads "Rule created."."""
    if old is None:
        return [_("Rule created.")]
    out = [_("%(field)s: %(old)s → %(new)s", field=_(label), old=_scalar(key, old.get(key)),
             new=_scalar(key, new.get(key)))
           for key, label in SCALARS.items() if old.get(key) != new.get(key)]
    out += _rows(old.get("components") or [], new.get("components") or [], "number",
                 {"name": ROW_FIELDS["name"], "max_points": ROW_FIELDS["max_points"]}, N_("Component"))
    out += _rows(old.get("criteria") or [], new.get("criteria") or [], "code", ROW_FIELDS, N_("Criterion"))
    if (a := bands_text(old.get("bands") or [])) != (b := bands_text(new.get("bands") or [])):
        out.append(_("Bands: %(old)s → %(new)s", old=a, new=b))
    if (a := grades_text(old.get("grades") or [])) != (b := grades_text(new.get("grades") or [])):
        out.append(_("Grades: %(old)s → %(new)s", old=a, new=b))
    return out or [_("No change to the rule itself.")]
