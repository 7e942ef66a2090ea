"""Whose plan a file says it is, against the unit it is being imported for (a warning, never a refusal).

A plan names its issuer twice: the document number ends in the issuer's code ("15/KH-STP": Sở Tư pháp) and the
masthead names it ("SỞ TƯ PHÁP"). A file copied from another unit keeps both, so either one not matching the unit
chosen is worth a look before saving. Units' codes in parplan need not be the codes on their documents, so a code
also matches the unit's initials ("SCT": Sở Công Thương), and "UBND", which every People's Committee signs with,
says nothing about which one.
"""

from __future__ import annotations

import re

from app.i18n import _
from app.text import fold
from plans.parsed import ParsedPlan

GENERIC_CODES = {"ubnd", "hdnd"}  # signed by every People's Committee (Council): not one unit's code
_SKIPPED_IN_INITIALS = {"va"}  # "Sở Nông nghiệp và Môi trường" is SNNMT


def foreign_marks(plan: ParsedPlan, unit_code: str, unit_name: str) -> list[str]:
    """What the file says about its issuer that does not match the unit, as written in the file."""
    marks = []
    codes = _issuer_codes(plan.doc_number)
    if codes and not any(_code_matches(code, unit_code, unit_name) for code in codes):
        marks.append(plan.doc_number)
    if plan.issuer and not _name_matches(plan.issuer, unit_name):
        marks.append(plan.issuer)
    return marks


def issuer_warning(plan: ParsedPlan, unit_code: str, unit_name: str) -> str | None:
    """The warning to show before a plan is saved for this unit, or None when nothing in the file says otherwise."""
    marks = foreign_marks(plan, unit_code, unit_name)
    if not marks:
        return None
    return _("The file names %(marks)s, not %(unit)s (%(code)s): it may be another unit's plan.",
             marks=", ".join(f"“{mark}”" for mark in marks), unit=unit_name, code=unit_code)


def _issuer_codes(doc_number: str) -> list[str]:
    """"15/KH-STP" -> ["stp"]; the kind of document (KH) comes first, the issuer after it."""
    _number, slash, rest = doc_number.partition("/")
    parts = [p for p in re.split(r"[-–]", fold(rest)) if p] if slash else []
    return [p for p in parts[1:] if p not in GENERIC_CODES]


def _code_matches(code: str, unit_code: str, unit_name: str) -> bool:
    words = [w for w in _words(unit_name).split() if w not in _SKIPPED_IN_INITIALS]
    initials = "".join(w[0] for w in words)
    return code in (fold(unit_code), initials) or code in words


def _name_matches(issuer: str, unit_name: str) -> bool:
    # Either may be the longer: "SỞ TƯ PHÁP" for "Sở Tư pháp tỉnh Đắk Nông", "UBND XÃ QUẢNG SƠN" for "Xã Quảng Sơn".
    said, name = f" {_words(issuer)} ", f" {_words(unit_name)} "
    return said.strip() != "" and (said in name or name in said)


def _words(text: str) -> str:
    folded = re.sub(r"\buy ban nhan dan\b", "ubnd", fold(text))
    return " ".join(re.findall(r"\w+", folded))
