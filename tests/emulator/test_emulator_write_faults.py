"""The faults of the writes, against a real server: a write made but never answered, one
answered but never made, and one fault per write promise, each breaking that promise only."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from koodrive_emulator import FaultKind
from koodrive_emulator.app import DEVICES_PATH as DEVICES
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.faults import MEMBERSHIP_KINDS, WRITE_KINDS
from koodrive_emulator.testing import RunningEmulator
from koodrive_spec import Spec

from tests.emulator.test_emulator_writes import by_id, create
from tests.emulator.write_requests import (
    DESIGN_TEAM,
    DEV_USER,
    OWN_GROUP,
    device_path,
    group_path,
    listed_devices,
    listed_groups,
    send,
    service_error,
)

PINNED = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
WRITES = [op for op, b in Spec.packaged().behaviours.items() if b.write is not None]
# The member batches change state too: the kinds of an unmade or dropped write act on them.
BATCHES = [op for op, b in Spec.packaged().behaviours.items() if b.membership is not None]
NEW_GROUP = {"groupName": "Ops", "sourceType": 0}


def test_apply_then_drop_makes_the_write_and_resets_the_connection(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.faults.add(FaultKind.APPLY_THEN_DROP, times=1, operation="createUserGroup")
    with pytest.raises(httpx.ReadError, match="reset"):
        send(emulator, http, "POST", GROUPS, NEW_GROUP)
    assert [g["groupName"] for g in listed_groups(emulator, http, 0)].count("Ops") == 1
    [entry] = emulator.verify("createUserGroup")
    assert (entry.fault, entry.auth, entry.status) == ("apply-then-drop", "ok", None)


def test_apply_then_drop_of_a_delete_leaves_it_gone(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.faults.add(FaultKind.APPLY_THEN_DROP, times=1)
    with pytest.raises(httpx.ReadError):
        send(emulator, http, "DELETE", group_path(OWN_GROUP))
    again = send(emulator, http, "DELETE", group_path(OWN_GROUP))  # a retry finds it gone
    assert service_error(again, 400, 13000309).startswith("Resource not found")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", GROUPS, NEW_GROUP),
        ("PUT", group_path(OWN_GROUP), {"groupName": "Renamed", "sourceType": 1}),
        ("DELETE", group_path(OWN_GROUP), None),
        ("POST", DEVICES, {"machineCode": "new_one"}),
        ("DELETE", device_path("1775406005920779393"), None),
    ],
)
def test_ack_without_apply_answers_success_and_changes_nothing(
    emulator: RunningEmulator, http: httpx.Client, method: str, path: str, body: object
) -> None:
    before = emulator.backend.to_fixtures()
    emulator.faults.add(FaultKind.ACK_WITHOUT_APPLY)
    response = send(emulator, http, method, path, body)
    assert response.status_code == 200, response.text
    assert response.json()["code"] == 0
    assert emulator.backend.to_fixtures() == before


def test_an_acknowledged_create_s_id_is_not_given_again(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.faults.add(FaultKind.ACK_WITHOUT_APPLY, times=1)
    phantom = send(emulator, http, "POST", GROUPS, NEW_GROUP).json()["id"]
    assert create(emulator, http, "Real", 0) != phantom


def test_create_not_listed_puts_a_group_in_the_other_listing(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.faults.add(FaultKind.CREATE_NOT_LISTED)
    group_id = create(emulator, http, "Elsewhere", 0)
    assert group_id not in by_id(listed_groups(emulator, http, 0))
    assert group_id in by_id(listed_groups(emulator, http, 1))


def test_create_not_listed_binds_a_device_nowhere(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.faults.add(FaultKind.CREATE_NOT_LISTED)
    response = send(emulator, http, "POST", DEVICES, {"machineCode": "ghost"})
    assert response.status_code == 200
    assert "ghost" not in [d["machineCode"] for d in listed_devices(emulator, http)]


def test_update_not_visible_answers_but_listings_show_the_old(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    before = listed_groups(emulator, http, 0)
    emulator.faults.add(FaultKind.UPDATE_NOT_VISIBLE)
    body = {"groupName": "Renamed", "sourceType": 0}
    assert send(emulator, http, "PUT", group_path(OWN_GROUP), body).status_code == 200
    assert listed_groups(emulator, http, 0) == before


def test_delete_not_removed_answers_but_the_group_stays(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.faults.add(FaultKind.DELETE_NOT_REMOVED)
    assert send(emulator, http, "DELETE", group_path(OWN_GROUP)).status_code == 200
    assert OWN_GROUP in by_id(listed_groups(emulator, http, 0))


def test_refused_write_applied_refuses_and_writes_anyway(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.faults.add(FaultKind.REFUSED_WRITE_APPLIED)
    response = send(emulator, http, "POST", GROUPS, {"groupName": "..", "sourceType": 1})
    assert service_error(response, 400, 13000102).startswith("Verify parameters failed: groupName")
    # The bad name is replaced by the spec's example; the good sourceType is kept.
    assert listed_groups(emulator, http, 1)[-1]["groupName"] == "Design Team"
    refused_bind = send(emulator, http, "POST", DEVICES, {"machineCode": "kept", "deviceOS": "!"})
    assert refused_bind.status_code == 400
    assert listed_devices(emulator, http)[-1]["machineCode"] == "kept"


def test_refused_write_applied_leaves_a_refused_credential_alone(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    before = emulator.backend.to_fixtures()
    emulator.faults.add(FaultKind.REFUSED_WRITE_APPLIED)
    response = http.post(GROUPS, content=b"{}", headers={"Authorization": "Bearer nobody"})
    assert response.status_code == 401
    assert emulator.backend.to_fixtures() == before


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_owner_not_enforced_lets_any_user_who_sees_a_group_change_it(
    emulator: RunningEmulator, http: httpx.Client, method: str
) -> None:
    emulator.faults.add(FaultKind.OWNER_NOT_ENFORCED)
    body = {"groupName": "Taken", "sourceType": 0} if method == "PUT" else None
    assert send(emulator, http, method, group_path(DESIGN_TEAM), body).status_code == 200
    listed = by_id(listed_groups(emulator, http, 0))
    if method == "DELETE":
        assert DESIGN_TEAM not in listed
    else:
        assert listed[DESIGN_TEAM]["groupName"] == "Taken"


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_owner_not_enforced_lets_a_user_change_a_group_it_does_not_even_see(
    emulator: RunningEmulator, http: httpx.Client, method: str
) -> None:
    theirs, owner = "1420000000000000001", "1395476983395324034"  # not in our listing
    body = {"groupName": "Taken", "sourceType": 0} if method == "PUT" else None
    assert send(emulator, http, method, group_path(theirs), body).status_code == 400
    emulator.faults.add(FaultKind.OWNER_NOT_ENFORCED)
    assert send(emulator, http, method, group_path(theirs), body).status_code == 200
    names = {group.id: group.group_name for group in emulator.backend.groups(owner)}
    if method == "DELETE":
        assert theirs not in names
    else:
        assert names[theirs] == "Taken"


def test_second_delete_succeeds(emulator: RunningEmulator, http: httpx.Client) -> None:
    emulator.faults.add(FaultKind.SECOND_DELETE_SUCCEEDS)
    for _ in range(2):
        response = send(emulator, http, "DELETE", group_path(OWN_GROUP))
        assert response.json() == {"code": 0, "msg": "OK"}


def test_second_delete_succeeds_is_no_fault_of_an_unbind_which_answers_the_device(
    emulator: RunningEmulator,
) -> None:
    with pytest.raises(ValueError, match="second-delete-succeeds applies to deleteUserGroup only"):
        emulator.faults.add(FaultKind.SECOND_DELETE_SUCCEEDS, operation="unbindDevice")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", GROUPS, NEW_GROUP),
        ("PUT", group_path(OWN_GROUP), {"groupName": "Later", "sourceType": 0}),
        ("POST", DEVICES, {"machineCode": "dated"}),
    ],
)
def test_wrong_record_time_dates_a_write_a_day_early(
    emulator: RunningEmulator, http: httpx.Client, method: str, path: str, body: object
) -> None:
    emulator.clock.freeze(PINNED)
    emulator.faults.add(FaultKind.WRONG_RECORD_TIME)
    assert send(emulator, http, method, path, body).status_code == 200
    if path == DEVICES:
        assert listed_devices(emulator, http)[-1]["createTime"] == "2026-02-28T12:00:00.000Z"
    else:
        written = [g for g in emulator.backend.groups(DEV_USER) if g.group_name in ("Ops", "Later")]
        assert written[0].updated_time == datetime(2026, 2, 28, 12, tzinfo=UTC)


@pytest.mark.parametrize("kind", sorted(WRITE_KINDS))
def test_a_write_fault_acts_on_writes_only(
    emulator: RunningEmulator, http: httpx.Client, kind: FaultKind
) -> None:
    with pytest.raises(ValueError, match=f"{kind} applies to "):
        emulator.faults.add(kind, operation="listUserGroups")
    fault = emulator.faults.add(kind)  # every operation it can act on
    spec = emulator.faults.spec
    acted_on = [op for op in spec.operation_ids() if fault.matches(op, spec)]
    assert acted_on
    assert set(acted_on) <= set(WRITES) | (set(BATCHES) if kind in MEMBERSHIP_KINDS else set())
    response = send(emulator, http, "GET", f"{GROUPS}?pageSize=5&pageCursor=&sourceType=0")
    assert response.status_code == 200
    assert emulator.verify("listUserGroups")[0].fault is None


def test_a_write_fault_over_the_admin_api(emulator: RunningEmulator, http: httpx.Client) -> None:
    added = http.post(
        "/_emulator/faults", json={"kind": "ack-without-apply", "operation": "createUserGroup"}
    )
    assert added.status_code == 201, added.text
    before = emulator.backend.to_fixtures()
    assert send(emulator, http, "POST", GROUPS, NEW_GROUP).status_code == 200
    assert emulator.backend.to_fixtures() == before
