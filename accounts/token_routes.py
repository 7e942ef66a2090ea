"""API tokens on the web: a person's own (from the profile page), and any account's for the administrator.

One fragment, templates/accounts/_tokens.html, in every place: the profile page includes it, and each
route here answers an htmx request with just that fragment and a plain form post with the full page.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect, Template

from app import access, clock
from app.tables import User
from app.tokens import DEFAULT_DAYS, MAX_DAYS, NAME_LENGTH, TokenError, create_token, revoke_all, revoke_token, \
    tokens_of

Form = URLEncodedBody[dict[str, str]]


async def _context(owner: User, admin_view: bool, **extra: Any) -> dict[str, Any]:
    return {"owner": owner, "tokens": await tokens_of(owner.id, clock.now()), "admin_view": admin_view,
            "new_token": None, "errors": {}, "values": {"name": "", "days": str(DEFAULT_DAYS)},
            "max_days": MAX_DAYS, "name_length": NAME_LENGTH, **extra}


def _render(request: Request, context: dict[str, Any], status: int = 200) -> Template:
    if request.htmx:
        return HTMXTemplate(template_name="accounts/_tokens.html", context=context, status_code=status)
    return Template("accounts/tokens.html", context=context, status_code=status)


async def _after_revoke(request: Request, owner: User, admin_view: bool) -> Response:
    """The fragment again for htmx; the page again (303) for a plain form."""
    if request.htmx:
        return _render(request, await _context(owner, admin_view))
    return Redirect(f"/admin/users/{owner.id}/tokens" if admin_view else "/profile/tokens", status_code=303)


@get("/profile/tokens")
async def own_tokens(request: Request) -> Template:
    me = access.require_user(request)
    return _render(request, await _context(me, admin_view=False))


@post("/profile/tokens")
async def own_token_create(request: Request, data: Form) -> Template:
    """The new token is shown in this answer and never again: no redirect, nothing kept to show later."""
    me = access.require_user(request)
    values = {"name": data.get("name", ""), "days": data.get("days", "").strip()}
    try:
        days = int(values["days"]) if values["days"].isdecimal() else 0
        token = await create_token(me, values["name"], clock.now(), days, actor=me)
    except TokenError as exc:
        return _render(request, await _context(me, False, values=values, errors={"token": str(exc)}), 400)
    return _render(request, await _context(me, False, new_token=token))


@post("/profile/tokens/revoke-all")
async def own_tokens_revoke_all(request: Request) -> Response:
    me = access.require_user(request)
    await revoke_all(me, me, clock.now())
    return await _after_revoke(request, me, False)


@post("/tokens/{token_id:int}/revoke")
async def token_revoke(request: Request, token_id: FromPath[int], data: Form) -> Response:
    token = await access.token_for_user(request, token_id)
    viewer = access.require_user(request)
    owner = viewer if token.user == viewer.id else await User.objects().where(User.id == token.user).first()
    # The administrator's page for their own account stays the administrator's page.
    admin_view = owner.id != viewer.id or (data.get("view") == "admin" and access.can_manage_accounts(viewer))
    await revoke_token(token, viewer, clock.now())
    return await _after_revoke(request, owner, admin_view)


@get("/admin/users/{user_id:int}/tokens")
async def account_tokens(request: Request, user_id: FromPath[int]) -> Template:
    _admin, owner = await access.account_for_admin(request, user_id)
    return _render(request, await _context(owner, admin_view=True))


@post("/admin/users/{user_id:int}/tokens/revoke-all")
async def account_tokens_revoke_all(request: Request, user_id: FromPath[int]) -> Response:
    _admin, owner = await access.account_for_admin(request, user_id)
    await revoke_all(owner, access.require_user(request), clock.now())
    return await _after_revoke(request, owner, True)


ROUTES = [own_tokens, own_token_create, own_tokens_revoke_all, token_revoke, account_tokens,
          account_tokens_revoke_all]
