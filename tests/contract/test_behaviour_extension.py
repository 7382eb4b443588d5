"""openapi.yaml's `x-koodrive-behaviour`, read through the one spec reader as the contract
suite and the emulator read it, and the wire judge that decides whether a request breaks a
parameter's schema."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from koodrive_spec import behaviour
from koodrive_spec.behaviour import BehaviourError, Match
from koodrive_spec.reader import Parameter, Spec

from contract_tests import wire
from contract_tests.runner import SPEC

GROUPS = "/koodrive/ose/v1/usergroups"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_every_operation_declares_its_behaviour(document: dict[str, Any]) -> None:
    found = behaviour.load(document)

    assert set(found) == {
        "listBoundDevices",
        "listUserGroups",
        "createUserGroup",
        "updateUserGroup",
        "deleteUserGroup",
        "bindDevice",
        "unbindDevice",
        "getUserGroup",
        "listUserGroupMembers",
        "batchAddGroupMembers",
        "batchDeleteGroupMembers",
    }
    members = found["listUserGroupMembers"]
    assert members.offset_paging is not None
    assert (members.offset_paging.offset, members.offset_paging.limit) == ("offset", "limit")
    assert members.members_only
    add = found["batchAddGroupMembers"].membership
    assert add is not None
    assert (add.joined, add.members, add.group) == (
        "listUserGroups",
        members.operation_id,
        "groupId",
    )
    assert found["getUserGroup"].detail_of is not None
    groups = found["listUserGroups"]
    assert groups.success.status == 200
    assert groups.success.code == 0
    assert groups.invalid_request.status == 400
    assert groups.invalid_request.code == 13000102
    assert groups.echoed_headers == ("X-Traceid",)
    assert groups.cursor_paging is not None
    assert groups.cursor_paging.cursor == "pageCursor"
    assert groups.cursor_paging.bound_to == ("sourceType", "groupName")
    name = groups.filter("groupName")
    assert name is not None
    assert name.match is Match.CONTAINS_IGNORING_CASE
    assert found["listBoundDevices"].exclusive_owner
    assert found["listBoundDevices"].paging is None
    assert groups.record_times == behaviour.RecordTimes("createdTime", "updatedTime")
    assert found["listBoundDevices"].record_times == behaviour.RecordTimes("createTime")


def test_the_x_date_window_is_declared(document: dict[str, Any]) -> None:
    window = behaviour.validity(document, "requestDate")

    assert (window.seconds_before, window.seconds_after) == (900, 0)


def _broken(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["paths"][GROUPS]["get"][behaviour.EXTENSION].update(changes)
    return changed


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"paging": {"cursor": "pageCursr", "first-cursor": "", "next-cursor": "nextCursor"}},
            f"paths.{GROUPS}.get.x-koodrive-behaviour.paging.cursor: 'pageCursr' is not a query "
            "parameter",
        ),
        ({"items": "groups"}, "x-koodrive-behaviour.items: 'groups' is not a success field"),
        (
            {"filters": {"groupName": {"match": "contains-ignoring-case", "field": "name"}}},
            "filters.groupName.field: 'name' is not an item field",
        ),
        ({"filters": {"groupName": {"match": "starts-with"}}}, "filters.groupName.match: "),
        ({"paging-size": 3}, "'paging-size' was unexpected"),
        (
            {"echoed-headers": ["X-Trace-Id"]},
            "echoed-headers: 'X-Trace-Id' is not a request header",
        ),
        ({"owner": "X-Owner"}, "owner: 'X-Owner' is not a request header"),
        (
            {"record-times": {"created": "createTime"}},
            "record-times.created: 'createTime' is not an item field",
        ),
        (
            {"record-times": {"updated": "groupName"}},
            "record-times.updated: 'groupName' must be a string of format date-time",
        ),
        ({"record-times": {}}, "record-times: {} should be non-empty"),
        ({"record-times": {"deleted": "updatedTime"}}, "'deleted' was unexpected"),
        (
            {"success": {"status": 201, "code": 0}},
            "success.status: the operation declares no 201 response",
        ),
    ],
)
def test_a_mistake_in_the_extension_is_an_error_naming_the_field(
    document: dict[str, Any], changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(BehaviourError) as raised:
        behaviour.load(_broken(document, **changes))

    assert message in str(raised.value)


def test_the_request_id_header_must_be_one_a_response_declares(document: dict[str, Any]) -> None:
    misspelt = copy.deepcopy(document)
    misspelt[behaviour.EXTENSION]["request-id-header"] = "X-Request-ID-"
    per_operation = _broken(document, **{"request-id-header": "X-Request-Id"})

    with pytest.raises(BehaviourError, match="request-id-header: no response of any operation"):
        behaviour.load(misspelt)
    with pytest.raises(BehaviourError, match="'request-id-header' was unexpected"):
        behaviour.load(per_operation)
    assert behaviour.request_id_header(document) == "X-Request-Id"
    assert {b.request_id_header for b in behaviour.load(document).values()} == {"X-Request-Id"}


def test_a_page_size_that_may_be_zero_is_refused_at_load(document: dict[str, Any]) -> None:
    changed = copy.deepcopy(document)
    for parameter in changed["paths"][GROUPS]["get"]["parameters"]:
        if parameter.get("name") == "pageSize":
            parameter["schema"]["minimum"] = 0

    with pytest.raises(BehaviourError) as raised:
        behaviour.load(changed)

    assert "paging.page-size: 'pageSize' must be an integer with a minimum of 1 or more" in str(
        raised.value
    )


def test_a_cursor_may_be_bound_to_a_path_parameter_but_not_to_a_made_up_one(
    document: dict[str, Any],
) -> None:
    changed = copy.deepcopy(document)
    operation = changed["paths"].pop(GROUPS)["get"]
    operation["parameters"].append(
        {"name": "tenant", "in": "path", "required": True, "schema": {"type": "string"}}
    )
    changed["paths"]["/koodrive/ose/v1/{tenant}/usergroups"] = {"get": operation}
    paging = operation[behaviour.EXTENSION]["paging"]
    paging["bound-to"] = ["sourceType", "tenant"]

    loaded = behaviour.load(changed)["listUserGroups"]
    assert loaded.cursor_paging is not None
    assert loaded.cursor_paging.bound_to == ("sourceType", "tenant")
    paging["bound-to"] = ["tenantId"]
    with pytest.raises(BehaviourError, match="'tenantId' is not a query or path parameter"):
        behaviour.load(changed)


def test_the_judge_reads_path_parameters_from_the_path() -> None:
    declared = [
        Parameter("groupId", "path", True, {"type": "string", "pattern": "^[0-9]{1,32}$"}),
    ]
    assert wire.problems(declared, {}, {}, {"groupId": "123"}) == []
    assert wire.problems(declared, {}, {}, {"groupId": "12ab"}) == [
        "groupId='12ab': '12ab' does not match '^[0-9]{1,32}$'"
    ]


def _judge(
    document: dict[str, Any], query: str, headers: dict[str, str] | None = None
) -> list[str]:
    declared = Spec(document).operations["listUserGroups"].parameters
    return wire.problems(declared, wire.query_of(f"http://h{GROUPS}?{query}"), headers or {})


def test_a_valid_request_breaks_nothing(document: dict[str, Any]) -> None:
    assert _judge(document, "pageSize=100&pageCursor=&sourceType=1&groupName=a") == []


@pytest.mark.parametrize(
    ("query", "headers", "problem"),
    [
        ("pageSize=101&pageCursor=&sourceType=0", {}, "pageSize='101': 101 is greater than"),
        ("pageSize=1&pageCursor=", {}, "sourceType missing: it is required"),
        ("pageSize=1&pageCursor=&sourceType=2", {}, "sourceType='2': 2 is not one of [0, 1]"),
        ("pageSize=x&pageCursor=&sourceType=0", {}, "pageSize='x': 'x' is not of type 'integer'"),
        ("pageSize=1&pageSize=2&pageCursor=&sourceType=0", {}, "pageSize sent 2 times"),
        ("pageSize=1&pageCursor=&sourceType=0&groupName=", {}, "groupName='': '' should be non"),
        ("pageSize=1&pageCursor=&sourceType=0", {"X-Traceid": "short"}, "X-Traceid='short'"),
    ],
)
def test_the_judge_names_the_broken_parameter(
    document: dict[str, Any], query: str, headers: dict[str, str], problem: str
) -> None:
    assert any(problem in found for found in _judge(document, query, headers))


def test_header_values_are_judged_as_a_server_reads_them(document: dict[str, Any]) -> None:
    padded = {"language": "  en-US\t"}  # servers trim spaces and tabs around a value

    assert _judge(document, "pageSize=1&pageCursor=&sourceType=0", padded) == []
