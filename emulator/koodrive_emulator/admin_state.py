"""The admin API's state endpoints, for an emulator run as a process of its own: the whole
state read, seeded and replaced over HTTP in the fixtures format (docs/emulator.md,
"Fixtures"), and named snapshots saved and restored on the server.

    GET    /_emulator/state                     the whole state, as a fixtures document
    POST   /_emulator/state                     add the users, devices and groups of one
    PUT    /_emulator/state                     replace the whole state with one
    GET    /_emulator/snapshots                 the saved snapshots
    POST   /_emulator/snapshots/{name}          save the state now under `name`
    POST   /_emulator/snapshots/{name}/restore  put it back
    DELETE /_emulator/snapshots/{name}          forget it

Bodies are parsed by `fixtures.apply_fixtures`, as a fixtures file is, so errors name the
entry and nothing is applied on error. A snapshot is the database's bytes
(`Backend.snapshot`): saving one costs a copy of them, none of it JSON. A restore or a
replace starts a new generation of the state, so a paging cursor issued before it is
refused (400 naming it), never read against the other state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from koodrive_emulator.admin_json import BadBody, error, json_body, refused
from koodrive_emulator.context import EmulatorContext
from koodrive_emulator.fixtures import FixtureError
from koodrive_emulator.state import BackendSnapshot

# At most this many named snapshots are kept (each holds a copy of the state's lists).
MAX_SNAPSHOTS = 32
# Records a body may ask to generate (`synthetic`): a few bytes must not ask for a billion.
MAX_GENERATED_OVER_HTTP = 1_000_000
_SNAPSHOT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_NAME_RULE = "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
_STATE_SHAPE = (
    'the body must be one JSON object in the fixtures format, {"users": [...]} '
    "(see docs/emulator.md, Fixtures; GET /_emulator/state answers one)"
)
_SOURCE = "body"  # how fixture errors name the document: "body: users[0].groups[2]..."


def state_summary(snapshot: BackendSnapshot) -> dict[str, int]:
    return {
        "users": snapshot.user_count,
        "devices": snapshot.device_count,
        "groups": snapshot.group_count,
    }


class StateAdmin:
    """The state endpoints over the context the app serves at the moment."""

    def __init__(self, context: Callable[[], EmulatorContext]) -> None:
        self._context = context

    async def get_state(self, request: Request) -> Response:
        return JSONResponse(self._context().backend.to_fixtures())

    async def seed_state(self, request: Request) -> Response:
        """Add what the body holds; the state already there stays, and so do its cursors."""
        return await self._apply(request, "seeded", replace=False)

    async def replace_state(self, request: Request) -> Response:
        return await self._apply(request, "replaced", replace=True)

    async def _apply(self, request: Request, done: str, *, replace: bool) -> Response:
        backend = self._context().backend
        try:
            data = await json_body(request, _STATE_SHAPE)
            _check_generated(data)
            if replace:
                backend.replace_with_fixtures(data, source=_SOURCE)
            else:
                backend.load_fixtures_data(data, source=_SOURCE)
        except BadBody as problem:
            return refused(problem)
        except FixtureError as problem:
            return error(str(problem))
        return JSONResponse({"state": done, **state_summary(backend.snapshot())})

    async def list_snapshots(self, request: Request) -> Response:
        saved = self._context().snapshots
        return JSONResponse(
            {
                "snapshots": [
                    {"name": name, **state_summary(snapshot)} for name, snapshot in saved.items()
                ]
            }
        )

    async def save_snapshot(self, request: Request) -> Response:
        context = self._context()
        name = request.path_params["name"]
        if not _SNAPSHOT_NAME.fullmatch(name):
            return error(f"a snapshot's name must be {_NAME_RULE}")
        if name not in context.snapshots and len(context.snapshots) >= MAX_SNAPSHOTS:
            return error(
                f"at most {MAX_SNAPSHOTS} snapshots are kept; save over one of them or "
                "DELETE /_emulator/snapshots/{name} first",
                409,
            )
        snapshot = context.backend.snapshot()
        context.snapshots[name] = snapshot
        return JSONResponse({"snapshot": {"name": name, **state_summary(snapshot)}}, 201)

    async def restore_snapshot(self, request: Request) -> Response:
        context = self._context()
        snapshot = _saved(context.snapshots, request.path_params["name"])
        if isinstance(snapshot, Response):
            return snapshot
        context.backend.restore(snapshot)
        return JSONResponse(
            {
                "state": "restored",
                "snapshot": request.path_params["name"],
                **state_summary(snapshot),
            }
        )

    async def delete_snapshot(self, request: Request) -> Response:
        context = self._context()
        name = request.path_params["name"]
        found = _saved(context.snapshots, name)
        if isinstance(found, Response):
            return found
        del context.snapshots[name]
        return JSONResponse({"deleted": name})


def _saved(snapshots: Mapping[str, BackendSnapshot], name: str) -> BackendSnapshot | Response:
    snapshot = snapshots.get(name)
    if snapshot is None:
        known = ", ".join(snapshots) or "none"
        return error(f"no snapshot is named {name!r}; saved: {known}", 404)
    return snapshot


def _check_generated(data: Any) -> None:
    """BadBody if the document asks to generate more records than a request may."""
    users = data.get("users") if isinstance(data, dict) else None
    if not isinstance(users, list):
        return  # the fixtures parser says what is wrong with it
    asked = 0
    for user in users:
        synthetic = user.get("synthetic") if isinstance(user, dict) else None
        if isinstance(synthetic, dict):
            asked += sum(
                value
                for key, value in synthetic.items()
                if key in ("groups", "devices") and type(value) is int and value > 0
            )
    if asked > MAX_GENERATED_OVER_HTTP:
        raise BadBody(
            f"synthetic asks for {asked} generated records; over HTTP at most "
            f"{MAX_GENERATED_OVER_HTTP} per request (seed more at start: --groups, --fixtures)"
        )
