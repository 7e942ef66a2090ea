"""The units pages (/units): the list, a unit's page with its history and acts, merging, importing the province's
list. The administrator and the secretariat only."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from app import access, clock
from app.forms import query_date
from app.tables import UNIT_KINDS
from units import actions, carry, forms, queries, rules
from units.actions import UnitError

Form = URLEncodedBody[dict[str, str]]


async def _list_context(block: str = "", kind: str = "", state: str = "in_force", on: str = "",
                        **extra: Any) -> dict[str, Any]:
    flt = queries.UnitFilter(block, kind if kind in UNIT_KINDS else "",
                             state if state in queries.STATES else "in_force", query_date(on or None))
    return {"units": await queries.unit_list(flt, clock.today()), "blocks": await queries.blocks(),
            "kinds": UNIT_KINDS, "kind_labels": rules.KIND_LABELS, "flt": flt, "errors": {}, "values": {}, **extra}


@get("/units")
async def unit_list(request: Request, block: FromQuery[str] = "", kind: FromQuery[str] = "",
                    show: FromQuery[str] = "in_force", on: FromQuery[str] = "") -> Template:
    access.require_unit_manager(request)
    return Template("units/list.html", context=await _list_context(block, kind, show, on))


@post("/units")
async def unit_create(request: Request, data: Form) -> Response:
    actor = access.require_unit_manager(request)
    errors: dict[str, str] = {}
    decision = forms.decision(data, errors)
    try:
        if errors:
            raise UnitError(errors)
        unit = await actions.create_unit(forms.new_unit(data, ""), decision, actor, clock.now())
    except UnitError as exc:
        return Template("units/list.html", status_code=400,
                        context=await _list_context(errors={**errors, **exc.errors}, values=data))
    return Redirect(f"/units/{unit.id}", status_code=303)


async def _unit_context(unit_id: int, **extra: Any) -> dict[str, Any]:
    page = access.found(await queries.unit_page(unit_id))
    today = clock.today()
    return {**page, "kinds": UNIT_KINDS, "kind_labels": rules.KIND_LABELS, "event_labels": rules.EVENT_LABELS,
            "blocks": await queries.blocks(), "problems": {}, "posted": {}, "form": "", "carried": None,
            "carry_error": "", "candidates": await queries.units_in_force(today, but=(unit_id,)),
            "people_active": [p for p in page["people"] if p["active"]], "new_rows": range(forms.NEW_ROWS),
            "carry": await carry.carry_state(unit_id, _takeover_year(page["predecessors"], today))
            if page["predecessors"] else None,
            **extra}


def _takeover_year(predecessors: list[dict[str, Any]], today) -> int:
    """The year whose open tasks the unit took over: that of its latest takeover (the day after a predecessor's
    last), or this year."""
    days = [p["effective_to"] + rules.DAY for p in predecessors if p["effective_to"]]
    return max(days).year if days else today.year


async def _unit_page(unit_id: int, status: int = 200, **extra: Any) -> Template:
    return Template("units/detail.html", status_code=status, context=await _unit_context(unit_id, **extra))


@get("/units/{unit_id:int}")
async def unit_detail(request: Request, unit_id: FromPath[int], carried: FromQuery[int | None] = None) -> Template:
    access.require_unit_manager(request)
    return await _unit_page(unit_id, carried=carried)


async def _refused(unit_id: int, form: str, errors: dict[str, str], data: dict[str, str]) -> Template:
    return await _unit_page(unit_id, 400, problems=errors, posted=data, form=form)


@post("/units/{unit_id:int}")
async def unit_change(request: Request, unit_id: FromPath[int], data: Form) -> Response:
    """Rename, move to another block, change the kind: by decision, with history."""
    actor = access.require_unit_manager(request)
    access.found(await actions.unit_row(unit_id))
    errors: dict[str, str] = {}
    decision = forms.decision(data, errors)
    try:
        if errors:
            raise UnitError(errors)
        await actions.change_unit(unit_id, {k: data.get(k) for k in ("name", "block", "kind")}, decision, actor,
                                  clock.now())
    except UnitError as exc:
        return await _refused(unit_id, "change", {**errors, **exc.errors}, data)
    return Redirect(f"/units/{unit_id}", status_code=303)


@post("/units/{unit_id:int}/end")
async def unit_end(request: Request, unit_id: FromPath[int], data: Form) -> Response:
    actor = access.require_unit_manager(request)
    access.found(await actions.unit_row(unit_id))
    errors: dict[str, str] = {}
    decision = forms.decision(data, errors)
    choice, per = forms.accounts(data, errors)
    try:
        if errors:
            raise UnitError(errors)
        await actions.end_unit(unit_id, forms.int_or_none(data.get("successor")), decision, choice, per, actor,
                               clock.now())
    except UnitError as exc:
        return await _refused(unit_id, "end", {**errors, **exc.errors}, data)
    successor = forms.int_or_none(data.get("successor"))
    return await _after_act(successor, decision, actor) if successor else Redirect(f"/units/{unit_id}", status_code=303)


@post("/units/{unit_id:int}/split")
async def unit_split(request: Request, unit_id: FromPath[int], data: Form) -> Response:
    actor = access.require_unit_manager(request)
    access.found(await actions.unit_row(unit_id))
    errors: dict[str, str] = {}
    decision = forms.decision(data, errors)
    codes = [forms.new_unit(data, f"new.{i}.")["code"].upper() for i in range(forms.NEW_ROWS)]
    choice, per = forms.accounts(data, errors, codes)
    try:
        if errors:
            raise UnitError(errors)
        created, _people = await actions.split_unit(unit_id, forms.new_units(data), decision, choice, per, actor,
                                                    clock.now())
    except UnitError as exc:
        return await _refused(unit_id, "split", {**errors, **exc.errors}, data)
    return await _after_act(created[0].id, decision, actor)


async def _after_act(successor_id: int, decision, actor) -> Response:
    """After an end, merge or split: carry the open tasks at once when the successor's plan can take them; the
    successor's page says what was carried, or why not yet."""
    state = await carry.carry_state(successor_id, decision.date.year)
    if not state["tasks"] or state["blocked"]:
        return Redirect(f"/units/{successor_id}", status_code=303)
    try:
        _amendment, n = await carry.carry_open_tasks(successor_id, decision, actor, clock.now())
    except carry.CarryError as exc:
        return await _unit_page(successor_id, carry_error=str(exc))
    return Redirect(f"/units/{successor_id}?carried={n}", status_code=303)


