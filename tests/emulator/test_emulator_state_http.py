"""The state over HTTP and its snapshots, against the running server: read whole, seeded,
replaced, saved and restored by name; and what a paging cursor does across a restore."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from koodrive_emulator import Backend, SourceType
from koodrive_emulator.admin_state import MAX_GENERATED_OVER_HTTP, MAX_SNAPSHOTS
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.fixtures import FixtureError
from koodrive_emulator.limits import MAX_ADMIN_BODY_BYTES, MAX_BODY_BYTES
from koodrive_emulator.testing import RunningEmulator, running_emulator

if TYPE_CHECKING:
    from tests.emulator.conftest import ServeCli

STATE = "/_emulator/state"
SNAPSHOTS = "/_emulator/snapshots"
RESET = "/_emulator/reset"
# A user the default data set does not know (its ...099 owns "Design Team", and so is known).
NEW_USER = "1395476983395324098"


def page(
    http: httpx.Client, emulator: RunningEmulator, cursor: str = "", size: int = 5
) -> httpx.Response:
    query = {"pageSize": str(size), "pageCursor": cursor, "sourceType": "0"}
    return http.get(GROUPS, params=query, headers=emulator.token_headers())


def counts(backend: Backend) -> dict[str, int]:
    snapshot = backend.snapshot()
    return {
        "users": snapshot.user_count,
        "devices": snapshot.device_count,
        "groups": snapshot.group_count,
    }


# --- Backend.snapshot / restore -----------------------------------------------------------


def test_a_snapshot_is_the_state_then_and_restore_puts_it_back() -> None:
    backend = Backend.default()
    user = backend.users()[0]
    snapshot = backend.snapshot()
    before = backend.to_fixtures()
    backend.add_group(user, group_name="later")
    backend.remove_device(user, backend.devices(user)[0].device_id)
    backend.add_user(NEW_USER)
    assert snapshot.to_fixtures() == before  # immutable: later changes do not reach it
    backend.restore(snapshot)
    assert backend.to_fixtures() == before
    assert backend.generation == 1
    # Automatic ids start again where they stood then: the same run gives the same ids.
    again = backend.add_group(user, group_name="later")
    backend.restore(snapshot)
    assert backend.add_group(user, group_name="later").id == again.id


def test_to_fixtures_loads_back_into_the_same_state_ids_and_times_kept() -> None:
    backend = Backend.default()
    backend.seed_synthetic(backend.users()[0], groups=50, devices=3, seed=4)
    backend.add_group(backend.users()[1], group_name="extra", source_type=SourceType.USER_GROUP)
    document = backend.to_fixtures()
    copy = Backend()
    copy.load_fixtures_data(json.loads(json.dumps(document)))
    assert copy.to_fixtures() == document
    user = backend.users()[0]
    assert copy.groups(user) == backend.groups(user)
    assert copy.devices(user) == backend.devices(user)


def test_load_fixtures_data_is_all_or_nothing() -> None:
    backend = Backend.default()
    before = backend.to_fixtures()
    user = backend.users()[0]
    taken = backend.groups(user)[0].id
    bad = {
        "users": [
            {"id": NEW_USER, "groups": [{"groupName": "a"}]},
            {"id": user, "groups": [{"id": taken, "groupName": "b"}]},
        ]
    }
    with pytest.raises(FixtureError, match=f"already has a group with id {taken}"):
        backend.load_fixtures_data(bad)
    assert backend.to_fixtures() == before
    assert backend.generation == 0


# --- GET, POST and PUT /_emulator/state -------------------------------------------------


def test_get_state_is_the_whole_state_in_the_fixtures_format(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    response = http.get(STATE)
    assert response.status_code == 200
    document = response.json()
    assert document == emulator.backend.to_fixtures()
    first = document["users"][0]
    assert first["id"] == emulator.credentials.user_id
    assert set(first["groups"][0]) == {
        "id",
        "groupName",
        "ownerId",
        "sourceType",
        "createdTime",
        "updatedTime",
        "members",  # under its owner: the group's members, in the order they joined
    }
    assert first["groups"][0]["members"] == [
        {
            "userId": first["id"],
            "role": 0,
            "top": 0,
            "createdTime": first["groups"][0]["createdTime"],
            "updatedTime": first["groups"][0]["createdTime"],
        },
        {  # the default data's second member of the spec's example group
            "userId": "1395476983395324036",
            "role": 2,
            "top": 0,
            "createdTime": "2024-04-26T08:00:00.000Z",
            "updatedTime": "2024-04-26T08:00:00.000Z",
        },
    ]
    assert document["tenantId"] == "1"
    assert set(first["devices"][0]) == {
        "deviceId",
        "machineCode",
        "deviceOS",
        "deviceName",
        "createTime",
    }


def test_post_state_adds_to_the_state_and_keeps_the_cursors(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    user = emulator.credentials.user_id
    first = page(http, emulator).json()
    before = len(emulator.backend.groups(user))
    body = {
        "users": [
            {"id": user, "groups": [{"groupName": "seeded over HTTP", "id": "42"}]},
            {"id": NEW_USER, "devices": [{"deviceName": "Pad"}], "synthetic": {"groups": 3}},
        ]
    }
    seeded = http.post(STATE, json=body)
    assert seeded.status_code == 200, seeded.text
    assert seeded.json() == {"state": "seeded", **counts(emulator.backend)}
    assert len(emulator.backend.groups(user)) == before + 1
    assert len(emulator.backend.groups(NEW_USER)) == 3
    # Seeding is adding: a walk under way goes on, and finds the new group at its end.
    walked = [g["id"] for g in first["userGroupList"]]
    cursor = first["nextCursor"]
    while cursor:
        answer = page(http, emulator, cursor).json()
        walked += [g["id"] for g in answer["userGroupList"]]
        cursor = answer.get("nextCursor", "")
    assert walked[-1] == "42"


def test_put_state_replaces_it_and_a_get_put_round_trip_is_exact(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    user = emulator.credentials.user_id
    emulator.backend.seed_synthetic(user, groups=30, devices=2, seed=9)
    saved = http.get(STATE).json()
    http.put(STATE, json={"users": [{"id": NEW_USER, "groups": [{"groupName": "alone"}]}]})
    assert emulator.backend.users() == [NEW_USER]
    assert emulator.backend.groups(user) == []

    restored = http.put(STATE, json=saved)
    assert restored.status_code == 200, restored.text
    assert restored.json() == {"state": "replaced", **counts(emulator.backend)}
    assert http.get(STATE).json() == saved
    # An id given later is none of those loaded (they came from the automatic range).
    added = emulator.backend.add_group(user, group_name="after the restore")
    assert added.id not in {g["id"] for u in saved["users"] for g in u["groups"]}


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {
                "users": [
                    {
                        "id": NEW_USER,
                        "groups": [
                            {"groupName": "a"},
                            {"groupName": "b"},
                            {"groupName": "c", "sourceType": 2},
                        ],
                    }
                ]
            },
            "body: users[0].groups[2].sourceType must be 0 (group) or 1 (user group)",
        ),
        ({"users": [{"id": "12a"}]}, "body: users[0].id must be a string of 1 to 32 digits"),
        ({"people": []}, "body: the top level must be a mapping with one key, 'users'"),
        ([], "body: the top level must be a mapping"),
        (
            {"users": [{"id": NEW_USER, "devices": [{"deviceName": "x", "colour": "red"}]}]},
            "body: users[0].devices[0] has unknown keys ['colour']; allowed: createTime",
        ),
        (
            {"users": [{"id": NEW_USER, "synthetic": {"groups": MAX_GENERATED_OVER_HTTP + 1}}]},
            f"over HTTP at most {MAX_GENERATED_OVER_HTTP} per request",
        ),
    ],
)
def test_a_bad_state_is_400_naming_the_entry_and_nothing_is_applied(
    emulator: RunningEmulator, http: httpx.Client, method: str, body: Any, message: str
) -> None:
    before = emulator.backend.to_fixtures()
    response = http.request(method, STATE, json=body)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]
    assert emulator.backend.to_fixtures() == before
    assert emulator.backend.generation == 0


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "the body must be one JSON object in the fixtures format"),
        (b'{"users": [{"id": "1", "synthetic": {"groups": NaN}}]}', "NaN is not allowed"),
        (b"[" * 100_000, "the body must be one JSON object in the fixtures format"),
    ],
)
def test_a_state_body_that_is_not_json_is_400(
    emulator: RunningEmulator, http: httpx.Client, raw: bytes, message: str
) -> None:
    response = http.put(STATE, content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_the_admin_body_limit_is_larger_than_an_operation_s_and_413_past_it(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    groups = [{"groupName": f"group {n:07d}", "id": str(10**9 + n)} for n in range(25_000)]
    body = json.dumps({"users": [{"id": NEW_USER, "groups": groups}]}).encode()
    assert MAX_BODY_BYTES < len(body) < MAX_ADMIN_BODY_BYTES
    json_type = {"Content-Type": "application/json"}
    # 25,000 groups take the emulator about a second to load alone, many more on a machine
    # busy with parallel tests: past the fixture's 10 s, a client timeout, not a finding.
    loaded = http.post(STATE, content=body, headers=json_type, timeout=120)
    assert loaded.status_code == 200
    assert len(emulator.backend.groups(NEW_USER)) == 25_000

    too_large = b" " * (MAX_ADMIN_BODY_BYTES + 1)
    response = http.put(STATE, content=too_large, headers=json_type)
    assert response.status_code == 413
    assert f"at most {MAX_ADMIN_BODY_BYTES} bytes" in response.json()["error_msg"]
    assert len(emulator.backend.groups(NEW_USER)) == 25_000
    # An operation's body keeps its own limit.
    assert http.request("GET", GROUPS, content=body).status_code == 413


# --- snapshots ------------------------------------------------------------------------------


def test_named_snapshots_save_list_restore_and_delete(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    user = emulator.credentials.user_id
    assert http.get(SNAPSHOTS).json() == {"snapshots": []}
    saved = http.post(f"{SNAPSHOTS}/clean")
    assert saved.status_code == 201
    assert saved.json() == {"snapshot": {"name": "clean", **counts(emulator.backend)}}
    clean = emulator.backend.to_fixtures()
    emulator.backend.add_group(user, group_name="dirty")
    assert http.post(f"{SNAPSHOTS}/dirty.1").status_code == 201
    assert [s["name"] for s in http.get(SNAPSHOTS).json()["snapshots"]] == ["clean", "dirty.1"]

    restored = http.post(f"{SNAPSHOTS}/clean/restore")
    assert restored.status_code == 200
    assert restored.json() == {"state": "restored", "snapshot": "clean", **counts(emulator.backend)}
    assert emulator.backend.to_fixtures() == clean
    http.post(f"{SNAPSHOTS}/dirty.1/restore")
    assert "dirty" in {g.group_name for g in emulator.backend.groups(user)}

    assert http.delete(f"{SNAPSHOTS}/dirty.1").json() == {"deleted": "dirty.1"}
    missing = http.post(f"{SNAPSHOTS}/dirty.1/restore")
    assert missing.status_code == 404
    assert missing.json() == {"error": "no snapshot is named 'dirty.1'; saved: clean"}
    assert http.delete(f"{SNAPSHOTS}/dirty.1").status_code == 404


def test_snapshots_survive_a_reset_which_restores_the_start(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    start = emulator.backend.to_fixtures()
    emulator.backend.add_group(emulator.credentials.user_id, group_name="saved")
    http.post(f"{SNAPSHOTS}/mine")
    assert http.post(RESET).json()["state"] == "reset"
    assert emulator.backend.to_fixtures() == start
    http.post(f"{SNAPSHOTS}/mine/restore")
    assert emulator.backend.to_fixtures() != start


@pytest.mark.parametrize("name", ["-leading", "with space", "x" * 65, "é"])
def test_a_bad_snapshot_name_is_400(http: httpx.Client, name: str) -> None:
    response = http.post(f"{SNAPSHOTS}/{name}")
    assert response.status_code == 400
    assert "a snapshot's name must be 1 to 64 letters, digits" in response.json()["error"]


def test_at_most_max_snapshots_are_kept(emulator: RunningEmulator, http: httpx.Client) -> None:
    for n in range(MAX_SNAPSHOTS):
        assert http.post(f"{SNAPSHOTS}/s{n}").status_code == 201
    refused = http.post(f"{SNAPSHOTS}/one-more")
    assert refused.status_code == 409
    assert f"at most {MAX_SNAPSHOTS} snapshots are kept" in refused.json()["error"]
    assert http.post(f"{SNAPSHOTS}/s0").status_code == 201  # saving over one is fine


# --- cursors across a reset or restore -----------------------------------------------------


@pytest.mark.parametrize("how", ["reset", "snapshot", "put"])
def test_a_cursor_issued_before_a_restore_is_refused_not_read_against_the_other_state(
    emulator: RunningEmulator, http: httpx.Client, how: str
) -> None:
    http.post(f"{SNAPSHOTS}/start")
    document = http.get(STATE).json()
    cursor = page(http, emulator).json()["nextCursor"]
    assert page(http, emulator, cursor).status_code == 200
    if how == "reset":
        http.post(RESET)
    elif how == "snapshot":
        http.post(f"{SNAPSHOTS}/start/restore")
    else:
        http.put(STATE, json=document)

    refused = page(http, emulator, cursor)

    assert refused.status_code == 400
    assert refused.json()["msg"] == (
        "Verify parameters failed: pageCursor was issued before the emulator's state was "
        "reset or restored, and holds a place in the state of then; send an empty "
        "pageCursor to start again"
    )
    # A walk started afresh pages as before.
    fresh = page(http, emulator).json()["nextCursor"]
    assert page(http, emulator, fresh).status_code == 200


def test_a_process_is_reset_to_the_state_it_started_with(serve_cli: ServeCli) -> None:
    served = serve_cli("--groups", "120", "--seed", "3")
    token = {"Authorization": "Bearer koodrive-dev-token"}
    with httpx.Client(base_url=served.base_url) as http:
        start = http.get(STATE).json()
        total = len(start["users"][0]["groups"])
        assert total == 12 + 120
        http.put(STATE, json={"users": []})
        query = {"pageSize": "1", "pageCursor": "", "sourceType": "0"}
        assert http.get(GROUPS, params=query, headers=token).json()["total"] == 0
        assert http.post(RESET).json()["state"] == "reset"
        assert http.get(STATE).json() == start
    served.stop()


def test_running_emulator_resets_to_the_backend_it_was_given() -> None:
    backend = Backend()
    backend.add_group(NEW_USER, group_name="given")
    with (
        running_emulator(backend=backend) as served,
        httpx.Client(base_url=served.base_url) as http,
    ):
        given = backend.to_fixtures()
        backend.add_group(NEW_USER, group_name="later")
        http.post(RESET)
        assert backend.to_fixtures() == given
