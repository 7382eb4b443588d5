"""`koodrive members` and `koodrive groups show` against odd servers on 127.0.0.1: a batch
in which a user failed (in the `subResponseList` reading) names them and exits 1; user ids
that are no ids are refused before anything is sent (exit 2); details and members shown
as a table and as JSON. The emulator's scenario is in tests/sdk/test_members.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from tests.sdk.hostile_server import Reply, hostile_server, json_reply

COMMAND = Path(sys.executable).with_name("koodrive")
USER = "1395476983395324033"
GROUP = "1407237551361847809"
TOKEN = "odd-server-token-never-printed"
DETAIL = {
    "id": GROUP,
    "groupName": "Design",
    "ownerId": USER,
    "tenantId": "1",
    "sourceType": 1,
    "iconUrl": "https://example.com/icon.jpg",
    "createdTime": "2024-04-25T06:49:49.000Z",
    "updatedTime": "2024-04-25T06:49:49.000Z",
}
MEMBER = {
    "userId": USER,
    "userName": "Ada",
    "createdTime": "2024-04-25T06:49:49.000Z",
    "updatedTime": "2024-04-25T06:49:49.000Z",
    "role": 0,
    "top": 1,
}


def answer(target: str) -> Reply:
    path = urlsplit(target).path
    if path.endswith("/members/batchAdd"):
        body = {"code": 0, "msg": "OK", "status": 1, "subResponseList": [{"userId": 42}]}
    elif path.endswith("/members/batchDelete"):
        body = {"code": "0", "msg": "OK", "status": 0, "failedList": []}
    elif path.endswith("/members"):
        body = {"code": 0, "msg": "OK", "total": 1, "userGroupMemberInfos": [MEMBER]}
    elif "sourceType=1" in target:
        body = {"code": 0, "msg": "OK", "userGroup": DETAIL}
    else:
        reply = {"code": 13000309, "msg": "Resource not found."}
        return json_reply(json.dumps(reply).encode(), status=400)
    return json_reply(json.dumps(body).encode())


def koodrive(base_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")}
    env.update(
        KOODRIVE_BASE_URL=base_url, KOODRIVE_TOKEN=TOKEN, KOODRIVE_USER_ID=USER, COLUMNS="200"
    )
    return subprocess.run(
        [str(COMMAND), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_a_batch_with_a_failed_user_names_it_and_exits_1() -> None:
    with hostile_server(answer) as server:
        table = koodrive(server.base_url, "members", "add", GROUP, "7", "42")
        as_json = koodrive(server.base_url, "members", "add", GROUP, "7", "42", "--json")
        removed = koodrive(server.base_url, "members", "remove", GROUP, "7")
    assert table.returncode == 1
    assert "1 of 2 user(s) not added (status 1 PARTLY_SUCCEEDED): 42" in table.stdout
    assert "status 1 (PARTLY_SUCCEEDED); failed: 42" in table.stderr
    assert "`koodrive members add`" in table.stderr
    assert "Traceback" not in table.stderr
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout) == {
        "groupId": GROUP,
        "effect": "add",
        "status": 1,
        "statusName": "PARTLY_SUCCEEDED",
        "userIds": ["7", "42"],
        "failedUserIds": ["42"],
    }
    assert removed.returncode == 0, removed.stderr
    assert "1 user(s) removed (status 0 ALL_SUCCEEDED) from group" in removed.stdout
    sent = [json.loads(body) for body in server.bodies]
    assert sent[0] == {"amendModRoles": [{"userId": 7}, {"userId": 42}]}
    for result in (table, as_json, removed):
        assert TOKEN not in result.stdout + result.stderr


def test_user_ids_that_are_no_ids_are_refused_before_sending() -> None:
    with hostile_server(answer) as server:
        result = koodrive(server.base_url, "members", "add", GROUP, "7", "seven")
    assert result.returncode == 2
    assert "USER_ID[1] must be a user id" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.requests == []


def test_groups_show_and_members_list() -> None:
    with hostile_server(answer) as server:
        shown = koodrive(server.base_url, "groups", "show", GROUP)
        shown_json = koodrive(
            server.base_url, "groups", "show", GROUP, "--source-type", "1", "--json"
        )
        missing = koodrive(server.base_url, "groups", "show", GROUP, "--source-type", "0")
        listed = koodrive(server.base_url, "members", "list", GROUP, "--keyword", "ad")
        listed_json = koodrive(server.base_url, "members", "list", GROUP, "--json")
    assert shown.returncode == 0, shown.stderr
    assert "Design" in shown.stdout
    assert "user group" in shown.stdout
    assert json.loads(shown_json.stdout)["iconUrl"] == DETAIL["iconUrl"]
    assert json.loads(shown_json.stdout)["createdTime"] == DETAIL["createdTime"]
    assert missing.returncode == 1
    assert "13000309" in missing.stderr
    assert listed.returncode == 0, listed.stderr
    assert "owner" in listed.stdout
    assert "(1 members)" in listed.stdout
    assert "keyWord=ad" in server.requests[-2]
    assert json.loads(listed_json.stdout)["userId"] == USER
