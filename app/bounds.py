"""Numbers and bodies a request brings, held to what the database and the rules can take, before any handler runs.

An integer in a path is an id (a PostgreSQL integer) or, named `year`, a plan year: `check_request` checks them for
every route, present and future, so no handler needs its own check, and `year 0`, an id beyond the column or
zero never reach the calendar or the database. Query parameters declare the same bounds with the types below
(Litestar enforces them, and the API's OpenAPI schema shows them); the API refuses a query parameter its handler
does not declare.

A JSON body is decoded strictly against the type the handler declares: the schema says a version is an integer,
so "4" is refused (Litestar's own decoding would turn it into 4). Decoding against the type also stops at the
first wrong bracket: 100 000 nested `[` cost one line in the log and a 400, not a RecursionError.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.params import BodyKwarg, PathParameter, QueryParameter

from app.i18n import _

MAX_ID = 2**31 - 1  # PostgreSQL's integer, the type of every id column
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years a plan, a scoring rule or the board may have

Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
Year = Annotated[int, QueryParameter(ge=FIRST_YEAR, le=LAST_YEAR)]
OptionalYear = Annotated[int | None, QueryParameter(ge=FIRST_YEAR, le=LAST_YEAR)]
Page = Annotated[int, QueryParameter(ge=1, le=MAX_ID)]


def refused(key: str, message: str) -> ValidationException:
    """Litestar's own shape for a refused parameter, so the API's error body names the key the same way."""
    return ValidationException(_("Some values in the address or the form are not valid."),
                               extra=[{"key": key, "message": message}])


def path_number_error(name: str, value: int) -> str | None:
    if name == "year":  # the board's own message, which names FIRST_YEAR and LAST_YEAR literally
        return None if FIRST_YEAR <= value <= LAST_YEAR else _("Choose a year between 2000 and 2100.")
    return None if 1 <= value <= MAX_ID else _("Not found.")


async def check_request(request: Request) -> None:
    """Litestar's before_request hook for every route (set in app.factory)."""
    for name, value in request.path_params.items():
        if isinstance(value, int) and not isinstance(value, bool) and (error := path_number_error(name, value)):
            raise refused(name, error)
    if request.url.path.startswith("/api/"):
        _check_query_names(request)
    await _check_json_body(request)


# What a handler receives that is not a query parameter: Litestar's reserved names, and the body.
_NOT_QUERY = frozenset({"request", "data", "state", "scope", "headers", "cookies", "socket", "body"})


def _check_query_names(request: Request) -> None:
    """The API refuses a query parameter its handler does not declare (`?yaer=2024` is a typo, not a default)."""
    declared = set(request.path_params)
    for name, field in request.route_handler.parsed_fn_signature.parameters.items():
        if name not in _NOT_QUERY:
            kwarg = field.kwarg_definition
            alias = (getattr(kwarg, "name", None) or kwarg.query) if isinstance(kwarg, QueryParameter) else None
            declared.add(alias or name)
    for name in request.query_params:
        if name not in declared:
            raise refused(name, _("This parameter is not known here."))


def _json_body_type(request: Request) -> Any:
    """The type of the handler's `data` when it is declared as a JSON body, else None."""
    field = request.route_handler.parsed_fn_signature.parameters.get("data")
    if field is None:
        return None
    kwarg = field.kwarg_definition
    media = kwarg.media_type if isinstance(kwarg, BodyKwarg) else RequestEncodingType.JSON
    return field.annotation if media == RequestEncodingType.JSON else None


async def _check_json_body(request: Request) -> None:
    target = _json_body_type(request)
    if target is None:
        return
    body = await request.body()  # kept on the request: Litestar reads the same bytes afterwards
    try:
        msgspec.json.decode(body, type=target, strict=True)
    except msgspec.ValidationError as exc:
        path = str(exc).rpartition(" - at `$")[2].rstrip("`").lstrip(".")
        raise refused(path.split(".")[0].split("[")[0] or "data", str(exc)) from None
    except (msgspec.DecodeError, RecursionError):
        raise refused("data", _("The request body is not valid JSON.")) from None
