"""Every field, header and constraint listed in ../shared/koodrive-api-notes.md is in the spec.

The notes are walked as a list of facts, one test case each, so a fact dropped from the
spec names itself in the failure.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

DEVICES = ("/koodrive/ose/v1/backup/device", "listBoundDevices")
GROUPS = ("/koodrive/ose/v1/usergroups", "listUserGroups")
Spec = dict[str, Any]


def operation(spec: Spec, which: tuple[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = spec["paths"][which[0]]["get"]
    assert found["operationId"] == which[1]
    return found


def deref(spec: Spec, node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for token in node["$ref"].removeprefix("#/").split("/"):
            target = target[token]
        node = target
    return node


def parameter(spec: Spec, which: tuple[str, str], name: str, where: str) -> dict[str, Any]:
    for candidate in operation(spec, which).get("parameters", []):
        resolved = deref(spec, candidate)
        if resolved["name"] == name and resolved["in"] == where:
            return resolved
    raise AssertionError(f"{which[1]} has no {where} parameter {name}")


def schema(spec: Spec, name: str) -> dict[str, Any]:
    return deref(spec, spec["components"]["schemas"][name])


def header_in_security(spec: Spec, header: str) -> str:
    """The security scheme that carries `header`."""
    for name, scheme in spec["components"]["securitySchemes"].items():
        if scheme.get("in") == "header" and scheme.get("name") == header:
            return str(name)
    raise AssertionError(f"no security scheme carries {header}")


def security(spec: Spec, which: tuple[str, str]) -> list[dict[str, Any]]:
    """The operation's security requirements, or the document's when it has none."""
    requirements: list[dict[str, Any]] = operation(spec, which).get("security") or spec["security"]
    return requirements


def required_in_every_mode(spec: Spec, which: tuple[str, str], scheme: str) -> bool:
    requirements = security(spec, which)
    return all(scheme in requirement for requirement in requirements)


def required_in_app_mode(spec: Spec, which: tuple[str, str], scheme: str) -> bool:
    requirements = security(spec, which)
    return any("appSignature" in r and scheme in r for r in requirements)


def response_schema(spec: Spec, which: tuple[str, str], status: str) -> dict[str, Any]:
    response = deref(spec, operation(spec, which)["responses"][status])
    return deref(spec, response["content"]["application/json"]["schema"])


def fields(spec: Spec, node: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: deref(spec, sub) for name, sub in deref(spec, node)["properties"].items()}


def matches(pattern: str, value: str) -> bool:
    return re.search(pattern, value) is not None


FACTS: dict[str, Callable[[Spec], bool]] = {
    # The two operations.
    "GET /koodrive/ose/v1/backup/device is listBoundDevices": lambda s: bool(operation(s, DEVICES)),
    "GET /koodrive/ose/v1/usergroups is listUserGroups": lambda s: bool(operation(s, GROUPS)),
    "both operations have tags, summaries and descriptions": lambda s: all(
        operation(s, w).get(k)
        for w in (DEVICES, GROUPS)
        for k in ("tags", "summary", "description")
    ),
    # Query parameters of list user groups.
    "pageSize: required integer 1..100, default 100": lambda s: (
        (p := parameter(s, GROUPS, "pageSize", "query"))["required"]
        and (sch := deref(s, p["schema"]))["type"] == "integer"
        and (sch["minimum"], sch["maximum"], sch["default"]) == (1, 100, 100)
    ),
    "pageSize: the description warns of short and empty pages": lambda s: (
        "short" in operation(s, GROUPS)["description"]
        and "empty" in operation(s, GROUPS)["description"]
    ),
    "pageCursor: required string from nextCursor": lambda s: (
        (p := parameter(s, GROUPS, "pageCursor", "query"))["required"]
        and deref(s, p["schema"])["type"] == "string"
        and "nextCursor" in p["description"]
    ),
    "groupName: optional string": lambda s: (
        not (p := parameter(s, GROUPS, "groupName", "query")).get("required", False)
        and deref(s, p["schema"])["type"] == "string"
    ),
    "sourceType: required integer enum 0 (group), 1 (user group)": lambda s: (
        (p := parameter(s, GROUPS, "sourceType", "query"))["required"]
        and (sch := deref(s, p["schema"]))["type"] == "integer"
        and sch["enum"] == [0, 1]
        and "`0` group" in p["description"]
        and "`1` user group" in p["description"]
    ),
    # Headers.
    "Authorization: token (bearer) scheme": lambda s: (
        s["components"]["securitySchemes"]["accessToken"]["scheme"] == "bearer"
    ),
    "Authorization: HMAC app signature scheme in the Authorization header": lambda s: (
        header_in_security(s, "Authorization") == "appSignature"
        and "HMAC-SHA256 AppId="
        in s["components"]["securitySchemes"]["appSignature"]["description"]
    ),
    "X-User-Id: required on list-bound-devices in every auth mode": lambda s: (
        required_in_every_mode(s, DEVICES, header_in_security(s, "X-User-Id"))
    ),
    "X-Date: required on list-bound-devices in every auth mode": lambda s: required_in_every_mode(
        s, DEVICES, header_in_security(s, "X-Date")
    ),
    "X-User-Id and X-Date: required by app auth on list-user-groups": lambda s: (
        required_in_app_mode(s, GROUPS, header_in_security(s, "X-User-Id"))
        and required_in_app_mode(s, GROUPS, header_in_security(s, "X-Date"))
    ),
    "X-Date: yyyyMMdd'T'HHmmss'Z' pattern, misprint rejected": lambda s: (
        matches(schema(s, "SignatureTime")["pattern"], "20251103T070140Z")
        and not matches(schema(s, "SignatureTime")["pattern"], "2025113T070140Z")
    ),
    "X-Date: within 15 minutes before the server clock, never later": lambda s: (
        "15 minutes" in (d := s["components"]["securitySchemes"]["requestDate"]["description"])
        and "later" in d
    ),
    "X-Traceid: optional header, 58 characters": lambda s: (
        not (p := parameter(s, GROUPS, "X-Traceid", "header")).get("required", False)
        and (deref(s, p["schema"])["minLength"], deref(s, p["schema"])["maxLength"]) == (58, 58)
    ),
    "language: optional header, en-US by default": lambda s: (
        not (p := parameter(s, GROUPS, "language", "header")).get("required", False)
        and deref(s, p["schema"])["default"] == "en-US"
        and matches(deref(s, p["schema"])["pattern"], "zh-CN")
    ),
    # 200 bodies.
    "list-bound-devices 200: code, msg, data[BoundDeviceEntity]": lambda s: (
        set(f := fields(s, response_schema(s, DEVICES, "200"))) == {"code", "msg", "data"}
        and f["data"]["items"]["$ref"].endswith("/BoundDeviceEntity")
    ),
    "list-user-groups 200: code, msg, nextCursor, userGroupList[UserGroupInfo], total": lambda s: (
        set(f := fields(s, response_schema(s, GROUPS, "200")))
        == {"code", "msg", "nextCursor", "userGroupList", "total"}
        and f["userGroupList"]["items"]["$ref"].endswith("/UserGroupInfo")
        and f["total"]["type"] == "integer"
    ),
    "nextCursor: optional (its absence ends the list)": lambda s: (
        "nextCursor" not in response_schema(s, GROUPS, "200")["required"]
    ),
    "BoundDeviceEntity: deviceId, machineCode, deviceOS, deviceName, createTime": lambda s: (
        set(f := fields(s, schema(s, "BoundDeviceEntity")))
        == {"deviceId", "machineCode", "deviceOS", "deviceName", "createTime"}
        and matches(f["deviceId"]["pattern"], "1775406005920779393")
        and f["createTime"]["format"] == "date-time"
    ),
    "UserGroupInfo: id, groupName, ownerId, createdTime, updatedTime": lambda s: (
        set(fields(s, schema(s, "UserGroupInfo")))
        == {"id", "groupName", "ownerId", "createdTime", "updatedTime"}
    ),
    "timestamps: UTC with milliseconds": lambda s: (
        matches(schema(s, "Timestamp")["pattern"], "2025-09-15T06:14:48.630Z")
        and not matches(schema(s, "Timestamp")["pattern"], "2025-09-15T06:14:48Z")
    ),
    # Errors.
    "service error body: code, msg": lambda s: (
        set(fields(s, schema(s, "ServiceError"))) == {"code", "msg"}
    ),
    "gateway error body: error_code, error_msg, request_id": lambda s: (
        set(fields(s, schema(s, "GatewayError"))) == {"error_code", "error_msg", "request_id"}
    ),
    "400 example is 13000102 Verify parameters failed.": lambda s: (
        s["components"]["responses"]["BadRequest"]["content"]["application/json"]["examples"][
            "invalidParameter"
        ]["value"]
        == {"code": 13000102, "msg": "Verify parameters failed."}
    ),
    "statuses 200 400 401 500 and gateway 404 429 502 503 504 on both operations": lambda s: all(
        {"200", "400", "401", "404", "429", "500", "502", "503", "504"}
        <= set(operation(s, w)["responses"])
        for w in (DEVICES, GROUPS)
    ),
    "429 and 503 carry Retry-After": lambda s: all(
        "Retry-After" in s["components"]["responses"][name]["headers"]
        for name in ("TooManyRequests", "ServiceUnavailable")
    ),
    # Paging link, hosts, decisions.
    "link: nextCursor feeds the next request's pageCursor": lambda s: (
        operation(s, GROUPS)["responses"]["200"]["links"]["nextPage"]["parameters"]["pageCursor"]
        == "$response.body#/nextCursor"
    ),
    "servers: both regional hosts and the local emulator": lambda s: (
        {
            "https://intl.myhuaweicloud-koodrive.com",
            "https://cn.myhuaweicloud-koodrive.com",
        }
        <= {server["url"] for server in s["servers"]}
        and any("127.0.0.1" in server["url"] for server in s["servers"])
    ),
    "each vendor disagreement has a written decision": lambda s: all(
        any(word in d["topic"] for d in s["info"]["x-koodrive-decisions"])
        for word in (
            "`code` type",
            "Authorization",
            "X-User-Id and X-Date",
            "authentication",
            "X-Traceid",
            "X-Date pattern",
        )
    ),
}


@pytest.mark.parametrize("fact", list(FACTS))
def test_spec_states(spec: Spec, fact: str) -> None:
    assert FACTS[fact](spec), fact
