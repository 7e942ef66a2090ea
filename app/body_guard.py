"""Refusing a request before its body is held in memory.

Litestar's CSRF check reads the whole form when the token is not in the `x-csrftoken` header, and its form
parsers keep every text part in memory up to the route's body limit: 99 MB of "description" from anyone, even
from someone not signed in. So, for every request that may change something, before any byte of its body:

- a visitor who is not signed in is sent to sign in, unless the route is open to anyone (`OPEN_TO_ANYONE`);
  what such a visitor may send at all is small (`ANONYMOUS_BODY`);
- on the pages, the CSRF token is taken from the header, or else from the first bytes of the form (the pages
  put it first), read under a small cap, found and handed to Litestar's check as the header; the bytes read
  are given back to the route;
- while the body streams to whoever reads it, each text field is counted against its cap and all of them
  against the form's (`TextLimits`, per route in the handler's `opt`): over one, the request is refused at
  once, naming the field. Files are not counted: they go to disk (storage, or Litestar's spooled files, which
  keep up to 1 MB of each file in memory first: see docs/security.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from litestar._multipart import parse_content_header  # how Litestar reads the boundary: the same parts
from litestar._parsers import parse_cookie_string
from litestar.exceptions import ClientException, NotAuthorizedException, PermissionDeniedException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Empty, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState
from multipart import MultipartSegment, ParserError, ParserLimitReached, PushMultipartParser

from app.i18n import _

KIB = 1024
CSRF_REFUSED = "CSRF token verification failed"  # Litestar's words when a form comes without a valid token
CSRF_COOKIE, CSRF_HEADER, CSRF_FIELD = "parplan_csrf", "x-csrftoken", "_csrf_token"
CSRF_EXCLUDE = ["^/static/", "^/healthz$", "^/api/"]  # the API takes bearer tokens, never cookies
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # CSRFConfig's: they change nothing, so they carry no body
OPEN_KEY = "open_to_anyone"
OPEN_TO_ANYONE = {OPEN_KEY: True}  # a handler's opt: visitors who are not signed in may post here
TEXT_LIMITS = "text_limits"  # a handler's opt: its TextLimits
CSRF_READ = 64 * KIB  # how far into a form its token is looked for
MAX_FIELDS = 1000  # in a urlencoded form; Litestar counts a multipart form's parts (multipart_form_part_limit)
ANONYMOUS_BODY = 64 * KIB  # a sign-in or a language switch is a few hundred bytes
BODY_LIMIT = 1024 * KIB  # any body, where a route does not say otherwise (its request_max_body_size)
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


@dataclass(frozen=True)
class TextLimits:
    """Bytes of text a form may hold: per field (by name, all parts of that name together) and in all.
    Caps are set well above what the form's own checks accept, so that a person gets the form's message."""

    fields: dict[str, int] = field(default_factory=dict)
    default: int = 64 * KIB  # notes, comments: 4,000 characters are 16 KB of UTF-8 at most
    total: int = 256 * KIB

    def cap(self, name: str) -> int:
        return KIB if name == CSRF_FIELD else self.fields.get(name, self.default)


PAGE_TEXT = TextLimits()


def text_limits(scope: Scope) -> TextLimits:
    handler = scope.get("route_handler")
    return handler.opt.get(TEXT_LIMITS, PAGE_TEXT) if handler is not None else PAGE_TEXT


class FormTooLong(ClientException):
    """A text field (or the form's text as a whole) longer than the route accepts."""

    def __init__(self, name: str, cap: int):
        self.field = name
        if name:
            detail = _("The field “%(field)s” is longer than this form accepts (%(limit)s KB at most). "
                       "Shorten it and send the form again.", field=name, limit=max(1, cap // KIB))
        else:
            detail = _("The form's text is longer than it accepts (%(limit)s KB at most). "
                       "Shorten it and send the form again.", limit=max(1, cap // KIB))
        super().__init__(detail=detail)


class TextBudget:
    """Counts a form's text as it arrives; `scale` allows for percent-encoding (3 bytes for one)."""

    def __init__(self, limits: TextLimits, scale: int = 1):
        self.limits, self.scale = limits, scale
        self.used: dict[str, int] = {}
        self.total = 0

    def take_name(self, size: int) -> None:
        """A field's name: held too, so counted in the whole (many empty fields are a long form as well)."""
        self.total += size
        if self.total > self.limits.total * self.scale:
            raise FormTooLong("", self.limits.total)

    def take(self, name: str, size: int) -> None:
        self.used[name] = self.used.get(name, 0) + size
        self.total += size
        if self.used[name] > self.limits.cap(name) * self.scale:
            raise FormTooLong(name, self.limits.cap(name))
        if self.total > self.limits.total * self.scale:
            raise FormTooLong("", self.limits.total)


# Watching a body as it streams past -----------------------------------------------------------------------

class _UrlencodedText:
    """Fields split on "&" and "=" as parse_qsl splits them; remembers the CSRF token's value."""

    def __init__(self, budget: TextBudget):
        self.budget, self.token, self.fields = budget, None, 0
        self._name, self._value, self._in_value = bytearray(), bytearray(), False

    def feed(self, chunk: bytes) -> None:
        for i, piece in enumerate(chunk.split(b"&")):
            if i:
                self.close()
            self._add(piece)

    def _add(self, data: bytes) -> None:
        if not self._in_value:
            head, equals, data = data.partition(b"=")
            self._name += head
            self.budget.take_name(len(head))
            if len(self._name) > KIB:
                raise FormTooLong(self._field()[:64], KIB)
            if not equals:
                return
            self._in_value = True
        name = self._field()
        self.budget.take(name, len(data))
        if name == CSRF_FIELD:
            self._value += data

    def _field(self) -> str:
        return unquote_plus(self._name.decode("latin-1"), encoding="utf-8", errors="replace")

    def close(self) -> None:
        if self._field() == CSRF_FIELD and self.token is None:
            self.token = unquote_plus(self._value.decode("latin-1"))
        self._name, self._value, self._in_value = bytearray(), bytearray(), False
        self.fields += 1
        if self.fields > MAX_FIELDS:  # "&&&&…": each an entry to decode and keep
            raise ClientException(_("The form has too many fields."))


class _MultipartText:
    """The parts as Litestar's parser will see them (the same parser and boundary): a part with a file name
    is a file, any other is text held in memory, and counted."""

    def __init__(self, boundary: str, budget: TextBudget):
        self.budget, self.token = budget, None
        self._parser = PushMultipartParser(boundary.encode())
        self._segment: MultipartSegment | None = None
        self._value = bytearray()

    def feed(self, chunk: bytes) -> None:
        if not chunk:  # the end of the body: whether it ended well is for the route's parser to say
            return
        try:
            for event in self._parser.parse(chunk):
                if isinstance(event, MultipartSegment):
                    self._segment, self._value = event, bytearray()
                elif event and self._segment is not None and not self._segment.filename:
                    self.budget.take(self._segment.name, len(event))
                    if self._segment.name == CSRF_FIELD:
                        self._value += event
                elif not event and self._segment is not None:
                    if self._segment.name == CSRF_FIELD and self.token is None and not self._segment.filename:
                        self.token = self._value.decode("utf-8", "replace")
                    self._segment = None
        except (ParserError, ParserLimitReached) as exc:
            raise ClientException(_("The form could not be read. Reload the page and send it again.")) from exc

    def close(self) -> None:
        pass


class _AnyBody:
    token = None

    def feed(self, chunk: bytes) -> None:
        pass

    def close(self) -> None:
        pass


def _watcher(scope: Scope) -> _UrlencodedText | _MultipartText | _AnyBody:
    kind, options = parse_content_header(_header(scope, b"content-type") or "")
    if kind == URLENCODED:
        return _UrlencodedText(TextBudget(text_limits(scope), scale=3))
    if kind == MULTIPART and options.get("boundary"):
        return _MultipartText(options["boundary"], TextBudget(text_limits(scope)))
    return _AnyBody()


class _Watched:
    """The request's `receive`, with every body chunk shown to the watcher first (and counted, for a visitor
    who is not signed in)."""

    def __init__(self, receive: Receive, watcher: Any, cap: float):
        self.receive, self.watcher, self.cap, self.seen = receive, watcher, cap, 0

    async def __call__(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            body = message.get("body", b"")
            self.seen += len(body)
            if self.seen > self.cap:
                raise RequestEntityTooLarge()
            self.watcher.feed(body)
            if not message.get("more_body", False):
                self.watcher.close()
        return message


async def _token_from_form(watched: _Watched) -> tuple[str | None, list[Message]]:
    """Reads until the form's CSRF field is complete, or CSRF_READ bytes are read; returns what was read."""
    read: list[Message] = []
    while watched.watcher.token is None and watched.seen <= CSRF_READ:
        message = await watched()
        read.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
    return watched.watcher.token, read


def _replaying(read: list[Message], receive: Receive) -> Receive:
    async def replayed() -> Message:
        return read.pop(0) if read else await receive()

    return replayed


# The middleware -------------------------------------------------------------------------------------------

class BodyGuard(ASGIMiddleware):
    """After AuthMiddleware (it needs the user), before Litestar's CSRF check (it must not read the form)."""

    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith("/static/"))

    def __init__(self, csrf_exclude: list[str] | None = None):
        self._csrf_exclude = re.compile("|".join(csrf_exclude or CSRF_EXCLUDE))

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await next_app(scope, receive, send)
            return
        handler = scope.get("route_handler")
        anonymous = scope.get("user") is None
        if anonymous and not (handler is not None and handler.opt.get(OPEN_KEY)):
            raise NotAuthorizedException(_("Please sign in."))
        if anonymous and _announced(scope) > ANONYMOUS_BODY:
            raise RequestEntityTooLarge()
        watched = _Watched(receive, _watcher(scope), ANONYMOUS_BODY if anonymous else float("inf"))
        receive = watched
        if not self._csrf_exclude.match(scope["path"]) and not _header(scope, CSRF_HEADER.encode()):
            receive = await self._token_as_header(scope, watched)
        await next_app(scope, receive, send)

    async def _token_as_header(self, scope: Scope, watched: _Watched) -> Receive:
        """The token from the form, handed to Litestar's check as the header it reads first (so that it does
        not read the form itself); with no cookie to match, no form is worth reading."""
        cookies = b"; ".join(v for k, v in scope["headers"] if k == b"cookie").decode("latin-1")
        if CSRF_COOKIE not in parse_cookie_string(cookies):
            raise PermissionDeniedException(CSRF_REFUSED)
        if isinstance(watched.watcher, _AnyBody):
            return watched  # not a form: Litestar's check refuses it without reading it
        handler = scope.get("route_handler")
        if handler is not None and _announced(scope) > (handler.resolve_request_max_body_size() or float("inf")):
            raise RequestEntityTooLarge()  # announced too large for the route: not a byte read, not even the token
        token, read = await _token_from_form(watched)
        if not token or not token.isascii():
            raise PermissionDeniedException(CSRF_REFUSED)
        scope["headers"] = [*scope["headers"], (CSRF_HEADER.encode(), token.encode())]
        ScopeState.from_scope(scope).headers = Empty  # Litestar caches the headers it parsed
        return _replaying(read, watched)


def _announced(scope: Scope) -> int:
    length = _header(scope, b"content-length") or ""
    return int(length) if length.isdecimal() else 0


def _header(scope: Scope, name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == name), None)
