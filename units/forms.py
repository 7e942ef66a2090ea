"""Reading the units pages' forms: the decision, the new units typed on a merge or split, the accounts' fate."""

from __future__ import annotations

from typing import Any

from app.forms import date_value, text_value
from app.i18n import _
from units.rules import Decision

NEW_ROWS = 4  # rows for new units on the split form (empty ones are ignored)


def decision(data: dict[str, str], errors: dict[str, str]) -> Decision:
    """The decision's number and date; a date typed wrong is an error here, a missing one in the act's rules."""
    number = text_value(data, "decision_number", errors, limit=64)
    return Decision(number, date_value(data, "decision_date", errors))  # type: ignore[arg-type]


def new_unit(data: dict[str, str], prefix: str) -> dict[str, str]:
    return {k: (data.get(prefix + k) or "").strip() for k in ("code", "name", "kind", "block")}


def new_units(data: dict[str, str]) -> list[dict[str, str]]:
    """The split form's new units: rows with a code or a name."""
    rows = [new_unit(data, f"new.{i}.") for i in range(NEW_ROWS)]
    return [r for r in rows if r["code"] or r["name"]]


def accounts(data: dict[str, str], errors: dict[str, str], split_codes: list[str] | None = None
             ) -> tuple[str, dict[int, str]]:
    """The choice for all accounts ("move" or "end") and each account's own ("account.<id>": "end", "move", or
    on a split "new.<i>", the i-th new unit)."""
    choice = data.get("accounts") or "move"
    if choice not in ("move", "end"):
        errors["accounts"] = _("Choose what happens to the accounts.")
    per: dict[int, str] = {}
    for key, value in data.items():
        if not key.startswith("account.") or not key[8:].isdecimal() or not value:
            continue
        if value.startswith("new.") and split_codes is not None and value[4:].isdecimal() \
                and int(value[4:]) < len(split_codes):
            value = split_codes[int(value[4:])]
        per[int(key[8:])] = value
    return choice, per


def int_or_none(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None
