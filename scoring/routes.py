"""Scoring pages: the secretariat's rules and their history, and a unit's score with the points entered for it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from app import access, clock
from app.dates import default_as_of
from app.downloads import stored_download
from app.forms import query_date
from app.i18n import N_, _
from app.settings import get_settings
from app.tables import Unit
from app.uploads import ACCEPT, MAX_BODY, megabytes, uploads_from
from scoring import actions, forms, queries
from scoring.changes import COLOUR_LABELS
from scoring.examples import EXAMPLES
from scoring.points import points_text, round_points
from scoring.queries import blocks as unit_blocks
from scoring.rules import (COLOURS, DENOMINATORS, GRADE_BASES, MODES, ROUNDING_LABELS, SOURCES, RuleError, dump_rule,
                           parse_rule)
from scoring.scores import score_sheet
from scoring.tables import ManualScore

Form = URLEncodedBody[dict[str, str]]
# The share is a parameter: a literal "90%" would read as a placeholder to Babel and Jinja.
EXAMPLE_LABELS = {"stepped": (N_("Example 1 — stepped: %(low)s or more earns 2 points"), "90%"),
                  "proportional": (N_("Example 2 — from %(low)s, points × completion ratio"), "80%")}


def example_label(key: str) -> str:
    label, low = EXAMPLE_LABELS[key]
    return _(label, low=low)
CHOICES = {"sources": SOURCES, "modes": MODES, "denominators": DENOMINATORS, "roundings": ROUNDING_LABELS,
           "grade_bases": GRADE_BASES, "colours": {c: COLOUR_LABELS[c] for c in COLOURS}}


# The list of rules ----------------------------------------------------------------------------------

async def _list_context(editable: bool = True, **extra: Any) -> dict[str, Any]:
    """The list page; `editable` shows the forms that create and copy rules (can_edit_scoring)."""
    rows = await queries.rule_rows()
    years: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        years.setdefault(r["year"], []).append(r)
    return {"years": years, "rules": rows, "blocks": await unit_blocks(), "editable": editable,
            "examples": {k: example_label(k) for k in EXAMPLE_LABELS},
            "errors": {}, "values": {"year": clock.today().year}, "copy_values": {"year": clock.today().year + 1},
            **extra}


@get("/scoring")
async def rule_list(request: Request) -> Template:
    user = access.require_scoring_reader(request)
    return Template("scoring/list.html", context=await _list_context(access.can_edit_scoring(user)))


@post("/scoring/rules")
async def rule_create(request: Request, data: Form) -> Response:
    """A new rule for a year and block, started from one of the two examples."""
    user = access.require_scoring_editor(request)
    values, errors = forms.create_form(data, await unit_blocks(), EXAMPLES)
    if not errors:
        # Saved as dump_rule writes it, so the first edit's history shows only what the editor changed.
        body = dump_rule(parse_rule(EXAMPLES[values["example"]](values["year"])))
        try:
            note = _("Created from %(example)s.", example=example_label(values["example"]))
            rule = await actions.create_rule(values["year"], values["block"], body, user, clock.now(), note)
            return Redirect(f"/scoring/rules/{rule.id}", status_code=303)
        except actions.RuleExists as exc:
            errors["block"] = str(exc)
    return Template("scoring/list.html", status_code=400, context=await _list_context(errors=errors, values=values))


@post("/scoring/rules/copy")
async def rule_copy(request: Request, data: Form) -> Response:
    """Another rule (usually last year's) copied to a year and block, its dates moved by the years between."""
    user = access.require_scoring_editor(request)
    rules = {r["id"]: r for r in await queries.rule_rows()}
    values, errors = forms.copy_form(data, await unit_blocks(), list(rules))
    if not errors:
        source = await queries.rule_row(values["source"])
        try:
            # Re-read the moved copy: a rule saved before a check was added must not be copied as it is.
            body = dump_rule(parse_rule(actions.shift_year(source["body"], source["year"], values["year"])))
            rule = await actions.create_rule(values["year"], values["block"], body, user, clock.now(),
                                             _("Copied from the rule of %(year)s.", year=source["year"]))
            return Redirect(f"/scoring/rules/{rule.id}", status_code=303)
        except actions.RuleExists as exc:
            errors["copy.block"] = str(exc)
        except RuleError as exc:
            errors["copy.source"] = "; ".join(exc.errors.values())
    return Template("scoring/list.html", status_code=400,
                    context=await _list_context(errors=errors, copy_values=values))


# One rule -------------------------------------------------------------------------------------------

async def _rule(request: Request, rule_id: int, write: bool) -> dict[str, Any]:
    """The rule row, if the user may edit it (write) or at least read it (the steering committee)."""
    user = access.require_scoring_editor(request) if write else access.require_scoring_reader(request)
    row = access.found(await queries.rule_row(rule_id))
    row["editable"] = access.can_edit_scoring(user)
    return row


def _rule_page(row: dict[str, Any], status: int = 200, **extra: Any) -> Template:
    values = extra.pop("values", None) or forms.rule_values(row["body"])
    return Template("scoring/rule.html", status_code=status, context={
        "row": row, "values": values, "errors": {}, "version": row["version"], "conflict": False, **CHOICES,
        "places": range(5), **extra})


@get("/scoring/rules/{rule_id:int}")
async def rule_page(request: Request, rule_id: FromPath[int]) -> Template:
    return _rule_page(await _rule(request, rule_id, write=False))


@post("/scoring/rules/{rule_id:int}")
async def rule_save(request: Request, rule_id: FromPath[int], data: Form) -> Response:
    row = await _rule(request, rule_id, write=True)
    rule, values, errors = forms.rule_form(data)
    seen = int(data["version"]) if (data.get("version") or "").isdecimal() else 0
    if errors:
        return _rule_page(row, 400, values=values, errors=errors, version=seen)
    try:
        await actions.save_rule(rule_id, rule, seen, access.require_user(request), clock.now(), values["change_note"])
    except actions.Stale:
        return _rule_page(row, 409, values=values, version=seen, conflict=True)
    return Redirect(f"/scoring/rules/{rule_id}/history", status_code=303)


@get("/scoring/rules/{rule_id:int}/history")
async def rule_history(request: Request, rule_id: FromPath[int]) -> Template:
    row = await _rule(request, rule_id, write=False)
    return Template("scoring/history.html", context={"row": row, "versions": await queries.rule_versions(rule_id)})


# A unit's score -------------------------------------------------------------------------------------

async def _unit(request: Request, unit_id: int) -> dict[str, Any]:
    access.require_unit_score_reader(request, unit_id)
    return access.found(await Unit.select(Unit.id, Unit.code, Unit.name, Unit.block).where(Unit.id == unit_id).first())


def _as_of(raw: str | None, year: int) -> dt.date:
    return query_date(raw) or default_as_of(year, clock.today())


async def _unit_page(request: Request, unit: dict[str, Any], year: int, as_of: dt.date, status: int = 200,
                     **extra: Any) -> Template:
    view = await score_sheet(unit, year, as_of)
    max_bytes = get_settings().max_upload_bytes
    return Template("scoring/unit.html", status_code=status, context={
        "unit": unit, "year": year, "as_of": as_of, **view, "points_text": points_text,
        "editable": access.can_edit_scoring(access.require_user(request)), "errors": {}, "values": {},
        "open": None, "accept": ACCEPT, "max_upload_mb": megabytes(max_bytes), **extra})


@get("/scoring/{year:int}/units/{unit_id:int}")
async def unit_score(request: Request, year: FromPath[int], unit_id: FromPath[int],
                     as_of: FromQuery[str | None] = None) -> Template:
    unit = await _unit(request, unit_id)
    return await _unit_page(request, unit, year, _as_of(as_of, year))


@post("/scoring/{year:int}/units/{unit_id:int}/scores", request_max_body_size=MAX_BODY)
async def score_enter(request: Request, year: FromPath[int], unit_id: FromPath[int]) -> Response:
    """Multipart: the criterion, points, giải trình and an optional evidence file; nothing is kept on refusal."""
    user = access.require_scoring_editor(request)  # before reading a large body
    unit = await _unit(request, unit_id)
    try:
        uploads, data = await uploads_from(request)
    except RequestEntityTooLarge:
        return await _score_refused(request, unit, year, {}, {"evidence": _(
            "The file is larger than %(limit)s MB.", limit=megabytes(get_settings().max_upload_bytes))}, 413)
    upload = next((u for u in uploads if u.name), None)  # an empty file input still sends a nameless part
    try:
        errors = await _enter(unit, year, data, upload, user)
    finally:
        for u in uploads:
            u.file.close()
    if errors:
        return await _score_refused(request, unit, year, data, errors, 409 if "stale" in errors else 400)
    return Redirect(f"/scoring/{year}/units/{unit_id}#criterion-{data.get('criterion', '')}", status_code=303)


async def _enter(unit: dict[str, Any], year: int, data: dict[str, str], upload, user) -> dict[str, str]:
    """Check the entry against the rule in force, store the file, append the entry; the errors, if any."""
    found = queries.rule_for_block(await queries.rules_for_year(year), unit["block"])
    criterion = next((c for c in found[0].criteria if c.code == data.get("criterion") and c.source == "manual"),
                     None) if found and found[0] else None
    if criterion is None:
        access.not_found()
    current = await actions.current_entry(unit["id"], year, criterion.code)
    had_file = bool(current and current["evidence_sha256"])
    values, errors = forms.manual_form(data, round_points(criterion.max_points, 3), had_file or upload is not None)
    if errors:
        return errors
    try:
        evidence = await actions.store_evidence(upload) if upload else None
        seen = int(data["seen"]) if (data.get("seen") or "").isdecimal() else None
        await actions.enter_score(unit["id"], year, criterion.code, values["value"], values["comment"], evidence,
                                  seen, user, clock.now())
    except actions.EvidenceRefused as exc:
        return {"evidence": str(exc)}
    except actions.Stale:
        return {"stale": _("Someone else entered points for this criterion meanwhile; check them below.")}
    return {}


async def _score_refused(request: Request, unit: dict[str, Any], year: int, data: dict[str, str],
                         errors: dict[str, str], status: int) -> Template:
    return await _unit_page(request, unit, year, default_as_of(year, clock.today()), status, errors=errors,
                            values=data, open=data.get("criterion"))


@get("/scoring/evidence/{score_id:int}")
async def score_evidence(request: Request, score_id: FromPath[int]) -> Response:
    access.require_user(request)
    row = await ManualScore.select().where(ManualScore.id == score_id).first()
    if row is None or not row["evidence_sha256"]:
        access.not_found()
    await _unit(request, row["unit"])
    return await stored_download(request, row["evidence_sha256"], row["evidence_name"], row["evidence_type"],
                                 row["evidence_size"], what=f"manual score {row['id']}")


ROUTES: list = [rule_list, rule_create, rule_copy, rule_page, rule_save, rule_history, unit_score, score_enter,
                score_evidence]