@post("/units/{unit_id:int}/carry")
async def unit_carry(request: Request, unit_id: FromPath[int], data: Form) -> Response:
    """Carry the predecessors' open tasks into this unit's plan, by one amendment the secretariat approves."""
    actor = access.require_unit_manager(request)
    access.found(await actions.unit_row(unit_id))
    errors: dict[str, str] = {}
    decision = forms.decision(data, errors)
    if not errors and (problems := actions.decision_problems(decision)):
        errors.update(problems)
    if errors:
        return await _refused(unit_id, "carry", errors, data)
    try:
        _amendment, n = await carry.carry_open_tasks(unit_id, decision, actor, clock.now(),
                                                     forms.int_or_none(data.get("field")))
    except carry.CarryError as exc:
        return await _refused(unit_id, "carry", {"carry": str(exc)}, data)
    return Redirect(f"/units/{unit_id}?carried={n}", status_code=303)


# Merging several units --------------------------------------------------------------------------------

async def _merge_context(chosen: list[int], **extra: Any) -> dict[str, Any]:
    today = clock.today()
    return {"candidates": await queries.units_in_force(today), "chosen": chosen,
            "people": await queries.people_of(chosen), "kinds": UNIT_KINDS, "kind_labels": rules.KIND_LABELS,
            "blocks": await queries.blocks(), "errors": {}, "values": {}, **extra}


@get("/units/merge")
async def merge_page(request: Request) -> Template:
    """Step 1 chooses the units (a GET form); step 2 shows their people, the successor and the decision."""
    access.require_unit_manager(request)
    chosen = [i for raw in request.query_params.getall("units", []) if (i := forms.int_or_none(raw))]
    return Template("units/merge.html", context=await _merge_context(chosen))


@post("/units/merge")
async def merge(request: Request) -> Response:
    actor = access.require_unit_manager(request)
    form = await request.form()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    chosen = [i for raw in form.getall("units", []) if (i := forms.int_or_none(raw))]
    errors: dict[str, str] = {}
    decision = forms.decision(data, errors)
    choice, per = forms.accounts(data, errors)
    new = forms.new_unit(data, "new.") if data.get("into") == "new" else None
    try:
        if errors:
            raise UnitError(errors)
        successor, _people = await actions.merge_units(chosen, forms.int_or_none(data.get("into")), new, decision,
                                                       choice, per, actor, clock.now())
    except UnitError as exc:
        return Template("units/merge.html", status_code=400, context=await _merge_context(
            chosen, errors={**errors, **exc.errors}, values=data))
    return await _after_act(successor.id, decision, actor)


ROUTES = [unit_list, unit_create, unit_detail, unit_change, unit_end, unit_split, unit_carry, merge_page, merge]
