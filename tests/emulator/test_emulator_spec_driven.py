"""The emulator checks parameters against the spec it serves: a limit changed only in the
spec is honoured, and the refusal says what the changed schema allows."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from koodrive import signing
from koodrive_emulator.app import EmulatorApp
from koodrive_emulator.faults import Faults
from koodrive_emulator.fixtures import FixtureError
from koodrive_emulator.rules.paging import SERVER_PAGE_SIZE
from koodrive_emulator.state import Backend
from koodrive_emulator.testing import RunningEmulator, running_emulator
from koodrive_spec.reader import Spec
from koodrive_spec.request_rules import expectation

GROUPS = "/koodrive/ose/v1/usergroups"
DEVICES = "/koodrive/ose/v1/backup/device"


def changed_spec(**schemas: dict[str, Any]) -> Spec:
    """The shipped spec with the schemas of some listUserGroups query parameters changed."""
    document = copy.deepcopy(dict(Spec.packaged().document))
    for parameter in document["paths"][GROUPS]["get"]["parameters"]:
        if parameter.get("name") in schemas:
            parameter["schema"] = {**parameter["schema"], **schemas[parameter["name"]]}
    return Spec(document)


@pytest.fixture
def wider_pages() -> Iterator[RunningEmulator]:
    backend = Backend.default()
    user = "1395476983395324033"
    backend.seed_synthetic(user, groups=400)
    spec = changed_spec(pageSize={"maximum": 200})
    with running_emulator(backend=backend, spec=spec) as emulator:
        yield emulator


def test_a_page_size_maximum_raised_in_the_spec_is_honoured(
    wider_pages: RunningEmulator,
) -> None:
    params = {"pageSize": "150", "pageCursor": "", "sourceType": "0"}
    with httpx.Client(base_url=wider_pages.base_url) as http:
        response = http.get(GROUPS, params=params, headers=wider_pages.token_headers())
        refused = http.get(
            GROUPS, params={**params, "pageSize": "201"}, headers=wider_pages.token_headers()
        )

    assert response.status_code == 200, response.text
    assert len(response.json()["userGroupList"]) == 150
    assert refused.status_code == 400
    assert "pageSize must be an integer from 1 to 200" in refused.json()["msg"]


def test_a_length_changed_in_the_spec_is_told_in_the_refusal() -> None:
    spec = changed_spec(groupName={"maxLength": 5})
    params = {"pageSize": "10", "pageCursor": "", "sourceType": "0", "groupName": "abcdef"}
    with running_emulator(spec=spec) as emulator, httpx.Client(base_url=emulator.base_url) as http:
        response = http.get(GROUPS, params=params, headers=emulator.token_headers())

    assert response.status_code == 400
    assert "groupName must be 1 to 5 characters" in response.json()["msg"]


def test_an_operation_of_the_spec_without_a_handler_answers_501_naming_it() -> None:
    document = copy.deepcopy(dict(Spec.packaged().document))
    responses = {"200": {"description": "ok"}, "400": {"description": "bad"}}
    # An operation the spec does not have (the group members are in it now).
    document["paths"]["/koodrive/ose/v1/usergroups/{groupId}/files"] = {
        "get": {
            "operationId": "listGroupFiles",
            "parameters": [{"$ref": "#/components/parameters/TraceId"}],
            "responses": responses,
        }
    }
    members = "/koodrive/ose/v1/usergroups/1407237551361847809/files"
    with (
        running_emulator(spec=Spec(document)) as emulator,
        httpx.Client(base_url=emulator.base_url) as http,
    ):
        response = http.get(members, headers=emulator.token_headers())
        groups = http.get(
            GROUPS,
            params={"pageSize": "10", "pageCursor": "", "sourceType": "0"},
            headers=emulator.token_headers(),
        )
        served = http.get("/openapi.yaml").text

    assert response.status_code == 501
    assert (
        "listGroupFiles (GET /koodrive/ose/v1/usergroups/{groupId}/files) is in the spec "
        "but has no handler" in response.json()["msg"]
    )
    assert groups.status_code == 200  # the operations with a handler are served as before
    assert "listGroupFiles" in served  # /openapi.yaml is the spec this emulator obeys


@pytest.mark.parametrize(
    ("schema", "told"),
    [
        ({"type": "integer", "minimum": 1, "maximum": 100}, "an integer from 1 to 100"),
        ({"type": "integer", "minimum": 0}, "an integer of at least 0"),
        ({"type": "integer", "enum": [0, 1], "x-enum-descriptions": ["a", "b"]}, "0 (a) or 1 (b)"),
        ({"type": "integer", "enum": [0, 1, 2]}, "0, 1 or 2"),
        ({"type": "string", "minLength": 1, "maxLength": 128}, "1 to 128 characters"),
        ({"type": "string", "maxLength": 1024}, "at most 1024 characters"),
        (
            {"type": "string", "pattern": "^[0-9A-Za-z]{58}$"},
            "exactly 58 characters from [0-9A-Za-z]",
        ),
        (
            {"type": "string", "title": "language code", "examples": ["en-US", "zh-CN"]},
            "a language code such as en-US or zh-CN",
        ),
        ({"type": "string", "pattern": "^a+$"}, "text matching ^a+$"),
    ],
)
def test_what_a_value_must_be_is_told_from_its_schema(schema: dict[str, Any], told: str) -> None:
    assert expectation(schema) == told


def with_member_count() -> Spec:
    """The shipped spec with an optional `memberCount` (0 or more) added to UserGroupInfo."""
    document = copy.deepcopy(dict(Spec.packaged().document))
    info = document["components"]["schemas"]["UserGroupInfo"]
    info["properties"]["memberCount"] = {"type": "integer", "minimum": 0}
    return Spec(document)


def test_a_field_added_to_the_spec_round_trips_from_fixtures_to_the_response() -> None:
    spec = with_member_count()
    backend = Backend(spec=spec)
    user = "1395476983395324033"
    backend.load_fixtures_data(
        {"users": [{"id": user, "groups": [{"id": "7", "groupName": "seven", "memberCount": 12}]}]}
    )
    backend.add_group(user, group_name="eight", group_id="8", fields={"memberCount": 0})
    params = {"pageSize": "10", "pageCursor": "", "sourceType": "0"}
    with (
        running_emulator(spec=spec, backend=backend) as emulator,
        httpx.Client(base_url=emulator.base_url) as http,
    ):
        listed = http.get(GROUPS, params=params, headers=emulator.token_headers()).json()

    counts = {group["id"]: group.get("memberCount") for group in listed["userGroupList"]}
    assert counts == {"7": 12, "8": 0}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"groupName": "x", "memberCount": -1},
            "users[0].groups[0].memberCount must be an integer of at least 0",
        ),
        (
            {"groupName": "x", "memberCounts": 1},
            "users[0].groups[0] has unknown keys ['memberCounts']",
        ),
    ],
)
def test_a_declared_field_is_checked_against_its_schema(
    entry: dict[str, Any], message: str
) -> None:
    backend = Backend(spec=with_member_count())
    with pytest.raises(FixtureError, match=re.escape(message)):
        backend.load_fixtures_data({"users": [{"id": "1", "groups": [entry]}]})


def test_the_shipped_spec_declares_no_field_beyond_those_modelled() -> None:
    with pytest.raises(ValueError, match="memberCount is not a field the spec declares"):
        Backend().add_group("1", group_name="x", fields={"memberCount": 1})


def test_paging_without_a_page_size_in_the_spec_pages_at_the_servers_size() -> None:
    document = copy.deepcopy(dict(Spec.packaged().document))
    operation = document["paths"][GROUPS]["get"]
    operation["parameters"] = [p for p in operation["parameters"] if p.get("name") != "pageSize"]
    del operation["x-koodrive-behaviour"]["paging"]["page-size"]
    operation["responses"]["200"].pop("links")
    backend = Backend.default()
    backend.seed_synthetic("1395476983395324033", groups=400)
    with (
        running_emulator(backend=backend, spec=Spec(document)) as emulator,
        httpx.Client(base_url=emulator.base_url) as http,
    ):
        first = http.get(
            GROUPS, params={"pageCursor": "", "sourceType": "0"}, headers=emulator.token_headers()
        )

    assert first.status_code == 200, first.text
    assert len(first.json()["userGroupList"]) == SERVER_PAGE_SIZE
    assert "nextCursor" in first.json()


def test_a_path_parameter_the_emulator_cannot_route_is_refused_naming_it() -> None:
    document = copy.deepcopy(dict(Spec.packaged().document))
    document["paths"]["/koodrive/ose/v1/usergroups/{group-id}/members"] = {
        "get": {
            "operationId": "listGroupMembers",
            "parameters": [{"$ref": "#/components/parameters/TraceId"}],
            "responses": {"200": {"description": "ok"}, "400": {"description": "bad"}},
        }
    }
    with pytest.raises(ValueError, match=r"listGroupMembers: the path parameter \{group-id\}"):
        EmulatorApp(spec=Spec(document))


def test_the_x_date_window_of_the_served_spec_is_the_one_checked() -> None:
    document = copy.deepcopy(dict(Spec.packaged().document))
    scheme = document["components"]["securitySchemes"]["requestDate"]
    scheme["x-koodrive-validity"] = {"seconds-before": 60, "seconds-after": 0}
    with (
        running_emulator(spec=Spec(document)) as emulator,
        httpx.Client(base_url=emulator.base_url) as http,
    ):
        credentials = emulator.credentials

        def dated(age: timedelta) -> httpx.Response:
            moment = emulator.clock.now() - age
            return http.get(
                DEVICES,
                headers={
                    "Authorization": f"Bearer {credentials.token}",
                    "X-User-Id": credentials.user_id,
                    "X-Date": signing.format_x_date(moment),
                },
            )

        recent, old = dated(timedelta(seconds=30)), dated(timedelta(minutes=2))

    assert recent.status_code == 200, recent.text
    assert old.status_code == 401
    assert "X-Date is more than 1 minute before the server clock" in old.text


def test_the_docs_page_shows_the_served_spec() -> None:
    document = copy.deepcopy(dict(Spec.packaged().document))
    document["paths"][GROUPS]["get"]["summary"] = "List the groups, as a changed spec says"
    with (
        running_emulator(spec=Spec(document)) as emulator,
        httpx.Client(base_url=emulator.base_url) as http,
    ):
        page = http.get("/docs")

    assert page.status_code == 200
    assert "List the groups, as a changed spec says" in page.text


def test_faults_target_the_operations_of_the_served_spec() -> None:
    document = copy.deepcopy(dict(Spec.packaged().document))
    again = copy.deepcopy(document["paths"][GROUPS]["get"])
    again["operationId"] = "listUserGroupsAgain"
    again["responses"]["200"].pop("links")
    document["paths"]["/koodrive/ose/v1/usergroups-again"] = {"get": again}
    with running_emulator(spec=Spec(document)) as emulator:
        emulator.faults.add("repeat-item", operation="listUserGroupsAgain")  # paged there
        with pytest.raises(
            ValueError, match="repeat-item applies to listUserGroups, listUserGroupMembers and"
        ):
            emulator.faults.add("repeat-item", operation="listBoundDevices")

    with pytest.raises(ValueError, match="operation must be one of"):
        Faults().add("repeat-item", operation="listUserGroupsAgain")  # not in the shipped spec
