"""The components of the PAR Index (Chỉ số cải cách hành chính) a plan's field can belong to."""

from __future__ import annotations

from app.i18n import N_, _

COMPONENTS = {
    1: N_("Steering and direction"), 2: N_("Institutional reform"), 3: N_("Administrative procedure reform"),
    4: N_("Organisational reform"), 5: N_("Civil service reform"), 6: N_("Public finance reform"),
    7: N_("E-government and digital government"), 8: N_("Impact on people and development"),
}


def component_label(number: int | None) -> str:
    """"1. Steering and direction" in the current language; a field of no known component is "Other"."""
    return f"{number}. {_(COMPONENTS[number])}" if number in COMPONENTS else _("Other")
