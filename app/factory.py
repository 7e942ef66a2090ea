"""create_app(): settings, templates, middleware, routes and error pages, nothing else."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from litestar import Litestar, Request, Response, Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.config.csrf import CSRFConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.exceptions import (ClientException, HTTPException, NotAuthorizedException, ServiceUnavailableException,
                                 ValidationException)
from litestar.plugins.htmx import ClientRedirect, HTMXPlugin, HTMXTemplate
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from app import admin, web
from app.auth import AuthMiddleware, use_request_locale
from app.body_guard import BODY_LIMIT, CSRF_COOKIE, CSRF_EXCLUDE, CSRF_REFUSED, BodyGuard
from app.bounds import check_request
from app.i18n import _
from app.security import add_security_headers
from app.settings import get_settings
from app.templating import ROOT, make_environment
from accounts import password_routes, token_routes
from amendments import api as amendment_api
from amendments import plan_routes as amendment_plan_routes
from amendments import routes as amendment_routes
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
from years import routes as year_routes
from units import import_routes as unit_import_routes
from units import routes as unit_routes

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
    elif isinstance(exc.extra, list):
        # Litestar's own validation (a parameter out of its declared range, or of the wrong type): say which, why.
        body["errors"] = {e.get("key", ""): e.get("message", "") for e in exc.extra if isinstance(e, dict)}
    return Response(body, status_code=exc.status_code, headers=exc.headers or None)


def _error_page(request: Request, exc: HTTPException) -> Response:
    use_request_locale(request.scope)
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
    if status == 403 and detail == CSRF_REFUSED:
        detail = _("Your form expired or came from another site. Reload the page and try again.")
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
    use_request_locale(request.scope)
    return Template("errors/error.html", status_code=500,
                    context={"title": _("Something went wrong"), "detail": _("Please try again."), "status": 500})


READING_THE_REQUEST = ("litestar.serialization", "litestar._kwargs", "litestar.connection", "app.bounds")


def _too_deep(request: Request, exc: RecursionError) -> Response:
    """Nesting too deep to decode (a JSON body of 100 000 `[`) is the request's fault: a 400 and one log line.
    Anywhere else a RecursionError is a bug of ours, and stays a 500 with its traceback."""
    tb, ours = exc.__traceback__, False
    while tb is not None:
        ours = ours or tb.tb_frame.f_globals.get("__name__", "").startswith(READING_THE_REQUEST)
        tb = tb.tb_next
    if not ours:
        return _server_error(request, exc)
    request.logger.info("request refused, nested too deep: %s %s", request.method, request.url.path)
    return _error_page(request, ClientException(detail=_("Some values in the address or the form are not valid.")))


# The database out of reach (faults) ----------------------------------------------------------------------
# PostgreSQL restarting or down is not a bug: each request answers 503 with Retry-After at once, and asyncpg's
# pool drops the dead connections and makes new ones when it is back (the server needs no restart).

RETRY_AFTER = "30"  # seconds; a restart takes a few


def _database_down(exc: BaseException) -> bool:
    """Whether the database could not be reached, through the whole chain (an error while returning a broken
    connection to the pool hides the one that broke it)."""
    import asyncpg

    # InternalClientError: the server hung up between two messages of a query, and the pool failed to reset it.
    # Only the errors of a connection that failed or went away: a protocol violation (a bug of ours) stays a 500.
    down = (asyncpg.ConnectionDoesNotExistError, asyncpg.ConnectionFailureError, asyncpg.ClientCannotConnectError,
            asyncpg.ConnectionRejectionError, asyncpg.CannotConnectNowError, asyncpg.AdminShutdownError,
            asyncpg.CrashShutdownError, asyncpg.InternalClientError)
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, asyncpg.OutdatedSchemaCacheError):
            return False
        if isinstance(current, down) or (isinstance(current, asyncpg.InterfaceError)
                                          and "connection is closed" in str(current)):
            return True
        if isinstance(current, OSError) and _raised_in_asyncpg(current):
            return True  # refused, timed out, no socket: connecting failed
        current = current.__cause__ or current.__context__
    return False


def _raised_in_asyncpg(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__", "").startswith("asyncpg."):
            return True
        tb = tb.tb_next
    return False


def _value_refused(exc: BaseException) -> bool:
    """A value the database cannot take (an id beyond its integers, a NUL in a text): the request's fault."""
    import asyncpg
    from asyncpg.exceptions import _base

    return isinstance(exc, (asyncpg.DataError, _base.DataError, OverflowError))


