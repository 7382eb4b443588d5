"""The HTTP layer: thin Starlette routes over the state and the rules.

Order of checks for an operation, as at the vendor's gateway then service: faults that
replace the response, authentication (401), the body's media type (415), parameters and
body (400, every problem at once), the operation, then faults that alter the body.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from email.utils import format_datetime

import yaml
from koodrive.signing import query_pairs
from koodrive_spec.behaviour import request_id_header, validity
from koodrive_spec.reader import Operation, Spec, spec_bytes
from koodrive_spec.request_rules import OperationRules, UnsupportedMediaType, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, compile_path
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from koodrive_emulator.access_log import REQUEST_ID_KEY, AccessLog
from koodrive_emulator.admin import ADMIN_PREFIX, Admin
from koodrive_emulator.connection import CONTROL_KEY
from koodrive_emulator.context import EmulatorContext
from koodrive_emulator.encoding import Fragment, encode_json
from koodrive_emulator.faults import REPLACING_KINDS, UNANSWERED_KINDS, Fault, FaultKind
from koodrive_emulator.handlers import HANDLERS, SUCCESS_MESSAGE, Flaw, Handler, OperationCall
from koodrive_emulator.handlers import Outcome as _Outcome
from koodrive_emulator.journal import NOTE_KEY, AuthVerdict, RequestNote
from koodrive_emulator.limits import (
    BODY_LIMIT_KEY,
    MAX_ADMIN_BODY_BYTES,
    READ_BODY_KEY,
    BodyLimit,
    ReadBody,
)
from koodrive_emulator.models import Role, format_timestamp, parse_timestamp
from koodrive_emulator.responses import (
    INTERNAL_ERROR,
    NOT_IMPLEMENTED,
    PARAMETER_ERROR,
    PROXY_502_PAGE,
    JSONBytesResponse,
    TruncatedResponse,
    UnansweredResponse,
    gateway_body,
    service_body,
)
from koodrive_emulator.rules.auth import AuthError, AuthFlaws, SignedRequest, authenticate
from koodrive_emulator.rules.paging import Pager
from koodrive_emulator.state import (
    Forbidden,
    InvalidWrite,
    NotOwner,
    RecordNotFound,
    WriteRefused,
)

logger = logging.getLogger("koodrive_emulator")

CLIENT_CLOSED_REQUEST = 499
FUTURE_RECORD_TIME_AHEAD = timedelta(days=30)  # the future-record-time fault
UPDATED_BEFORE_CREATED_BY = timedelta(days=1)  # the updated-before-created fault
REQUEST_DATE_SCHEME = "requestDate"  # the security scheme whose x-koodrive-validity is X-Date's
_PLACEHOLDER = re.compile(r"\{([^}]*)\}")
_UNSENT = object()  # a parameter not sent, in the key of a kept answer
Endpoint = Callable[[Request], Awaitable[Response]]
DEVICES_PATH = Spec.packaged().operations["listBoundDevices"].path
GROUPS_PATH = Spec.packaged().operations["listUserGroups"].path
# The emulator's own pages: not the API's traffic, so not in the request journal.
_OWN_PAGES = frozenset({"/", "/docs", "/openapi.yaml"})
_ADMIN_PATHS = ADMIN_PREFIX + "/"
_UNANSWERED_NEEDS_SERVER = (
    "The connection-reset and hang faults need the emulator's own server "
    "(koodrive_emulator.server: running_emulator, the pytest fixture, the CLI)."
)


__all__ = ["DEVICES_PATH", "GROUPS_PATH", "EmulatorApp", "EmulatorContext"]

# The write faults whose server answers a write it never makes.
_UNMADE_WRITES = frozenset(
    {FaultKind.ACK_WITHOUT_APPLY, FaultKind.UPDATE_NOT_VISIBLE, FaultKind.DELETE_NOT_REMOVED}
)

_AUTH_FLAWS = {
    FaultKind.FUTURE_X_DATE: AuthFlaws(future_skew=timedelta(minutes=2)),
    FaultKind.TOKEN_ANY_USER: AuthFlaws(token_acts_for_any_user=True),
    FaultKind.TOKEN_WITHOUT_USER_HEADERS: AuthFlaws(token_user_headers_optional=True),
}


class EmulatorApp:
    """The ASGI application. `context` may be replaced between requests.

    `admin` serves the admin API under /_emulator/ (see admin.py).
    """

    # Each answer's `Date` is the context clock's (AccessLog), so that a record created
    # now is never later than the response that lists it: the server adds none.
    dates_its_answers = True

    def __init__(
        self,
        context: EmulatorContext | None = None,
        *,
        cursor_secret: str | bytes | None = None,
        admin: bool = True,
        spec: Spec | None = None,
        handlers: Mapping[str, Handler] | None = None,
        access_log_line: Callable[[str], None] | None = None,
    ) -> None:
        """`access_log_line`: where each access-log line's message goes instead of the
        "koodrive_emulator.access" logger, whose level still says whether lines are made
        (access_log.AccessLog)."""
        self.context = context or EmulatorContext()
        self.pager = Pager(cursor_secret or secrets.token_bytes(32))
        # `spec`: another spec than the one shipped (a test's changed copy); the parameters
        # of each operation are checked against it.
        self.spec = spec or Spec.packaged()
        # The faults of this app's context target the operations of the spec it serves.
        self.context.faults.spec = self.spec
        self.window = validity(self.spec.document, REQUEST_DATE_SCHEME)
        # The spec this emulator obeys, as /openapi.yaml serves it: the shipped file as it
        # is, or a given copy in its own order.
        self._spec_text = (
            spec_bytes()
            if spec is None
            else yaml.safe_dump(dict(spec.document), allow_unicode=True, sort_keys=False).encode()
        )
        self.rules = {
            operation_id: OperationRules(
                operation,
                behaviour,
                self.spec.response_schema(operation_id, behaviour.success.status)
                if behaviour is not None
                else None,
            )
            for operation_id, operation in self.spec.operations.items()
            for behaviour in [self.spec.behaviours.get(operation_id)]
        }
        # The success `msg` of each operation, as the spec's example of its success shows.
        self._messages = {
            operation_id: next(
                (
                    str(example["msg"])
                    for example in self.spec.response_examples(
                        operation_id, rules.behaviour.success.status
                    )
                    if "msg" in example
                ),
                SUCCESS_MESSAGE,
            )
            for operation_id, rules in self.rules.items()
            if rules.behaviour is not None
        }
        # The `msg` of a refused change, as the spec's example of the forbidden answer shows.
        self._forbidden_messages = {
            operation_id: str(example["msg"])
            for operation_id, rules in self.rules.items()
            if rules.behaviour is not None and rules.behaviour.forbidden is not None
            for example in self.spec.response_examples(
                operation_id, rules.behaviour.forbidden.status
            )[:1]
            if "msg" in example
        }
        # What the refused-write-applied fault fills a refused body's bad fields with.
        self._request_examples = {
            operation_id: examples[0]
            for operation_id in self.spec.operations
            for examples in [self.spec.request_examples(operation_id)]
            if examples
        }
        # The reads (GET: safe, as HTTP has it), each with the names of the parameters its
        # answer depends on besides the caller: with the operation, its key in _answer.
        self._read_keys = {
            operation_id: tuple(p.name for p in operation.parameters if p.location != "header")
            for operation_id, operation in self.spec.operations.items()
            if operation.method == "GET"
        }
        # One route per operation of the spec; an operation without a handler (handlers.py,
        # or `handlers=`) answers 501 naming it: a spec ahead of the emulator says so.
        self.handlers: dict[str, Handler] = dict(HANDLERS if handlers is None else handlers)
        for operation in self.spec.operations.values():
            for name in _PLACEHOLDER.findall(operation.path):
                if not name.isidentifier():
                    raise ValueError(
                        f"{operation.operation_id}: the path parameter {{{name}}} of "
                        f"{operation.path} must be named as an identifier (letters, digits, _) "
                        "for the emulator to route it"
                    )
        handlers = self.handlers
        endpoints: dict[str, Endpoint] = {
            operation_id: self._operation(
                operation_id,
                handlers[operation_id],
                user_headers_required=_token_needs_user_headers(operation, self.spec),
            )
            if operation_id in handlers
            else self._not_implemented(operation)
            for operation_id, operation in self.spec.operations.items()
        }
        routes: list[BaseRoute] = [
            Route(operation.path, endpoints[operation_id], methods=[operation.method])
            for operation_id, operation in self.spec.operations.items()
        ]
        # The operations' own requests are dispatched here, straight to their endpoints:
        # Starlette's router and middleware cost a quarter of such a request. Anything
        # else (another method, HEAD, the docs, the admin API) goes through Starlette,
        # which has the same routes.
        self._static: dict[tuple[str, str], Endpoint] = {}
        self._templated: list[tuple[str, re.Pattern[str], Endpoint]] = []
        for operation_id, operation in self.spec.operations.items():
            if _PLACEHOLDER.search(operation.path):
                pattern = compile_path(operation.path)[0]
                self._templated.append((operation.method, pattern, endpoints[operation_id]))
            else:
                self._static[(operation.method, operation.path)] = endpoints[operation_id]
        routes += [
            Route("/openapi.yaml", self._spec, methods=["GET"]),
            Route("/docs", self._docs, methods=["GET"]),
            Mount("/docs/assets", StaticFiles(packages=[("koodrive_emulator", "static")])),
            Route("/", self._root, methods=["GET"]),
        ]
        self.admin = admin
        if admin:
            routes += Admin(lambda: self.context).routes
        starlette = Starlette(
            routes=routes,
            exception_handlers={
                HTTPException: self._http_exception,
                ClientDisconnect: self._client_gone,
                Exception: self._unexpected,
            },
        )
        # A trailing slash is another path at the gateway: 404, not a redirect.
        starlette.router.redirect_slashes = False
        self._starlette = starlette
        trace_id = self.spec.schema("TraceId").get("pattern")
        self._asgi = AccessLog(
            BodyLimit(self._dispatch),
            trace_id_pattern=str(trace_id or ""),
            request_id_header=request_id_header(self.spec.document),
            clock=lambda: self.context.clock.now(),
            write_line=access_log_line,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.admin and scope["type"] == "http" and scope["path"].startswith(_ADMIN_PATHS):
            scope[BODY_LIMIT_KEY] = MAX_ADMIN_BODY_BYTES  # a whole state may be PUT
        await self._asgi(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            context = self.context
            if context.journal.enabled and not self._own_page(scope["path"]):
                await self._journalled(context, scope, receive, send)
                return
        await self._route(scope, receive, send)

    def _own_page(self, path: str) -> bool:
        """The docs, the spec and the admin API: the emulator's pages, not the API's."""
        return (
            path in _OWN_PAGES
            or path.startswith("/docs/")
            or (self.admin and path.startswith(_ADMIN_PATHS))
        )

    async def _journalled(
        self, context: EmulatorContext, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Serve the request and record it in the journal before its last byte leaves: a
        client that has its answer finds it there at once."""
        note = scope[NOTE_KEY] = RequestNote()
        arrived = context.clock.now()
        status: int | None = None
        recorded = False

        def record() -> None:
            nonlocal recorded
            if recorded:
                return
            recorded = True
            query = note.query
            if query is None:
                query = query_pairs(scope["query_string"].decode("latin-1"))
            context.journal.record(
                time=arrived,
                request_id=scope.get(REQUEST_ID_KEY, "0" * 32),
                method=scope["method"],
                path=_raw_path(scope),
                query=query,
                raw_headers=scope["headers"],
                note=note,
                status=status,
                secrets=context.credentials.secrets(),
            )

        note.record_now = record

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                record()
            await send(message)

        try:
            await self._route(scope, receive, send_and_record)
        finally:
            if not recorded:  # nothing answered, or an answer cut short
                record()
            # The note and its recorder refer to each other: unlinked, the request's objects
            # are freed as it ends, not left for the cyclic GC (a tenth of a request's time).
            note.record_now = None

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method, path = scope["method"], scope["path"]
            endpoint = self._static.get((method, path))
            if endpoint is None:
                for wanted, pattern, candidate in self._templated:
                    match = pattern.match(path) if wanted == method else None
                    if match is not None:
                        scope["path_params"] = match.groupdict()
                        endpoint = candidate
                        break
            if endpoint is not None:
                await self._respond(endpoint, scope, receive, send)
                return
        await self._starlette(scope, receive, send)

    async def _respond(
        self, endpoint: Endpoint, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """What Starlette's route would do: the endpoint's response, or the app's answer to
        the exception it raised."""
        request = Request(scope, receive)
        try:
            response = await endpoint(request)
        except HTTPException as error:
            response = await self._http_exception(request, error)
        except ClientDisconnect as error:
            response = await self._client_gone(request, error)
        except Exception as error:
            response = await self._unexpected(request, error)
        await response(scope, receive, send)

    # --- operations -----------------------------------------------------------------------

    def _operation(
        self, operation: str, handler: Handler, *, user_headers_required: bool
    ) -> Endpoint:
        rules = self.rules[operation]
        paging = rules.behaviour.cursor_paging if rules.behaviour is not None else None
        # The filter-404 fault answers a request that narrows by text (groupName) with 404.
        filters = rules.behaviour.text_filters if rules.behaviour is not None else ()

        async def endpoint(request: Request) -> Response:
            context = self.context
            note = request.scope.get(NOTE_KEY) or RequestNote()
            note.operation = operation
            note.auth = AuthVerdict.NOT_CHECKED
            # The whole body first (as BodyLimit read it, else from Request): after it, the
            # only message left to receive is a disconnect, which is_disconnected() can
            # then look for without swallowing any of the body.
            read: ReadBody | None = request.scope.get(READ_BODY_KEY)
            note.body = read.take() if read is not None else await request.body()
            # Read once per request (Starlette's query_params would read it again), and as
            # Starlette reads it: for these lookups, a parameter's last value.
            query_string = request.scope["query_string"].decode("latin-1")
            query = note.query = query_pairs(query_string)
            last = dict(query)
            triggered = context.faults.take(
                operation, cursor_sent=paging is not None and bool(last.get(paging.cursor))
            )
            if triggered.delay:
                await asyncio.sleep(triggered.delay)
                if await request.is_disconnected():  # its timeout fired while we waited
                    raise ClientDisconnect
            fault = triggered.fault
            flaw = None if fault is None else fault.kind
            if fault is not None:
                note.fault = fault.kind.value
            elif triggered.delay:
                note.fault = FaultKind.LATENCY.value
            if fault is not None and fault.kind in UNANSWERED_KINDS:
                if CONTROL_KEY not in request.scope:
                    # Another ASGI server (a TestClient, httpx's ASGITransport) can neither
                    # reset a connection nor tell when a held request's client leaves.
                    return JSONBytesResponse(
                        encode_json(service_body(INTERNAL_ERROR, _UNANSWERED_NEEDS_SERVER)), 500
                    )
                return UnansweredResponse(
                    reset=fault.kind is FaultKind.CONNECTION_RESET, before=note.record_now
                )
            request_id: str = request.scope[REQUEST_ID_KEY]
            signed = SignedRequest.from_raw(
                method=request.method,
                path=_raw_path(request.scope),
                query=query_string,
                raw_headers=request.scope["headers"],
                body=note.body,
                split_copies=flaw is FaultKind.SPLIT_HEADER_COPIES,
            )
            # Each header's first copy (a repeated credential is refused from `signed`).
            sent_headers = signed.headers
            if fault is not None and fault.kind in REPLACING_KINDS:
                outcome = _fault_outcome(fault, request_id, context.clock.now())
            else:
                outcome = self._serve(
                    context,
                    request,
                    signed,
                    handler,
                    request_id,
                    user_headers_required=user_headers_required,
                    flaw=flaw,
                    rules=rules,
                    query=query,
                    filtered=any(name in last for name in filters),
                    note=note,
                )
                if fault is not None and fault.kind is FaultKind.APPLY_THEN_DROP:
                    if CONTROL_KEY not in request.scope:
                        return JSONBytesResponse(
                            encode_json(service_body(INTERNAL_ERROR, _UNANSWERED_NEEDS_SERVER)),
                            500,
                        )
                    return UnansweredResponse(reset=True, before=note.record_now)
                if fault is not None:
                    outcome = _altered(outcome, fault, request, rules, context.clock.now())
            if outcome.raw is not None:  # the proxy's page: no trace id, no JSON
                return HTMLResponse(outcome.raw, outcome.status, outcome.headers)
            headers = dict(outcome.headers)
            if not (fault and fault.kind is FaultKind.NO_TRACE_ECHO):
                wrong = fault is not None and fault.kind is FaultKind.WRONG_TRACE_ECHO
                for name, value in rules.echoed(sent_headers).items():
                    headers[name] = value[::-1] if wrong else value
            response_class = (
                TruncatedResponse
                if fault is not None and fault.kind is FaultKind.TRUNCATED
                else JSONBytesResponse
            )
            encoded = outcome.encoded if outcome.encoded is not None else encode_json(outcome.body)
            return response_class(encoded, outcome.status, headers)

        return endpoint

    def _serve(
        self,
        context: EmulatorContext,
        request: Request,
        signed: SignedRequest,
        handler: Handler,
        request_id: str,
        *,
        user_headers_required: bool,
        flaw: Flaw,
        rules: OperationRules,
        query: list[tuple[str, str]],
        filtered: bool,
        note: RequestNote,
    ) -> _Outcome:
        try:
            principal = authenticate(
                signed,
                context.credentials,
                now=context.clock.now(),
                user_headers_required=user_headers_required,
                flaws=_AUTH_FLAWS.get(flaw) if flaw is not None else None,
                window=self.window,
            )
        except AuthError as error:
            kind = "app authentication" if error.app_mode else "authentication"
            message = f"Incorrect {kind} information: {error}."
            note.auth, note.auth_error = AuthVerdict.REFUSED, message
            return _Outcome(401, gateway_body(401, request_id, message))
        note.auth = AuthVerdict.OK
        if flaw is FaultKind.FILTER_404 and filtered:
            return _Outcome(404, gateway_body(404, request_id))  # once authenticated
        try:
            rules.body.check_media_type(signed.headers.get("content-type"), signed.body)
        except UnsupportedMediaType as error:
            return _Outcome(415, service_body(PARAMETER_ERROR, str(error)))
        operation_id = rules.operation.operation_id
        problems: list[str] = []
        values: dict[str, object] = {}
        body: dict[str, object] = {}
        try:
            values = rules.parse(
                query,
                signed.headers,
                request.path_params,
                lenient=flaw is FaultKind.LENIENT_PARAMETERS,
            )
        except ValidationError as error:
            problems += error.problems
        parameters_passed, body_refused = not problems, False
        try:
            body = rules.body.parse(signed.body)
        except ValidationError as error:
            problems += error.problems
            body_refused = True
        call = OperationCall(
            context,
            principal,
            values,
            flaw,
            rules,
            self.pager,
            self._messages.get(operation_id, SUCCESS_MESSAGE),
            body=body,
            behaviours=self.spec.behaviours,
        )
        try:
            if problems:
                if flaw is FaultKind.REFUSED_WRITE_APPLIED and body_refused and parameters_passed:
                    self._apply_refused(handler, call, signed.body)
                raise ValidationError(problems)
            return self._answer(handler, call)
        except ValidationError as error:
            if flaw is FaultKind.PARAMETER_ERROR_401:
                return _Outcome(401, gateway_body(401, request_id))
            return _Outcome(400, service_body(PARAMETER_ERROR, str(error)))
        except InvalidWrite as error:
            refused = call.behaviour.invalid_request
            message = str(ValidationError([str(error)]))
            return _Outcome(refused.status, service_body(refused.code, message))
        except Forbidden as error:
            forbidden = call.behaviour.forbidden
            if forbidden is None:
                raise TypeError(f"{operation_id}: x-koodrive-behaviour has no forbidden") from error
            # The owner's refusal as the spec's example words it; a role's, in its own words.
            message = f"No permission: {error}."
            if isinstance(error, NotOwner):
                message = self._forbidden_messages.get(operation_id, message)
            return _Outcome(forbidden.status, service_body(forbidden.code, message))
        except RecordNotFound as error:
            not_found = call.behaviour.not_found
            if not_found is None:
                raise TypeError(f"{operation_id}: x-koodrive-behaviour has no not-found") from error
            return _Outcome(
                not_found.status, service_body(not_found.code, f"Resource not found: {error}.")
            )

    def _answer(self, handler: Handler, call: OperationCall) -> _Outcome:
        """The handler's answer. A read's is kept, encoded, until the state next changes:
        the same page asked for again (a client polling it, a load test) is neither read nor
        encoded again. It depends on nothing else than the caller, the parameters that are
        not headers (those authenticate, trace or date it) and this app's cursor key, so
        those are its key; a request that runs into a fault, or pages cut short at random,
        is answered afresh."""
        operation_id = call.rules.operation.operation_id
        names = self._read_keys.get(operation_id)
        if names is None or call.flaw is not None or call.context.paging.short_pages:
            return _handled(handler, call)
        values = call.values
        key = (
            self.pager,
            operation_id,
            call.user_id,
            *(values.get(name, _UNSENT) for name in names),
        )
        try:
            hash(key)
        except TypeError:  # a value read as a list or an object: answered afresh
            return _handled(handler, call)

        def encoded() -> _Outcome:
            outcome = _handled(handler, call)
            return dataclasses.replace(outcome, encoded=encode_json(outcome.body))

        # Shared by every request it answers: the answering path changes no outcome (only
        # a fault's does, and a fault's answer is never kept).
        return call.context.backend.kept(key, encoded)

    def _apply_refused(self, handler: Handler, call: OperationCall, raw: bytes) -> None:
        """The refused-write-applied fault: the write made anyway, from the fields that were
        right and the spec's example body for the rest; its answer stays the refusal."""
        example = self._request_examples.get(call.rules.operation.operation_id, {})
        body = {**example, **call.rules.body.valid_fields(raw)}
        # A body the handler cannot act on at all changes nothing, as it would not there.
        with contextlib.suppress(WriteRefused, TypeError, ValueError):
            handler(dataclasses.replace(call, body=body))

    def _not_implemented(self, operation: Operation) -> Endpoint:
        message = (
            f"Not implemented by the emulator: {operation.operation_id} "
            f"({operation.method} {operation.path}) is in the spec but has no handler."
        )

        async def endpoint(request: Request) -> Response:
            note = request.scope.get(NOTE_KEY)
            if note is not None:
                note.operation, note.auth = operation.operation_id, AuthVerdict.NOT_CHECKED
            return JSONBytesResponse(encode_json(service_body(NOT_IMPLEMENTED, message)), 501)

        return endpoint

    # --- the rest -------------------------------------------------------------------------

    async def _spec(self, request: Request) -> Response:
        return Response(self._spec_text, media_type="application/yaml")

    async def _docs(self, request: Request) -> Response:
        from koodrive_emulator.docs_page import render_docs_page

        return HTMLResponse(render_docs_page(self.spec))

    async def _root(self, request: Request) -> Response:
        return RedirectResponse("/docs")

    async def _http_exception(self, request: Request, exc: Exception) -> Response:
        # Unknown paths and methods alike: the gateway's "no such API".
        return JSONBytesResponse(
            encode_json(gateway_body(404, request.scope.get(REQUEST_ID_KEY, "0" * 32))), 404
        )

    async def _client_gone(self, request: Request, exc: Exception) -> Response:
        # The client left first (its timeout fired during a latency fault, say): nothing to
        # answer and nothing wrong here. The response is never sent, but the access log
        # records its status, 499, nginx's "client closed request".
        return Response(status_code=CLIENT_CLOSED_REQUEST)

    async def _unexpected(self, request: Request, exc: Exception) -> Response:
        logger.exception("unexpected error (answered 500 with the service's body)")
        return JSONBytesResponse(
            encode_json(service_body(INTERNAL_ERROR, "Internal server error.")), 500
        )


def _token_needs_user_headers(operation: Operation, spec: Spec) -> bool:
    """Whether the operation's token requirement includes the X-User-Id scheme (and so
    X-Date): list-bound-devices' does, list-user-groups' does not."""
    schemes = (spec.document.get("components") or {}).get("securitySchemes") or {}
    bearer = {
        name
        for name, scheme in schemes.items()
        if scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "bearer"
    }
    user = spec.header_schemes("X-User-Id")
    return any(requirement & bearer and requirement & user for requirement in operation.security)


def _raw_path(scope: Scope) -> str:
    raw = scope.get("raw_path")
    return raw.decode("latin-1") if isinstance(raw, bytes) else str(scope["path"])


def _handled(handler: Handler, call: OperationCall) -> _Outcome:
    """The handler's answer, as the write faults change what it does."""
    flaw = call.flaw
    behaviour = call.rules.behaviour
    write = behaviour.write if behaviour is not None else None
    if flaw is FaultKind.MEMBERS_ONLY_NOT_ENFORCED:
        return handler(_as_group_owner(call))
    backend = call.context.backend
    if behaviour is not None and behaviour.membership is not None and flaw in _UNMADE_WRITES:
        with backend.changes_discarded():  # a batch answered, its change never made
            return handler(call)
    if write is None or flaw is None:
        return handler(call)
    if flaw in _UNMADE_WRITES or (flaw is FaultKind.CREATE_NOT_LISTED and not write.partition):
        with backend.changes_discarded():
            return handler(call)
    if flaw is FaultKind.CREATE_NOT_LISTED:
        call = dataclasses.replace(call, body=_elsewhere(call, write.partition))
    try:
        return handler(call)
    except RecordNotFound:
        if flaw is FaultKind.SECOND_DELETE_SUCCEEDS:
            return call.done()
        raise


def _as_group_owner(call: OperationCall) -> OperationCall:
    """The call as the group's owner makes it, when its caller is not a member of the
    group its path names (members-only-not-enforced): a non-member reads and changes it."""
    members = call.context.backend.members(call.group_key)
    if any(member.user_id == call.user_id for member in members):
        return call
    owner = next((member.user_id for member in members if member.role is Role.OWNER), None)
    if owner is None:
        return call  # no such group: not-found, as for anyone
    return dataclasses.replace(call, principal=dataclasses.replace(call.principal, user_id=owner))


def _elsewhere(call: OperationCall, partition: tuple[tuple[str, str], ...]) -> dict[str, object]:
    """The body with each partition field set to another of its values: the record is
    written where the listing the request names never shows it (create-not-listed)."""
    body = dict(call.body)
    properties = (call.rules.body.schema or {}).get("properties") or {}
    for sent, _ in partition:
        values = list((properties.get(sent) or {}).get("enum") or [])
        if body.get(sent) in values and len(values) > 1:
            body[sent] = values[(values.index(body[sent]) + 1) % len(values)]
    return body


def _fault_outcome(fault: Fault, request_id: str, now: datetime) -> _Outcome:
    retry = {"Retry-After": str(fault.retry_after)}
    match fault.kind:
        case FaultKind.THROTTLE | FaultKind.THROTTLE_PAGES:
            return _Outcome(429, gateway_body(429, request_id), retry)
        case FaultKind.THROTTLE_HTTP_DATE:
            # RFC 9110 allows an HTTP-date; openapi.yaml declares integer seconds.
            when = format_datetime(now + timedelta(seconds=fault.retry_after), usegmt=True)
            return _Outcome(429, gateway_body(429, request_id), {"Retry-After": when})
        case FaultKind.UNAVAILABLE:
            return _Outcome(503, gateway_body(503, request_id), retry)
        case FaultKind.BAD_GATEWAY:
            return _Outcome(502, gateway_body(502, request_id))
        case FaultKind.GATEWAY_TIMEOUT:
            return _Outcome(504, gateway_body(504, request_id))
        case FaultKind.UNDOCUMENTED_500:
            return _Outcome(500, {"error": "java.lang.NullPointerException", "status": 500})
        case FaultKind.GATEWAY_AUTH_400:
            # The authentication body of a 401, on the 400 the vendor's status table names.
            return _Outcome(400, gateway_body(401, request_id))
        case FaultKind.HTML_502:
            return _Outcome(502, {}, raw=PROXY_502_PAGE)
        case _:
            return _Outcome(500, service_body(INTERNAL_ERROR, "Internal server error."))


def _altered(
    outcome: _Outcome, fault: Fault, request: Request, rules: OperationRules, now: datetime
) -> _Outcome:
    """The service's answer as the fault changes it, once authentication has passed."""
    if outcome.status == 401:
        return outcome
    if fault.kind is FaultKind.RESULT_ERROR:
        return _Outcome(200, service_body(fault.code, fault.msg))
    paging = rules.behaviour.cursor_paging if rules.behaviour is not None else None
    if fault.kind is FaultKind.REPEAT_CURSOR:
        if outcome.status == 200 and paging is not None:
            outcome.body[paging.next_cursor] = request.query_params[paging.cursor]
        return outcome
    if fault.kind in (FaultKind.FUTURE_RECORD_TIME, FaultKind.UPDATED_BEFORE_CREATED):
        if outcome.status == 200:
            _alter_record_times(outcome, fault.kind, rules, now)
        return outcome
    _alter_body(outcome, fault.kind, rules)
    return outcome


def _alter_record_times(
    outcome: _Outcome, kind: FaultKind, rules: OperationRules, now: datetime
) -> None:
    """Every listed item's record times (the fields x-koodrive-behaviour declares) moved:
    created, and updated with it, 30 days after `now`; or updated a day before created."""
    behaviour = rules.behaviour
    times = behaviour.record_times if behaviour is not None else None
    if behaviour is None or times is None or times.created is None:
        return
    listed = outcome.body.get(behaviour.items or "")
    if not isinstance(listed, list):
        return
    items = [json.loads(item.text) if isinstance(item, Fragment) else dict(item) for item in listed]
    for item in items:
        if kind is FaultKind.FUTURE_RECORD_TIME:
            ahead = format_timestamp(now + FUTURE_RECORD_TIME_AHEAD)
            item.update({name: ahead for name in times.fields if name in item})
        elif times.updated is not None and isinstance(item.get(times.created), str):
            created = parse_timestamp(item[times.created])
            item[times.updated] = format_timestamp(created - UPDATED_BEFORE_CREATED_BY)
    outcome.body[behaviour.items or ""] = items


def _alter_body(outcome: _Outcome, kind: FaultKind, rules: OperationRules) -> None:
    body = outcome.body
    if kind is FaultKind.CODE_AS_STRING and isinstance(body.get("code"), int):
        body["code"] = str(body["code"])
        return
    if outcome.status != 200:
        return
    # The field faults act on the last field the success schema requires (list-user-groups'
    # `total`, list-bound-devices' `data`), read from the spec.
    required = rules.success_schema.get("required") or []
    field = str(required[-1]) if required else None
    paging = rules.behaviour.paging if rules.behaviour is not None else None
    if kind is FaultKind.WRONG_TYPE and field in body:
        value = body[field]
        body[field] = (
            {"items": value}
            if isinstance(value, list)
            else str(value)
            if isinstance(value, int)
            else [value]
        )
    elif kind is FaultKind.MISSING_FIELD and field in body:
        body.pop(field)
    elif kind is FaultKind.WRONG_TOTAL and paging is not None and paging.total is not None:
        if isinstance(body.get(paging.total), int):
            body[paging.total] += 1
    elif kind is FaultKind.SUCCESS_CODE_NOT_ZERO:
        body["code"] = 1
