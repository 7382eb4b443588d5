"""The admin API of a running emulator, under `/_emulator/` (as moto's server mode has
`/moto-api/`): switch faults on and off, read the request journal, read and set the state
and reset the emulator over HTTP, for teams that run `koodrive-emulator` as a process of
its own.

It is not the vendor's API: it needs no KooDrive authentication, `/openapi.yaml` does not
list it, and `EmulatorApp(admin=False)` (`--no-admin`) switches it off. Faults are parsed
by `faults.fault_from_options`, as the CLI's `--fault` is, so both accept the same fields
and refuse bad ones with the same messages.

    GET    /_emulator/faults   the active faults
    POST   /_emulator/faults   {"kind": "throttle", "times": 2, "retry_after": 1}
    DELETE /_emulator/faults   switch every fault off
    GET    /_emulator/requests the request journal (?operation=listUserGroups: one's only)
    DELETE /_emulator/requests forget every request recorded
    POST   /_emulator/reset    the start state back, faults off, the journal cleared, every
                               token's lifetime started afresh
    ...    /_emulator/state, /_emulator/snapshots (admin_state.py)

A web page open in a developer's browser can send requests to 127.0.0.1 too. So a body
must be `Content-Type: application/json` (admin_json.py: a browser only sends that
cross-site after a CORS preflight, which this API never grants), and a request whose
`Origin` (or `Sec-Fetch-Site`) says it comes from another site is refused with 403.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from koodrive_spec.reader import Spec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from koodrive_emulator.admin_json import BadBody, error, json_body, refused
from koodrive_emulator.admin_state import StateAdmin
from koodrive_emulator.context import EmulatorContext
from koodrive_emulator.faults import FAULT_OPTIONS, Fault, FaultKind, Faults, fault_from_options

ADMIN_PREFIX = "/_emulator"
REQUESTS = f"{ADMIN_PREFIX}/requests"
Endpoint = Callable[[Request], Awaitable[Response]]
_KINDS = ", ".join(kind.value for kind in FaultKind)
_BODY_SHAPE = (
    'the body must be one JSON object such as {"kind": "throttle", "times": 2}: '
    f"kind (one of {_KINDS}) and any of the options {', '.join(FAULT_OPTIONS)}"
)


def fault_json(fault: Fault) -> dict[str, Any]:
    """A fault as the admin API shows it: the fields POST takes; `times` is how many more
    requests it acts on (null: until switched off)."""
    fields = dataclasses.asdict(fault)
    fields["kind"] = fault.kind.value
    fields["distribution"] = fault.distribution.value
    return fields


def switch_on(faults: Faults, fault: Fault) -> Fault:
    """Add an already checked `fault` to `faults`; the Fault that is now active."""
    options = {name: value for name, value in dataclasses.asdict(fault).items() if name != "kind"}
    return faults.add(fault.kind, **options)


class Admin:
    """The admin routes over the context the app serves at the moment (it may be swapped)."""

    def __init__(self, context: Callable[[], EmulatorContext]) -> None:
        self._context = context
        self._state = StateAdmin(context)

    @property
    def routes(self) -> list[Route]:
        faults = f"{ADMIN_PREFIX}/faults"
        return [
            Route(faults, _same_site(self._list_faults), methods=["GET"]),
            Route(faults, _same_site(self._add_fault), methods=["POST"]),
            Route(faults, _same_site(self._clear_faults), methods=["DELETE"]),
            Route(f"{ADMIN_PREFIX}/reset", _same_site(self._reset), methods=["POST"]),
            Route(REQUESTS, _same_site(self._list_requests), methods=["GET"]),
            Route(REQUESTS, _same_site(self._clear_requests), methods=["DELETE"]),
            *self._state_routes(),
        ]

    def _state_routes(self) -> list[Route]:
        state, snapshots = f"{ADMIN_PREFIX}/state", f"{ADMIN_PREFIX}/snapshots"
        one = f"{snapshots}/{{name}}"
        endpoints = self._state
        return [
            Route(state, _same_site(endpoints.get_state), methods=["GET"]),
            Route(state, _same_site(endpoints.seed_state), methods=["POST"]),
            Route(state, _same_site(endpoints.replace_state), methods=["PUT"]),
            Route(snapshots, _same_site(endpoints.list_snapshots), methods=["GET"]),
            Route(one, _same_site(endpoints.save_snapshot), methods=["POST"]),
            Route(one, _same_site(endpoints.delete_snapshot), methods=["DELETE"]),
            Route(f"{one}/restore", _same_site(endpoints.restore_snapshot), methods=["POST"]),
        ]

    async def _list_faults(self, request: Request) -> Response:
        active = self._context().faults.active()
        return JSONResponse({"faults": [fault_json(f) for f in active]})

    async def _add_fault(self, request: Request) -> Response:
        try:
            data = await json_body(request, _BODY_SHAPE)
            fault = _fault_from_body(data, self._context().faults.spec)
        except BadBody as problem:
            return refused(problem)
        added = switch_on(self._context().faults, fault)
        return JSONResponse({"fault": fault_json(added)}, status_code=201)

    async def _list_requests(self, request: Request) -> Response:
        context = self._context()
        operations = context.faults.spec.operation_ids()
        pairs = request.query_params.multi_items()
        unknown = sorted({name for name, _ in pairs if name != "operation"})
        if unknown:
            return error(f"unknown query parameter {unknown[0]!r}; the only one is operation")
        chosen = [value for name, value in pairs if name == "operation"]
        if len(chosen) > 1:
            return error("operation may be given once")
        if chosen and chosen[0] not in operations:
            return error(f"operation must be one of {', '.join(operations)}")
        journal = context.journal
        return JSONResponse(
            {
                "requests": [e.to_json() for e in journal.entries(*chosen)],
                "dropped": journal.dropped,
                "size": journal.size,
            }
        )

    async def _clear_requests(self, request: Request) -> Response:
        return JSONResponse({"cleared": self._context().journal.clear()})

    async def _clear_faults(self, request: Request) -> Response:
        return JSONResponse({"cleared": _clear(self._context().faults)})

    async def _reset(self, request: Request) -> Response:
        """The emulator as it started: its start state (after the fixtures and generated
        data) back, faults off (their draws seeded again), the journal cleared, every
        token's lifetime started afresh.

        Named snapshots are kept, and so are tokens added or revoked since the start. A
        paging cursor issued before the reset is refused (the state is another generation).
        """
        context = self._context()
        context.backend.restore(context.start_state)
        cleared = _clear(context.faults)
        context.faults.reseed()  # the same requests after a reset meet the same chaos
        context.credentials.renew_tokens()
        return JSONResponse(
            {
                "state": "reset",
                "faults_cleared": cleared,
                "requests_cleared": context.journal.clear(),
                "tokens": "renewed",
            }
        )


def _same_site(endpoint: Endpoint) -> Endpoint:
    """`endpoint`, refusing requests a browser sent on behalf of another site's page."""

    async def guarded(request: Request) -> Response:
        problem = _cross_site(request)
        if problem is not None:
            return JSONResponse({"error": problem}, status_code=403)
        return await endpoint(request)

    return guarded


def _cross_site(request: Request) -> str | None:
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.lower() not in ("same-origin", "none"):
        return f"the admin API takes no requests from other sites (Sec-Fetch-Site: {fetch_site})"
    origins = request.headers.getlist("origin")
    if not origins:
        return None  # not a browser's cross-origin request: curl, a script, a test
    own = f"{request.url.scheme}://{request.headers.get('host', '')}".lower()
    if len(origins) > 1 or origins[0].lower() != own:
        return f"the admin API takes no requests from other origins (only {own})"
    return None


def _clear(faults: Faults) -> int:
    cleared = len(faults.active())
    faults.clear()
    return cleared


def _fault_from_body(data: Any, spec: Spec) -> Fault:
    if not isinstance(data, dict):
        raise BadBody(_BODY_SHAPE)
    options = dict(data)
    kind = options.pop("kind", None)
    if kind is None:
        raise BadBody(f"kind is required: one of {_KINDS}")
    if not isinstance(kind, str):
        raise BadBody(f"kind must be one of: {_KINDS}")
    try:
        return fault_from_options(kind, options, spec)
    except ValueError as problem:
        raise BadBody(str(problem)) from None
