"""The writes against a real server: each change shows in every later listing, in both
authentication modes; ownership, the limit per owner, paging under writes, and the state's
snapshots, reset, journal and admin API holding what was written."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from koodrive_emulator.app import DEVICES_PATH as DEVICES
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.models import format_timestamp
from koodrive_emulator.state import Backend
from koodrive_emulator.testing import RunningEmulator, running_emulator
from koodrive_spec import Spec

from tests.emulator.write_requests import (
    DESIGN_TEAM,
    DEV_USER,
    MODES,
    OWN_GROUP,
    SECOND_USER,
    SECOND_USERS_GROUP,
    Mode,
    device_path,
    group_path,
    listed_devices,
    listed_groups,
    send,
    service_error,
)

PINNED = datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)
LIMIT = Spec.packaged().behaviours["createUserGroup"].write.limit_per_owner  # type: ignore[union-attr]
FORBIDDEN = "No permission: only the group's owner may change it."


def create(
    emulator: RunningEmulator, http: httpx.Client, name: str, source_type: int, mode: Mode = "token"
) -> str:
    body = {"groupName": name, "sourceType": source_type}
    response = send(emulator, http, "POST", GROUPS, body, mode=mode)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["code"] == 0
    assert answer["msg"] == "OK"
    group_id: str = answer["id"]
    return group_id


def by_id(groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {group["id"]: group for group in groups}


# --- groups ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("source_type", [0, 1])
def test_a_created_group_is_in_its_creator_s_listing_of_its_kind(
    emulator: RunningEmulator, http: httpx.Client, mode: Mode, source_type: int
) -> None:
    emulator.clock.freeze(PINNED)
    group_id = create(emulator, http, "Ops", source_type, mode)
    listed = listed_groups(emulator, http, source_type)
    assert listed[-1] == {
        "id": group_id,
        "groupName": "Ops",
        "ownerId": DEV_USER,
        "createdTime": "2026-03-01T12:00:00.250Z",
        "updatedTime": "2026-03-01T12:00:00.250Z",
    }
    assert group_id not in by_id(listed_groups(emulator, http, 1 - source_type))
    assert group_id not in by_id(listed_groups(emulator, http, source_type, user_id=SECOND_USER))


def test_every_create_makes_a_new_group_even_of_the_same_name(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    first, second = create(emulator, http, "Twins", 0), create(emulator, http, "Twins", 0)
    assert first != second
    names = [g["groupName"] for g in listed_groups(emulator, http, 0)]
    assert names.count("Twins") == 2


@pytest.mark.parametrize("mode", MODES)
def test_an_update_shows_in_every_later_listing_and_moves_updated_time(
    emulator: RunningEmulator, http: httpx.Client, mode: Mode
) -> None:
    emulator.clock.freeze(PINNED)
    before = listed_groups(emulator, http, 0)
    place = [g["id"] for g in before].index(OWN_GROUP)
    emulator.clock.advance(90)
    body = {"groupName": "Seven", "sourceType": 0, "top": "1", "iconUrl": "https://x.test/i.png"}
    response = send(emulator, http, "PUT", group_path(OWN_GROUP), body, mode=mode)
    assert response.status_code == 200, response.text
    assert response.json() == {"code": 0, "msg": "OK"}
    after = listed_groups(emulator, http, 0)
    assert [g["id"] for g in after] == [g["id"] for g in before]  # it keeps its place
    assert after[place] == {
        **before[place],
        "groupName": "Seven",
        "updatedTime": format_timestamp(emulator.clock.now()),
    }
    assert listed_groups(emulator, http, 0) == after


def test_an_update_of_the_source_type_moves_the_group_to_that_listing(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    body = {"groupName": "7", "sourceType": 1}
    assert send(emulator, http, "PUT", group_path(OWN_GROUP), body).status_code == 200
    assert OWN_GROUP not in by_id(listed_groups(emulator, http, 0))
    assert by_id(listed_groups(emulator, http, 1))[OWN_GROUP]["groupName"] == "7"


@pytest.mark.parametrize("mode", MODES)
def test_a_delete_removes_the_group_and_a_second_is_not_found(
    emulator: RunningEmulator, http: httpx.Client, mode: Mode
) -> None:
    group_id = create(emulator, http, "Short-lived", 1, mode)
    response = send(emulator, http, "DELETE", group_path(group_id), mode=mode)
    assert response.status_code == 200, response.text
    assert response.json() == {"code": 0, "msg": "OK"}
    assert group_id not in by_id(listed_groups(emulator, http, 1))
    again = send(emulator, http, "DELETE", group_path(group_id), mode=mode)
    message = service_error(again, 400, 13000309)
    assert message == f"Resource not found: user {DEV_USER} has no group {group_id}."


def test_an_update_and_a_delete_reach_every_listing_that_holds_the_group(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    group_id = create(emulator, http, "Shared", 0)
    emulator.backend.add_group(
        SECOND_USER, group_name="Shared", group_id=group_id, owner_id=DEV_USER
    )
    body = {"groupName": "Renamed", "sourceType": 0}
    assert send(emulator, http, "PUT", group_path(group_id), body).status_code == 200
    theirs = by_id(listed_groups(emulator, http, 0, user_id=SECOND_USER))
    assert theirs[group_id]["groupName"] == "Renamed"
    assert send(emulator, http, "DELETE", group_path(group_id)).status_code == 200
    assert group_id not in by_id(listed_groups(emulator, http, 0, user_id=SECOND_USER))


# --- who may change a group ----------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_a_group_the_caller_sees_but_does_not_own_is_403(
    emulator: RunningEmulator, http: httpx.Client, mode: Mode, method: str
) -> None:
    before = emulator.backend.to_fixtures()
    body = {"groupName": "Mine now", "sourceType": 0} if method == "PUT" else None
    response = send(emulator, http, method, group_path(DESIGN_TEAM), body, mode=mode)
    # The caller is a common member (role 2) of Design Team: administrators may modify a
    # group too, its owner alone may delete it.
    expected = (
        f"No permission: only the group's owner and administrators may modify group {DESIGN_TEAM}."
        if method == "PUT"
        else FORBIDDEN
    )
    assert service_error(response, 403, 13000410) == expected
    assert emulator.backend.to_fixtures() == before


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize("group_id", [SECOND_USERS_GROUP, "1"], ids=["another's", "none"])
def test_a_group_the_caller_does_not_see_is_not_found(
    emulator: RunningEmulator, http: httpx.Client, method: str, group_id: str
) -> None:
    before = emulator.backend.to_fixtures()
    body = {"groupName": "Mine now", "sourceType": 0} if method == "PUT" else None
    response = send(emulator, http, method, group_path(group_id), body)
    message = service_error(response, 400, 13000309)
    assert message == f"Resource not found: user {DEV_USER} has no group {group_id}."
    assert emulator.backend.to_fixtures() == before


def test_the_owner_acting_through_an_app_may_change_it(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    body = {"groupName": "Team", "sourceType": 0}
    response = send(emulator, http, "PUT", group_path(SECOND_USERS_GROUP), body, mode="app",
                    user_id=SECOND_USER)  # fmt: skip
    assert response.status_code == 200, response.text
    listed = by_id(listed_groups(emulator, http, 0, user_id=SECOND_USER))
    assert listed[SECOND_USERS_GROUP]["groupName"] == "Team"


def test_a_write_with_a_token_needs_x_user_id(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    body = b'{"groupName": "Ops", "sourceType": 0}'
    response = http.post(GROUPS, content=body, headers=emulator.token_headers())
    assert response.status_code == 401
    assert "X-User-Id header is missing" in response.json()["error_msg"]


# --- the limit per owner --------------------------------------------------------------------


def test_a_user_who_joins_the_limit_of_groups_may_create_none(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    assert LIMIT == 200
    joined = len(emulator.backend.groups(DEV_USER))
    emulator.backend.seed_synthetic(DEV_USER, groups=LIMIT - joined - 1)
    create(emulator, http, "The last one", 0)
    before = emulator.backend.to_fixtures()
    response = send(emulator, http, "POST", GROUPS, {"groupName": "One more", "sourceType": 1})
    message = service_error(response, 400, 13000102)
    assert message == (
        f"Verify parameters failed: a user joins at most {LIMIT} groups, and user {DEV_USER} "
        f"joins {LIMIT}"
    )
    assert emulator.backend.to_fixtures() == before
    assert send(emulator, http, "DELETE", group_path(OWN_GROUP)).status_code == 200
    create(emulator, http, "Room again", 1)


def test_the_limit_is_the_spec_s() -> None:
    document = copy.deepcopy(dict(Spec.packaged().document))
    document["paths"][GROUPS]["post"]["x-koodrive-behaviour"]["write"]["limit-per-owner"] = 13
    spec = Spec(document)
    with running_emulator(spec=spec) as emulator, httpx.Client(base_url=emulator.base_url) as http:
        assert len(emulator.backend.groups(DEV_USER)) == 12
        create(emulator, http, "Thirteenth", 0)
        response = send(emulator, http, "POST", GROUPS, {"groupName": "x", "sourceType": 0})
        assert "at most 13 groups" in service_error(response, 400, 13000102)


# --- devices --------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_bound_device_is_listed_and_binding_it_again_answers_the_same_device(
    emulator: RunningEmulator, http: httpx.Client, mode: Mode
) -> None:
    emulator.clock.freeze(PINNED)
    body = {"machineCode": "20260301", "deviceName": "Pad", "deviceOS": "harmonyos"}
    response = send(emulator, http, "POST", DEVICES, body, mode=mode)
    assert response.status_code == 200, response.text
    device = response.json()["data"]
    assert device == {
        **body,
        "deviceId": device["deviceId"],
        "createTime": "2026-03-01T12:00:00.250Z",
    }
    assert listed_devices(emulator, http)[-1] == device
    emulator.clock.advance(60)
    renamed = {"machineCode": "20260301", "deviceName": "Tablet", "deviceOS": "android"}
    again = send(emulator, http, "POST", DEVICES, renamed, mode=mode)
    assert again.status_code == 200, again.text
    assert again.json()["data"] == {**device, "deviceName": "Tablet", "deviceOS": "android"}
    listed = listed_devices(emulator, http)
    assert [d["machineCode"] for d in listed].count("20260301") == 1
    assert listed[-1] == again.json()["data"]


def test_a_device_bound_without_name_or_os_takes_its_machine_code_and_unknown(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    response = send(emulator, http, "POST", DEVICES, {"machineCode": "abc_1"})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert (data["deviceName"], data["deviceOS"]) == ("abc_1", "unknown")


@pytest.mark.parametrize("mode", MODES)
def test_an_unbind_answers_the_device_as_it_was_and_removes_it(
    emulator: RunningEmulator, http: httpx.Client, mode: Mode
) -> None:
    first = listed_devices(emulator, http)[0]
    response = send(emulator, http, "DELETE", device_path(first["deviceId"]), mode=mode)
    assert response.status_code == 200, response.text
    assert response.json() == {"code": 0, "msg": "success", "data": first}
    assert first["deviceId"] not in [d["deviceId"] for d in listed_devices(emulator, http)]
    again = send(emulator, http, "DELETE", device_path(first["deviceId"]), mode=mode)
    assert service_error(again, 400, 13000309).startswith("Resource not found")


def test_another_user_s_device_is_not_found(emulator: RunningEmulator, http: httpx.Client) -> None:
    theirs = emulator.backend.devices(SECOND_USER)[0].device_id
    response = send(emulator, http, "DELETE", device_path(theirs))
    assert service_error(response, 400, 13000309) == (
        f"Resource not found: user {DEV_USER} has no device {theirs}."
    )
    assert emulator.backend.devices(SECOND_USER)[0].device_id == theirs


# --- paging under writes --------------------------------------------------------------------


def test_a_cursor_issued_before_writes_neither_skips_nor_repeats(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.backend.seed_synthetic(DEV_USER, groups=150)  # every third one is of kind 1
    start = [g.id for g in emulator.backend.groups(DEV_USER, 0)]
    query = "pageSize=40&sourceType=0&pageCursor="
    first = send(emulator, http, "GET", f"{GROUPS}?{query}").json()
    seen = [g["id"] for g in first["userGroupList"]]
    unseen = [group_id for group_id in start if group_id not in seen]
    deleted = [seen[3], unseen[5], unseen[-1]]
    for group_id in deleted:
        assert send(emulator, http, "DELETE", group_path(group_id)).status_code == 200
    created = [create(emulator, http, f"New {n}", 0) for n in range(3)]
    renamed = unseen[10]
    body = {"groupName": "Renamed", "sourceType": 0}
    assert send(emulator, http, "PUT", group_path(renamed), body).status_code == 200
    cursor = first["nextCursor"]
    while True:
        page = send(emulator, http, "GET", f"{GROUPS}?{query}{cursor}").json()
        seen += [g["id"] for g in page["userGroupList"]]
        if "nextCursor" not in page:
            break
        cursor = page["nextCursor"]
    throughout = [group_id for group_id in start if group_id not in deleted]
    assert len(seen) == len(set(seen))
    assert set(throughout) <= set(seen)
    assert not {unseen[5], unseen[-1]} & set(seen)
    assert seen[-3:] == created


# --- the state holds what was written -------------------------------------------------------


def test_snapshots_reset_and_the_state_api_hold_the_writes(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    group_id = create(emulator, http, "Kept", 0)
    state = http.get("/_emulator/state").json()
    dev = next(user for user in state["users"] if user["id"] == DEV_USER)
    assert group_id in [g["id"] for g in dev["groups"]]
    assert http.post("/_emulator/snapshots/with-kept").status_code in (200, 201)
    assert send(emulator, http, "DELETE", group_path(group_id)).status_code == 200
    assert group_id not in by_id(listed_groups(emulator, http, 0))
    assert http.post("/_emulator/snapshots/with-kept/restore").status_code == 200
    assert group_id in by_id(listed_groups(emulator, http, 0))
    replaced = http.put("/_emulator/state", json=state)
    assert replaced.status_code == 200, replaced.text
    assert by_id(listed_groups(emulator, http, 0))[group_id]["groupName"] == "Kept"
    assert http.post("/_emulator/reset").status_code == 200
    assert group_id not in by_id(listed_groups(emulator, http, 0))


def test_a_write_loaded_back_keeps_ids_apart(emulator: RunningEmulator, http: httpx.Client) -> None:
    group_id = create(emulator, http, "Kept", 0)
    fresh = Backend()
    fresh.replace_with_fixtures(emulator.backend.to_fixtures())
    assert fresh.create_group(DEV_USER, group_name="x", source_type=0, now=PINNED).id != group_id


def test_the_journal_records_each_write(emulator: RunningEmulator, http: httpx.Client) -> None:
    group_id = create(emulator, http, "Journalled", 0)
    send(emulator, http, "DELETE", group_path(group_id))
    send(emulator, http, "DELETE", group_path(group_id))
    send(emulator, http, "POST", GROUPS, {"groupName": ".."})
    emulator.verify("createUserGroup", count=2)
    deletes = emulator.verify("deleteUserGroup", count=2)
    assert [entry.status for entry in deletes] == [200, 400]
    assert [entry.path for entry in deletes] == [group_path(group_id)] * 2
    assert [e.status for e in emulator.verify("createUserGroup")] == [200, 400]


def test_the_journal_keeps_a_write_s_body_and_verify_reads_its_fields(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    create(emulator, http, "Journalled", 1)
    [entry] = emulator.verify("createUserGroup", where={"groupName": "Journalled", "sourceType": 1})
    assert entry.body == '{"groupName": "Journalled", "sourceType": 1}'
    with pytest.raises(AssertionError, match="groupName=Journalled \\(wanted Other\\)"):
        emulator.verify("createUserGroup", where={"groupName": "Other"})
    over_http = http.get("/_emulator/requests", params={"operation": "createUserGroup"}).json()
    assert over_http["requests"][0]["body"] == entry.body
    listing = send(emulator, http, "GET", f"{GROUPS}?pageSize=1&pageCursor=&sourceType=0")
    assert listing.status_code == 200
    assert emulator.verify("listUserGroups")[0].body is None


def test_the_journal_keeps_no_secret_nor_a_whole_large_body(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    secret = emulator.credentials.app_secret
    send(emulator, http, "POST", GROUPS, {"groupName": secret, "sourceType": 0, "x": "y" * 9000})
    [entry] = emulator.verify("createUserGroup")
    assert entry.body is not None
    assert secret not in entry.body
    assert entry.body.startswith('{"groupName": "[redacted]"')
    assert len(entry.body) == 4096
