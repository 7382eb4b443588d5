"""Groups that people share, against a real server: a group's details and members, the
batches that add and remove members, roles, the limits, and the listings that follow the
memberships; the state behind them (atomic batches, fixtures with members, a state file
kept across a restart of the real command)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.state import Backend
from koodrive_emulator.testing import RunningEmulator
from koodrive_spec import Spec

from tests.emulator.conftest import Conforms, MatchesSchema, ServeCli
from tests.emulator.write_requests import (
    DESIGN_TEAM,
    DEV_USER,
    SECOND_USER,
    group_path,
    listed_groups,
    send,
    service_error,
)

_BEHAVIOURS = Spec.packaged().behaviours
_MEMBERSHIP = _BEHAVIOURS["batchAddGroupMembers"].membership
assert _MEMBERSHIP is not None
assert _MEMBERSHIP.limit_per_group is not None
STATUS = _MEMBERSHIP.statuses
GROUP_CAPACITY: int = _MEMBERSHIP.limit_per_group
_CREATE = _BEHAVIOURS["createUserGroup"].write
assert _CREATE is not None
assert _CREATE.limit_per_owner is not None
JOIN_LIMIT: int = _CREATE.limit_per_owner

UNKNOWN_USER = "1395476983395320000"  # no fixture names them and they never called
THIRD_USER = "1395476983395324035"  # made known by the tests that use them
OWNER_OF_DESIGN_TEAM = "1395476983395324099"
PINNED = datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)
MEMBERS_PATH = "/koodrive/ose/v1/usergroups/{groupId}/members"


def members_path(group_id: str) -> str:
    return f"{group_path(group_id)}/members"


def entries(users: list[str]) -> dict[str, Any]:
    return {"amendModRoles": [{"userId": int(user)} for user in users]}


def batch(
    emulator: RunningEmulator,
    http: httpx.Client,
    effect: str,
    group_id: str,
    users: list[str],
    *,
    as_user: str | None = None,
) -> httpx.Response:
    path = f"{members_path(group_id)}/{'batchAdd' if effect == 'add' else 'batchDelete'}"
    return send(emulator, http, "POST", path, entries(users), user_id=as_user)


def batch_result(response: httpx.Response) -> tuple[int, list[str]]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 0
    return body["status"], body["failedList"]


def members_page(
    emulator: RunningEmulator,
    http: httpx.Client,
    group_id: str,
    *,
    as_user: str | None = None,
    offset: int = 0,
    limit: int = 100,
    key_word: str | None = None,
) -> httpx.Response:
    query = httpx.QueryParams(
        {"offset": offset, "limit": limit, **({"keyWord": key_word} if key_word else {})}
    )
    return send(emulator, http, "GET", f"{members_path(group_id)}?{query}", user_id=as_user)


def member_ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [member["userId"] for member in response.json()["userGroupMemberInfos"]]


def detail(
    emulator: RunningEmulator,
    http: httpx.Client,
    group_id: str,
    source_type: int = 0,
    *,
    as_user: str | None = None,
) -> httpx.Response:
    path = f"{group_path(group_id)}?sourceType={source_type}"
    return send(emulator, http, "GET", path, user_id=as_user)


def update(
    emulator: RunningEmulator,
    http: httpx.Client,
    group_id: str,
    *,
    as_user: str | None = None,
    **fields: str,
) -> httpx.Response:
    body = {"groupName": "Ops", "sourceType": 0, **fields}
    return send(emulator, http, "PUT", group_path(group_id), body, user_id=as_user)


def create(
    emulator: RunningEmulator, http: httpx.Client, name: str = "Ops", *, as_user: str | None = None
) -> str:
    response = send(
        emulator, http, "POST", GROUPS, {"groupName": name, "sourceType": 0}, user_id=as_user
    )
    assert response.status_code == 200, response.text
    group_id: str = response.json()["id"]
    return group_id


def ids(groups: list[dict[str, Any]]) -> list[str]:
    return [group["id"] for group in groups]


# --- the scenario -------------------------------------------------------------------


def test_a_member_added_sees_the_group_and_loses_it_when_removed(
    emulator: RunningEmulator, http: httpx.Client, matches_schema: MatchesSchema
) -> None:
    group_id = create(emulator, http, "Shared")
    assert group_id not in ids(listed_groups(emulator, http, 0, user_id=SECOND_USER))

    added = batch(emulator, http, "add", group_id, [SECOND_USER])
    matches_schema(added.json(), "components/schemas/BatchMembersResult")
    assert batch_result(added) == (STATUS.all_succeeded, [])
    assert group_id in ids(listed_groups(emulator, http, 0, user_id=SECOND_USER))
    assert member_ids(members_page(emulator, http, group_id)) == [DEV_USER, SECOND_USER]

    removed = batch(emulator, http, "remove", group_id, [SECOND_USER])
    matches_schema(removed.json(), "components/schemas/BatchMembersResult")
    assert batch_result(removed) == (STATUS.all_succeeded, [])
    assert group_id not in ids(listed_groups(emulator, http, 0, user_id=SECOND_USER))
    assert group_id in ids(listed_groups(emulator, http, 0))  # the owner keeps it

    partly = batch(emulator, http, "add", group_id, [SECOND_USER, UNKNOWN_USER])
    assert batch_result(partly) == (STATUS.partly_succeeded, [UNKNOWN_USER])
    assert member_ids(members_page(emulator, http, group_id)) == [DEV_USER, SECOND_USER]


def test_a_batch_of_unknown_users_only_is_all_failed_and_changes_nothing(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    group_id = create(emulator, http)
    before = emulator.backend.to_fixtures()
    response = batch(emulator, http, "add", group_id, [UNKNOWN_USER, "7"])
    assert batch_result(response) == (STATUS.all_failed, [UNKNOWN_USER, "7"])
    removal = batch(emulator, http, "remove", group_id, [UNKNOWN_USER])
    assert batch_result(removal) == (STATUS.all_failed, [UNKNOWN_USER])
    assert emulator.backend.to_fixtures() == before


def test_a_read_makes_no_user_known_and_a_write_does(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    group_id = create(emulator, http)
    newcomer = "1395476983395324777"
    before = http.get(f"{emulator.base_url}/_emulator/state").json()
    listed_groups(emulator, http, 0, user_id=newcomer)  # a read, with valid credentials
    assert http.get(f"{emulator.base_url}/_emulator/state").json() == before
    assert batch_result(batch(emulator, http, "add", group_id, [newcomer])) == (
        STATUS.all_failed,
        [newcomer],
    )
    create(emulator, http, as_user=newcomer)  # a write: their own group
    assert batch_result(batch(emulator, http, "add", group_id, [newcomer])) == (
        STATUS.all_succeeded,
        [],
    )


def test_repeats_are_safe_and_a_user_named_twice_counts_once(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    group_id = create(emulator, http)
    twice = batch(emulator, http, "add", group_id, [SECOND_USER, SECOND_USER, DEV_USER])
    assert batch_result(twice) == (STATUS.all_succeeded, [])  # the caller, a member: added
    again = batch(emulator, http, "add", group_id, [SECOND_USER])
    assert batch_result(again) == (STATUS.all_succeeded, [])
    assert member_ids(members_page(emulator, http, group_id)) == [DEV_USER, SECOND_USER]
    for _ in range(2):  # a removal of a user no longer a member succeeds, changing nothing
        assert batch_result(batch(emulator, http, "remove", group_id, [SECOND_USER]))[0] == 0
    assert member_ids(members_page(emulator, http, group_id)) == [DEV_USER]


def test_a_deleted_group_leaves_every_member_s_listing(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.backend.add_user(THIRD_USER)
    group_id = create(emulator, http)
    batch_result(batch(emulator, http, "add", group_id, [SECOND_USER, THIRD_USER]))
    assert send(emulator, http, "DELETE", group_path(group_id)).status_code == 200
    for user in (DEV_USER, SECOND_USER, THIRD_USER):
        assert group_id not in ids(listed_groups(emulator, http, 0, user_id=user))
        service_error(detail(emulator, http, group_id, as_user=user), 400, 13000309)
    service_error(members_page(emulator, http, group_id), 400, 13000309)


# --- roles ------------------------------------------------------------------------------------


def test_a_common_member_reads_and_leaves_but_changes_nothing(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.backend.add_user(THIRD_USER)
    group_id = create(emulator, http)
    batch_result(batch(emulator, http, "add", group_id, [SECOND_USER, THIRD_USER]))
    before = emulator.backend.to_fixtures()
    member = SECOND_USER
    assert detail(emulator, http, group_id, as_user=member).status_code == 200
    assert member_ids(members_page(emulator, http, group_id, as_user=member))[0] == DEV_USER
    for response in (
        batch(emulator, http, "add", group_id, [UNKNOWN_USER], as_user=member),
        batch(emulator, http, "remove", group_id, [THIRD_USER], as_user=member),
        batch(emulator, http, "remove", group_id, [member, THIRD_USER], as_user=member),
        update(emulator, http, group_id, as_user=member, groupName="Mine"),
        update(emulator, http, group_id, as_user=member, top="1"),
        send(emulator, http, "DELETE", group_path(group_id), user_id=member),
    ):
        assert service_error(response, 403, 13000410).startswith("No permission: ")
    assert emulator.backend.to_fixtures() == before
    leave = batch(emulator, http, "remove", group_id, [member], as_user=member)
    assert batch_result(leave) == (STATUS.all_succeeded, [])
    assert member_ids(members_page(emulator, http, group_id)) == [DEV_USER, THIRD_USER]


def test_a_user_who_is_no_member_is_told_the_group_does_not_exist(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    group_id = create(emulator, http)
    before = emulator.backend.to_fixtures()
    outsider = SECOND_USER
    for response in (
        detail(emulator, http, group_id, as_user=outsider),
        members_page(emulator, http, group_id, as_user=outsider),
        batch(emulator, http, "add", group_id, [outsider], as_user=outsider),
        batch(emulator, http, "remove", group_id, [outsider], as_user=outsider),
        update(emulator, http, group_id, as_user=outsider),
        send(emulator, http, "DELETE", group_path(group_id), user_id=outsider),
    ):
        message = service_error(response, 400, 13000309)
        assert message == f"Resource not found: user {outsider} has no group {group_id}."
    assert emulator.backend.to_fixtures() == before


def test_an_administrator_modifies_and_manages_members_but_not_roles_or_deletion(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.backend.add_user(THIRD_USER)
    group_id = create(emulator, http)
    batch_result(batch(emulator, http, "add", group_id, [SECOND_USER, THIRD_USER]))
    admin = SECOND_USER
    assert update(emulator, http, group_id, as_user=admin).status_code == 403
    promoted = update(emulator, http, group_id, userId=admin, role="1")
    assert promoted.status_code == 200, promoted.text
    assert update(emulator, http, group_id, as_user=admin, groupName="Renamed").status_code == 200
    assert ids(listed_groups(emulator, http, 0)).count(group_id) == 1
    assert {g["id"]: g["groupName"] for g in listed_groups(emulator, http, 0)}[group_id] == (
        "Renamed"
    )
    removal = batch(emulator, http, "remove", group_id, [THIRD_USER, DEV_USER], as_user=admin)
    assert batch_result(removal) == (STATUS.partly_succeeded, [DEV_USER])  # the owner stays
    assert batch_result(batch(emulator, http, "add", group_id, [THIRD_USER], as_user=admin))[0] == 0
    refused = update(emulator, http, group_id, as_user=admin, userId=THIRD_USER, role="1")
    assert "only the group's owner may change a role" in service_error(refused, 403, 13000410)
    deletion = send(emulator, http, "DELETE", group_path(group_id), user_id=admin)
    service_error(deletion, 403, 13000410)
    roles = {
        m["userId"]: m["role"]
        for m in members_page(emulator, http, group_id).json()["userGroupMemberInfos"]
    }
    assert roles == {DEV_USER: 0, SECOND_USER: 1, THIRD_USER: 2}
    demoted = update(emulator, http, group_id, userId=admin, role="2")
    assert demoted.status_code == 200
    assert update(emulator, http, group_id, as_user=admin).status_code == 403


@pytest.mark.parametrize(
    ("fields", "status", "code", "told"),
    [
        ({"userId": SECOND_USER, "role": "0"}, 400, 13000102, "role"),
        ({"userId": SECOND_USER}, 400, 13000102, "role"),
        ({"role": "1"}, 400, 13000102, "userId"),
        ({"userId": UNKNOWN_USER, "role": "1"}, 400, 13000309, UNKNOWN_USER),
        ({"userId": THIRD_USER, "role": "1"}, 400, 13000309, THIRD_USER),  # not a member
        ({"userId": DEV_USER, "role": "2"}, 400, 13000102, "the owner's role is 0"),
    ],
)
def test_a_role_change_that_cannot_be_made_is_refused(
    emulator: RunningEmulator,
    http: httpx.Client,
    fields: dict[str, str],
    status: int,
    code: int,
    told: str,
) -> None:
    group_id = create(emulator, http)
    batch_result(batch(emulator, http, "add", group_id, [SECOND_USER]))
    before = emulator.backend.to_fixtures()
    assert told in service_error(update(emulator, http, group_id, **fields), status, code)
    assert emulator.backend.to_fixtures() == before


# --- details, pins and times --------------------------------------------------------------------


def test_details_show_tenant_kind_and_icon_and_the_pin_is_the_caller_s(
    emulator: RunningEmulator, http: httpx.Client, conforms: Conforms
) -> None:
    emulator.clock.freeze(PINNED)
    group_id = create(emulator, http)
    batch_result(batch(emulator, http, "add", group_id, [SECOND_USER]))
    first = detail(emulator, http, group_id)
    conforms("/koodrive/ose/v1/usergroups/{groupId}", first)
    assert first.json()["userGroup"] == {
        "id": group_id,
        "groupName": "Ops",
        "ownerId": DEV_USER,
        "tenantId": emulator.backend.tenant_id,
        "sourceType": 0,
        "createdTime": "2026-03-01T12:00:00.250Z",
        "updatedTime": "2026-03-01T12:00:00.250Z",
    }
    service_error(detail(emulator, http, group_id, 1), 400, 13000309)  # not of that kind
    listing_before = ids(listed_groups(emulator, http, 0))

    later = PINNED + timedelta(minutes=5)
    emulator.clock.freeze(later)
    icon = "https://example.com/icon.png"
    assert update(emulator, http, group_id, iconUrl=icon, top="1").status_code == 200
    shown = detail(emulator, http, group_id, as_user=SECOND_USER).json()["userGroup"]
    assert (shown["iconUrl"], shown["updatedTime"]) == (icon, "2026-03-01T12:05:00.250Z")
    owner, member = members_page(emulator, http, group_id).json()["userGroupMemberInfos"]
    assert (owner["top"], owner["createdTime"], owner["updatedTime"]) == (
        1,
        "2026-03-01T12:00:00.250Z",
        "2026-03-01T12:05:00.250Z",
    )
    assert (member["top"], member["role"], member["createdTime"]) == (
        0,
        2,
        "2026-03-01T12:00:00.250Z",
    )
    assert ids(listed_groups(emulator, http, 0)) == listing_before  # a pin does not reorder


# --- limits -------------------------------------------------------------------------------------


def test_a_full_group_fails_the_overflow_and_a_user_at_the_join_limit_fails(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    group_id = create(emulator, http)
    # Known users enough to fill the group, the owner being its first member.
    others = [str(1_500_000_000_000_000_000 + n) for n in range(GROUP_CAPACITY)]
    for user in others:
        emulator.backend.add_user(user)
    almost = GROUP_CAPACITY - 2
    assert batch_result(batch(emulator, http, "add", group_id, others[:almost]))[0] == 0
    # The owner and `almost` members: room for one more, the batch's second overflows.
    overflow = batch(emulator, http, "add", group_id, others[almost : almost + 2])
    assert batch_result(overflow) == (STATUS.partly_succeeded, [others[almost + 1]])
    page = members_page(emulator, http, group_id, offset=GROUP_CAPACITY - 1, limit=5)
    assert page.json()["total"] == GROUP_CAPACITY
    assert batch_result(batch(emulator, http, "add", group_id, [SECOND_USER])) == (
        STATUS.all_failed,
        [SECOND_USER],
    )
    # A user joining as many groups as one may fails; one below the limit does not.
    busy, spare = others[-1], others[0]
    emulator.backend.seed_synthetic(busy, groups=JOIN_LIMIT)
    emulator.backend.seed_synthetic(spare, groups=JOIN_LIMIT - 2)
    other_group = create(emulator, http)
    assert batch_result(batch(emulator, http, "add", other_group, [busy, spare])) == (
        STATUS.partly_succeeded,
        [busy],
    )


# --- atomicity ----------------------------------------------------------------------------------


def test_a_batch_that_breaks_midway_changes_nothing() -> None:
    backend = Backend.default()
    backend.add_user(THIRD_USER)
    group = backend.create_group(DEV_USER, group_name="Ops", source_type=0, now=datetime.now(UTC))
    before = backend.to_fixtures()
    # The database refuses the second user's membership: the first's must not stay either.
    backend._db.execute(  # a failure only the database can make
        "CREATE TEMP TRIGGER refuse BEFORE INSERT ON memberships WHEN NEW.user_ref = "
        f"(SELECT ref FROM users WHERE id = '{THIRD_USER}') BEGIN SELECT RAISE(ABORT, 'x'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        backend.add_members(
            DEV_USER,
            group.id,
            [SECOND_USER, THIRD_USER],
            now=datetime.now(UTC),
            limit_per_group=GROUP_CAPACITY,
            limit_per_user=JOIN_LIMIT,
        )
    assert backend.to_fixtures() == before
    assert [m.user_id for m in backend.members(group.id)] == [DEV_USER]


# --- paging -------------------------------------------------------------------------------------


def test_a_member_s_cursor_walk_under_joins_and_leaves_skips_and_repeats_nothing(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    owner = DEV_USER
    shared = [create(emulator, http, f"Shared {n}") for n in range(12)]
    for group_id in shared:
        batch_result(batch(emulator, http, "add", group_id, [SECOND_USER], as_user=owner))
    kept = set(shared[::2]) | {g.id for g in emulator.backend.groups(SECOND_USER, 0)}
    dropped = shared[1::2]
    seen: list[str] = []
    cursor = ""
    step = 0
    while True:
        query = f"pageSize=3&pageCursor={cursor}&sourceType=0"
        page = send(emulator, http, "GET", f"{GROUPS}?{query}", user_id=SECOND_USER).json()
        seen += ids(page["userGroupList"])
        # Between pages: the user leaves a group (ahead of or behind the cursor) and joins
        # a new one, which lands after every group already there.
        if step < len(dropped):
            batch_result(batch(emulator, http, "remove", dropped[step], [SECOND_USER]))
            joined = create(emulator, http, f"New {step}")
            batch_result(batch(emulator, http, "add", joined, [SECOND_USER]))
            step += 1
        if "nextCursor" not in page:
            break
        cursor = page["nextCursor"]
    assert len(seen) == len(set(seen)), "a group listed twice"
    assert kept <= set(seen), "a group that existed throughout was skipped"


def test_member_offset_paging_edges_and_the_key_word(
    emulator: RunningEmulator, http: httpx.Client, conforms: Conforms
) -> None:
    group_id = create(emulator, http)
    names = {SECOND_USER: "Ada Lovelace", THIRD_USER: "Grace HOPPER", UNKNOWN_USER: "Alan"}
    for user, name in names.items():
        emulator.backend.add_user(user, name=name, dept_id="7", dept_name="R&D", mobile="555")
    batch_result(batch(emulator, http, "add", group_id, list(names)))
    everyone = [DEV_USER, *names]

    first = members_page(emulator, http, group_id, offset=0, limit=1)
    conforms(MEMBERS_PATH, first)
    assert (member_ids(first), first.json()["total"]) == ([DEV_USER], 4)
    walked = [
        user
        for offset in range(0, 4, 3)
        for user in member_ids(members_page(emulator, http, group_id, offset=offset, limit=3))
    ]
    assert walked == everyone
    for offset in (4, 5, 2_147_483_647):
        at_end = members_page(emulator, http, group_id, offset=offset, limit=100)
        assert (member_ids(at_end), at_end.json()["total"]) == ([], 4)
    ada = members_page(emulator, http, group_id, key_word="LOVE").json()
    assert ada["total"] == 1
    assert ada["userGroupMemberInfos"][0] | {} == {
        "userId": SECOND_USER,
        "userName": "Ada Lovelace",
        "deptId": "7",
        "deptName": "R&D",
        "mobile": "555",
        "createdTime": ada["userGroupMemberInfos"][0]["createdTime"],
        "updatedTime": ada["userGroupMemberInfos"][0]["createdTime"],
        "role": 2,
        "top": 0,
    }
    a_names = members_page(emulator, http, group_id, key_word="a", offset=1, limit=1)
    assert (member_ids(a_names), a_names.json()["total"]) == ([THIRD_USER], 3)
    for bad in ("offset=-1&limit=1", "offset=0&limit=0", "offset=0&limit=101", "limit=1"):
        response = send(emulator, http, "GET", f"{members_path(group_id)}?{bad}")
        service_error(response, 400, 13000102)


# --- fixtures -----------------------------------------------------------------------------------


def test_the_default_fixtures_load_unchanged_with_design_team_shared() -> None:
    backend = Backend.default()
    listing = [g.group_name for g in backend.groups(DEV_USER)]
    assert listing[:4] == ["7", "111", "Family", "Design Team"]
    assert len(listing) == 12
    assert [(m.user_id, int(m.role)) for m in backend.members(DESIGN_TEAM)] == [
        (OWNER_OF_DESIGN_TEAM, 0),
        (DEV_USER, 2),
    ]
    assert [g.id for g in backend.groups(OWNER_OF_DESIGN_TEAM)] == [DESIGN_TEAM]
    assert backend.tenant_id == "1"


def test_fixtures_with_members_round_trip_keeping_every_order() -> None:
    document: dict[str, Any] = {
        "tenantId": "42",
        "users": [
            {"id": "10", "name": "Ann", "deptId": "1", "deptName": "Ops", "mobile": "123"},
            {
                "id": "20",
                "groups": [
                    {"id": "2", "groupName": "B's own", "createdTime": "2024-01-01T00:00:00Z"},
                    {
                        "id": "1",
                        "groupName": "A's",
                        "ownerId": "10",
                        "iconUrl": "https://example.com/a.png",
                        "members": [
                            {"userId": "20", "role": 1, "top": 1},
                            {"userId": "30", "createdTime": "2024-02-01T00:00:00Z"},
                        ],
                    },
                ],
            },
        ],
    }
    backend = Backend()
    backend.load_fixtures_data(document)
    assert [g.id for g in backend.groups("20")] == ["2", "1"]
    assert [(m.user_id, int(m.role), m.top) for m in backend.members("1")] == [
        ("10", 0, False),
        ("20", 1, True),
        ("30", 2, False),
    ]
    # Interleave joins: 30 joins "2" after "1", and 10 creates a group 20 joins after both.
    backend.put_member("2", "30")
    third = backend.add_group("10", group_name="later", group_id="3")
    backend.put_member("3", "20")
    saved = backend.to_fixtures()
    assert saved["tenantId"] == "42"
    copy = Backend()
    copy.load_fixtures_data(saved)
    assert copy.to_fixtures() == saved
    for user in ("10", "20", "30"):
        assert copy.groups(user) == backend.groups(user)
    for group_id in ("1", "2", third.id):
        assert copy.members(group_id) == backend.members(group_id)
    assert copy.user("10") == backend.user("10")


@pytest.mark.parametrize(
    ("groups", "told"),
    [
        ([{"id": "5", "groupName": "a", "members": [{"userId": "9", "role": 0}]}], "only its own"),
        ([{"id": "5", "groupName": "a", "members": [{"userId": "1", "role": 2}]}], "only its own"),
        ([{"id": "5", "groupName": "a", "members": [{"userId": "9", "top": 2}]}], "top must be"),
        ([{"id": "5", "groupName": "a", "members": [{"role": 2}]}], r"userId is required"),
        ([{"id": "5", "groupName": "a"}, {"id": "5", "groupName": "b"}], "already has a group"),
    ],
)
def test_bad_members_in_fixtures_name_the_entry(groups: list[Any], told: str) -> None:
    from koodrive_emulator import FixtureError

    told = told.replace("only its own", "owner, and only its owner, has role 0")
    with pytest.raises(FixtureError, match=told):
        Backend().load_fixtures_data({"users": [{"id": "1", "groups": groups}]})


def test_a_group_given_twice_with_other_fields_is_refused() -> None:
    from koodrive_emulator import FixtureError

    document = {
        "users": [
            {"id": "1", "groups": [{"id": "5", "groupName": "a"}]},
            {"id": "2", "groups": [{"id": "5", "groupName": "b"}]},
        ]
    }
    with pytest.raises(FixtureError, match=r"users\[1\].groups\[0\] gives group 5 with another"):
        Backend().load_fixtures_data(document)


# --- a state file across a restart --------------------------------------------------------------


def test_a_restarted_emulator_keeps_its_groups_and_members(
    serve_cli: ServeCli, tmp_path: Path
) -> None:
    state = tmp_path / "state.sqlite"
    token = {"Authorization": "Bearer koodrive-dev-token", "X-User-Id": DEV_USER}
    token["X-Date"] = ""  # set per request below
    first = serve_cli("--state", str(state), "--groups", "3")

    def headers() -> dict[str, str]:
        return {**token, "X-Date": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")}

    with httpx.Client(base_url=first.base_url) as http:
        created = http.post(GROUPS, json={"groupName": "Kept", "sourceType": 0}, headers=headers())
        group_id = created.json()["id"]
        added = http.post(
            f"{members_path(group_id)}/batchAdd", json=entries([SECOND_USER]), headers=headers()
        )
        assert batch_result(added) == (STATUS.all_succeeded, [])
        before = http.get("/_emulator/state").json()
    first.stop()

    second = serve_cli("--state", str(state), "--groups", "50")  # a state: not seeded again
    with httpx.Client(base_url=second.base_url) as http:
        assert http.get("/_emulator/state").json() == before
        page = http.get(f"{members_path(group_id)}?offset=0&limit=10", headers=headers()).json()
        assert [m["userId"] for m in page["userGroupMemberInfos"]] == [DEV_USER, SECOND_USER]
    output = second.stop()
    assert "holds a state already" in output
    assert "Traceback" not in output
