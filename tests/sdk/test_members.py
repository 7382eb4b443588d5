"""Group details, members and batches (issue 29) against the emulator on 127.0.0.1: user A
creates a group and adds user B, B sees it, A makes B an administrator and removes them,
B no longer sees it; a batch naming an unknown user reports status 1 naming them, sync,
async and from the command line; the members walked by offset; the batches retried as the
spec's safe-to-repeat says."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from koodrive import (
    AsyncKooDrive,
    BadRequestError,
    BatchMembersError,
    BatchStatus,
    KooDrive,
    MemberRole,
    SourceType,
    UpdateUserGroupRequestRole,
    UserGroupDetail,
)
from koodrive_emulator.testing import RunningEmulator

from tests.sdk.conftest import MakeClient

B = "1395476983395324034"
UNKNOWN = "9000000000000000001"
COMMAND = Path(sys.executable).with_name("koodrive")


@pytest.fixture
def user_b(emulator: RunningEmulator) -> Iterator[KooDrive]:
    """User B, whom the tenant knows, acting through the dev app (it may act for anyone)."""
    emulator.backend.add_user(B, name="Bob")
    found = emulator.credentials
    client = KooDrive(
        base_url=emulator.base_url,
        app_id=found.app_id,
        app_secret=found.app_secret,
        user_id=B,
        max_retries=0,
        environ={},
    )
    yield client
    client.close()


def group_ids(client: KooDrive) -> set[str]:
    return {g.id for kind in SourceType for g in client.user_groups.list(source_type=kind)}


def test_a_member_is_added_seen_promoted_removed_and_gone(
    client: KooDrive, user_b: KooDrive
) -> None:
    a = client
    group_id = a.user_groups.create(group_name="Design", source_type=SourceType.USER_GROUP)
    assert group_id not in group_ids(user_b)

    added = a.user_groups.members.add(group_id, [int(B)])
    assert added.ok
    assert added.status is BatchStatus.ALL_SUCCEEDED
    assert added.failed_user_ids == ()

    assert group_id in group_ids(user_b)
    detail = user_b.user_groups.retrieve(group_id, source_type=SourceType.USER_GROUP)
    assert isinstance(detail, UserGroupDetail)
    assert (detail.id, detail.group_name, detail.owner_id) == (group_id, "Design", a.user_id)
    members = list(user_b.user_groups.members.list(group_id))
    assert [m.user_id for m in members] == [a.user_id, B]  # the owner first, then by joining
    assert [m.role for m in members] == [MemberRole.OWNER, MemberRole.MEMBER]
    assert [m.user_id for m in user_b.user_groups.members.list(group_id, keyword="BO")] == [B]

    a.user_groups.update(
        group_id,
        group_name="Design",
        source_type=SourceType.USER_GROUP,
        user_id=int(B),
        role=UpdateUserGroupRequestRole.ADMINISTRATOR,
    )
    roles = {m.user_id: m.role for m in a.user_groups.members.list(group_id)}
    assert roles[B] is MemberRole.ADMINISTRATOR

    removed = a.user_groups.members.remove(group_id, [B])
    assert removed.ok
    assert group_id not in group_ids(user_b)
    with pytest.raises(BadRequestError) as caught:
        user_b.user_groups.retrieve(group_id, source_type=SourceType.USER_GROUP)
    assert caught.value.code == 13000309
    assert a.user_groups.members.remove(group_id, [B]).ok  # safe to repeat: nothing changes


def test_a_batch_with_an_unknown_user_reports_status_1_naming_them(
    client: KooDrive, user_b: KooDrive
) -> None:
    group_id = client.user_groups.create(group_name="Mixed", source_type=SourceType.GROUP)
    with pytest.raises(BatchMembersError) as caught:
        client.user_groups.members.add(group_id, [B, UNKNOWN])
    result = caught.value.result
    assert result.status is BatchStatus.PARTLY_SUCCEEDED
    assert result.failed_user_ids == (UNKNOWN,)
    assert result.succeeded_user_ids == (B,)
    assert UNKNOWN in str(caught.value)
    assert group_id in group_ids(user_b)  # the batch applied what it could

    again = client.user_groups.members.add(group_id, [B, UNKNOWN], allow_failures=True)
    assert again.status is BatchStatus.PARTLY_SUCCEEDED
    assert again.failed_user_ids == (UNKNOWN,)
    alone = client.user_groups.members.add(group_id, [UNKNOWN], allow_failures=True)
    assert alone.status is BatchStatus.ALL_FAILED


@pytest.mark.anyio
async def test_async_members_and_batches(emulator: RunningEmulator) -> None:
    emulator.backend.add_user(B, name="Bob")
    found = emulator.credentials
    async with AsyncKooDrive(
        base_url=emulator.base_url, token=found.token, user_id=found.user_id, environ={}
    ) as a:
        group_id = await a.user_groups.create(group_name="Async", source_type=1)
        with pytest.raises(BatchMembersError) as caught:
            await a.user_groups.members.add(group_id, [int(B), int(UNKNOWN)])
        assert caught.value.status is BatchStatus.PARTLY_SUCCEEDED
        assert caught.value.failed_user_ids == (UNKNOWN,)
        detail = await a.user_groups.retrieve(group_id, source_type=1)
        assert detail.group_name == "Async"
        found_ids = [m.user_id async for m in a.user_groups.members.list(group_id, limit=1)]
        assert found_ids == [found.user_id, B]
        assert (await a.user_groups.members.remove(group_id, [B])).ok
        assert [m.user_id async for m in a.user_groups.members.list(group_id)] == [found.user_id]


def test_many_members_are_walked_by_offset_in_joining_order(
    client: KooDrive, emulator: RunningEmulator
) -> None:
    users = [str(7_000_000_000 + n) for n in range(150)]
    for user in users:
        emulator.backend.add_user(user)
    group_id = client.user_groups.create(group_name="Big", source_type=0)
    assert client.user_groups.members.add(group_id, users[:100]).ok
    assert client.user_groups.members.add(group_id, users[100:]).ok
    listing = client.user_groups.members.list(group_id, limit=40)
    assert [m.user_id for m in listing] == [client.user_id, *users]
    pages = list(listing.pages())
    assert [(p.offset, len(p.items), p.total) for p in pages] == [
        (0, 40, 151),
        (40, 40, 151),
        (80, 40, 151),
        (120, 31, 151),
    ]


def test_the_batches_are_retried_and_a_create_is_not(
    make_client: MakeClient, emulator: RunningEmulator, user_b: KooDrive
) -> None:
    client = make_client("token")
    group_id = client.user_groups.create(group_name="Retry", source_type=0)
    emulator.faults.server_error(operation="batchAddGroupMembers", times=1)
    assert client.user_groups.members.add(group_id, [B]).ok
    emulator.faults.server_error(operation="batchDeleteGroupMembers", times=1)
    assert client.user_groups.members.remove(group_id, [B]).ok
    emulator.faults.server_error(operation="createUserGroup", times=1)
    with pytest.raises(Exception, match="not safe to repeat"):
        client.user_groups.create(group_name="Once", source_type=0)


def koodrive(emulator: RunningEmulator, *args: str) -> subprocess.CompletedProcess[str]:
    found = emulator.credentials
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")}
    env.update(
        KOODRIVE_BASE_URL=emulator.base_url,
        KOODRIVE_TOKEN=found.token,
        KOODRIVE_USER_ID=found.user_id,
        COLUMNS="200",
    )
    return subprocess.run(
        [str(COMMAND), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_the_cli_adds_lists_and_names_a_failed_user(
    client: KooDrive, emulator: RunningEmulator
) -> None:
    emulator.backend.add_user(B, name="Bob")
    group_id = client.user_groups.create(group_name="Cli", source_type=1)
    failed = koodrive(emulator, "members", "add", group_id, B, UNKNOWN)
    assert failed.returncode == 1
    assert "status 1 (PARTLY_SUCCEEDED)" in failed.stderr
    assert UNKNOWN in failed.stderr
    assert "Traceback" not in failed.stderr
    assert emulator.credentials.token not in failed.stdout + failed.stderr
    listed = koodrive(emulator, "members", "list", group_id)
    assert listed.returncode == 0, listed.stderr
    assert "Bob" in listed.stdout
    assert "(2 members)" in listed.stdout
    shown = koodrive(emulator, "groups", "show", group_id)
    assert shown.returncode == 0, shown.stderr
    assert "Cli" in shown.stdout
    removed = koodrive(emulator, "members", "remove", group_id, B, "--json")
    assert removed.returncode == 0, removed.stderr
    assert '"status": 0' in removed.stdout


def test_the_cli_sets_a_members_role_and_refuses_half_of_it(
    client: KooDrive, emulator: RunningEmulator
) -> None:
    emulator.backend.add_user(B, name="Bob")
    group_id = client.user_groups.create(group_name="Roles", source_type=0)
    client.user_groups.members.add(group_id, user_ids=[B])
    update = ("groups", "update", group_id, "--name", "Roles", "--source-type", "0")

    promoted = koodrive(emulator, *update, "--member", B, "--role", "administrator")

    assert promoted.returncode == 0, promoted.stderr
    assert promoted.stdout == f"updated group {group_id}; member {B} is now administrator\n"
    roles = {m.user_id: m.role for m in client.user_groups.members.list(group_id)}
    assert roles[B] == MemberRole.ADMINISTRATOR
    demoted = koodrive(emulator, *update, "--member", B, "--role", "member", "--json")
    assert demoted.returncode == 0, demoted.stderr
    assert '"role": "2"' in demoted.stdout
    roles = {m.user_id: m.role for m in client.user_groups.members.list(group_id)}
    assert roles[B] == MemberRole.MEMBER
    for wrong, said in [
        (("--member", B), "--member and --role go together"),
        (("--role", "member"), "--member and --role go together"),
        (("--member", "Bob", "--role", "member"), "--member must be a user id"),
    ]:
        refused = koodrive(emulator, *update, *wrong)
        assert refused.returncode == 2, refused.stderr
        assert said in refused.stderr
        assert "Traceback" not in refused.stderr
