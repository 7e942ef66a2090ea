"""create_app(): settings, templates, middleware, routes and error pages, nothing else."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from litestar import Litestar, Request, Response, Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.config.csrf import CSRFConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.plugins.htmx import ClientRedirect, HTMXPlugin, HTMXTemplate
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from app import admin, web
from app.auth import AuthMiddleware
from app.i18n import _
from app.settings import get_settings
from app.templating import ROOT, make_environment
from board import api as board_api
from board import export as board_export
from board import routes as board_routes
from plans import api as plan_api
from plans import routes as plan_routes
from reminders import routes as reminder_routes
from scoring import routes as scoring_routes
from tasks import api as task_api
from tasks import evidence_routes, progress_routes
from tasks import routes as task_routes

HTMX_DIST = ROOT / "node_modules" / "htmx.org" / "dist"


class AssetsMissing(RuntimeError):
    pass


def _static_routers():
    if not (HTMX_DIST / "htmx.min.js").exists():
        raise AssetsMissing("htmx is not installed: run `npm ci` in the project folder first")
    return [
        create_static_files_router(path="/static/vendor", directories=[HTMX_DIST], include_in_schema=False),
        create_static_files_router(path="/static", directories=[ROOT / "app" / "static"], include_in_schema=False),
    ]


def _api_error(exc: HTTPException) -> Response:
    body = {"status_code": exc.status_code, "detail": exc.detail}
    if isinstance(exc.extra, dict):
        body.update(exc.extra)
    return Response(body, status_code=exc.status_code, headers=exc.headers or None)


def _error_page(request: Request, exc: HTTPException) -> Response:
    if request.url.path.startswith("/api/"):
        return _api_error(exc)
    htmx = getattr(request, "htmx", None)
    if isinstance(exc, NotAuthorizedException):
        # Back to the login page, then to where the person was (the page, not the fragment URL).
        here = urlsplit(htmx.current_url or "/plans").path if htmx else request.url.path
        target = f"/login?next={quote(here)}"
        return ClientRedirect(target) if htmx else Redirect(target, status_code=303)
    status = exc.status_code
    detail = _("Some values in the address or the form are not valid.") if isinstance(
        exc, ValidationException) else exc.detail
    titles = {401: _("Please sign in."), 403: _("Access refused"), 404: _("Not found."), 413: _("File too large")}
    context = {"title": titles.get(status, _("Error")), "detail": detail, "status": status}
    if htmx:
        # Shown in the page's message area; htmx is configured to swap error responses (base.html).
        return HTMXTemplate(template_name="errors/_message.html", context=context, status_code=status,
                            re_target="#messages", re_swap="innerHTML")
    return Template("errors/error.html", status_code=status, context=context)


def _server_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _error_page(request, exc)
    request.logger.exception("unhandled error")
    return Template("errors/error.html", status_code=500,
                    context={"title": _("Something went wrong"), "detail": _("Please try again."), "status": 500})


async def _open_pool() -> None:
    from piccolo.engine import engine_finder

    await engine_finder().start_connection_pool()


async def _close_pool() -> None:
    from piccolo.engine import engine_finder

    await engine_finder().close_connection_pool()


def create_app() -> Litestar:
    settings = get_settings()
    # A PostgreSQL pool belongs to the server's event loop; the in-process test client turns it off.
    pooled = settings.is_postgres and settings.db_pool
    pages = Router("/", route_handlers=[*web.ROUTES, *admin.ROUTES, *plan_routes.ROUTES, *task_routes.ROUTES,
                                        *evidence_routes.ROUTES, *progress_routes.ROUTES, *board_routes.ROUTES,
                                        *board_export.ROUTES, *scoring_routes.ROUTES, *reminder_routes.ROUTES],
                   include_in_schema=False)
    return Litestar(
        openapi_config=OpenAPIConfig(title="parplan API", version="1", path="/api/schema",
                                     render_plugins=[JsonRenderPlugin()], components=Components(
                                         security_schemes={"token": SecurityScheme(type="http", scheme="bearer")}),
                                     security=[{"token": []}]),
        on_startup=[_open_pool] if pooled else [],
        on_shutdown=[_close_pool] if pooled else [],
        route_handlers=[pages, *plan_api.ROUTES, *task_api.ROUTES, *board_api.ROUTES, *_static_routers()],
        middleware=[AuthMiddleware()],
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(make_environment())),
        csrf_config=CSRFConfig(secret=settings.secret_key, cookie_secure=settings.secure_cookies,
                               cookie_name="parplan_csrf", cookie_samesite="lax", exclude=["/static", "/healthz", "/api/"]),
        exception_handlers={HTTPException: _error_page, Exception: _server_error},
        debug=settings.debug,
    )