def _database_unavailable(request: Request, exc: Exception) -> Response:
    if _value_refused(exc):
        request.logger.info("value refused by the database: %s: %s", type(exc).__name__, exc)
        return _error_page(request, ClientException(detail=_("Some values in the address or the form are not valid.")))
    if not _database_down(exc):
        return _server_error(request, exc)
    request.logger.warning("database unreachable: %s: %s", type(exc).__name__, exc)
    response = _error_page(request, ServiceUnavailableException(
        detail=_("The database cannot be reached for the moment. Please try again in a few minutes.")))
    response.headers["Retry-After"] = RETRY_AFTER
    return response


def _database_error_types() -> dict[type[Exception], object]:
    import asyncpg

    return dict.fromkeys((OSError, OverflowError, asyncpg.PostgresError, asyncpg.InterfaceError,
                          asyncpg.InternalClientError), _database_unavailable)


async def _open_pool() -> None:
    from piccolo.engine import engine_finder

    await engine_finder().start_connection_pool()


async def _close_pool() -> None:
    from piccolo.engine import engine_finder

    await engine_finder().close_connection_pool()


def create_app() -> Litestar:
    settings = get_settings()
    # A PostgreSQL pool on the loop that serves (the server's, or the in-process test client's): the engine keeps
    # one pool per event loop (app/piccolo_conf.py).
    pooled = settings.is_postgres and settings.db_pool
    pages = Router("/", route_handlers=[*web.ROUTES, *admin.ROUTES, *plan_routes.ROUTES, *task_routes.ROUTES,
                                        *evidence_routes.ROUTES, *progress_routes.ROUTES, *board_routes.ROUTES,
                                        *board_export.ROUTES, *scoring_routes.ROUTES, *reminder_routes.ROUTES,
                                        *token_routes.ROUTES, *password_routes.ROUTES, *amendment_routes.ROUTES,
                                        *amendment_plan_routes.ROUTES, *year_routes.ROUTES,
                                        *unit_routes.ROUTES, *unit_import_routes.ROUTES],
                   include_in_schema=False)
    return Litestar(
        openapi_config=OpenAPIConfig(title="parplan API", version="1", path="/api/schema",
                                     render_plugins=[JsonRenderPlugin()], components=Components(
                                         security_schemes={"token": SecurityScheme(type="http", scheme="bearer")}),
                                     security=[{"token": []}]),
        on_startup=[_open_pool] if pooled else [],
        on_shutdown=[_close_pool] if pooled else [],
        route_handlers=[pages, *plan_api.ROUTES, *task_api.ROUTES, *amendment_api.ROUTES, *board_api.ROUTES,
                        *_static_routers()],
        # BodyGuard after AuthMiddleware (it needs the user), before Litestar's CSRF check (so that no form is read
        # before the sign-in and the token are checked, and no text beyond its cap is held).
        middleware=[AuthMiddleware(), BodyGuard()],
        request_max_body_size=BODY_LIMIT,  # routes taking files say more
        before_request=check_request,  # ids, years and JSON bodies within bounds, for every route
        before_send=[add_security_headers],
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(make_environment())),
        csrf_config=CSRFConfig(secret=settings.secret_key, cookie_secure=settings.secure_cookies,
                               cookie_name=CSRF_COOKIE, cookie_samesite="lax", exclude=CSRF_EXCLUDE),
        exception_handlers={HTTPException: _error_page, Exception: _server_error, RecursionError: _too_deep,
                            **_database_error_types()},
        debug=settings.debug,
    )
