"""Request bodies, checked from the spec before a handler runs: every bad body gets its exact
answer and changes nothing; an app signature covers the body."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from koodrive import signing
from koodrive_emulator.app import DEVICES_PATH as DEVICES
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.limits import MAX_BODY_BYTES
from koodrive_emulator.testing import RunningEmulator, running_emulator
from koodrive_spec import Spec

from tests.emulator.write_requests import (
    JSON,
    MODES,
    OWN_GROUP,
    Mode,
    device_path,
    group_path,
    send,
    service_error,
)

FAILED = "Verify parameters failed: "
GROUP_NAME_IN_WORDS = Spec.packaged().schema("GroupName")["x-koodrive-pattern-in-words"]
CREATE = ("POST", GROUPS)
UPDATE = ("PUT", group_path(OWN_GROUP))
BIND = ("POST", DEVICES)


def state_of(emulator: RunningEmulator) -> dict[str, Any]:
    return emulator.backend.to_fixtures()


BAD_BODIES: list[tuple[str, tuple[str, str], object, str]] = [
    (
        "malformed JSON",
        CREATE,
        b'{"groupName": "x", ',
        "the request body is not valid JSON: Expecting property name enclosed in double quotes "
        "at line 1, column 20 (character 19)",
    ),
    (
        "malformed JSON on a later line",
        BIND,
        b'{\n  "machineCode": "abc"\n  "deviceName": "Pad"\n}',
        "the request body is not valid JSON: Expecting ',' delimiter at line 3, column 3 "
        "(character 27)",
    ),
    ("an array", CREATE, ["groupName"], "the request body must be a JSON object, not an array"),
    ("a string", BIND, "abc", "the request body must be a JSON object, not a string"),
    ("null", CREATE, b"null", "the request body must be a JSON object, not null"),
    (
        "an unknown key",
        CREATE,
        {"groupName": "Ops", "sourceType": 0, "capacity": 10},
        "capacity is not a field of the request body (fields: groupName, sourceType)",
    ),
    (
        "a duplicate key",
        CREATE,
        b'{"groupName": "Ops", "sourceType": 0, "groupName": "Other"}',
        "groupName is given twice in the request body; give it once",
    ),
    (
        "a duplicate key in a nested object",
        BIND,
        b'{"machineCode": "abc", "deviceName": {"a": 1, "a": 2}}',
        "a is given twice in the request body; give it once",
    ),
    (
        "a float too large for an integer",
        CREATE,
        b'{"groupName": "Ops", "sourceType": 1e30}',
        "sourceType must be 0 (groups) or 1 (user groups)",
    ),
    (
        "an integer past 64 bits",
        CREATE,
        b'{"groupName": "Ops", "sourceType": ' + str(2**70).encode() + b"}",
        "sourceType must be 0 (groups) or 1 (user groups)",
    ),
    (
        "5000 digits",
        CREATE,
        b'{"groupName": "Ops", "sourceType": ' + b"9" * 5000 + b"}",
        "sourceType must be 0 (groups) or 1 (user groups)",
    ),
    ("NaN", CREATE, b'{"groupName": "Ops", "sourceType": NaN}', ""),
    (
        "invalid UTF-8",
        CREATE,
        b'{"groupName": "\xff", "sourceType": 0}',
        "the request body is not UTF-8 (byte 0xff at position 15)",
    ),
    (
        "no body where one is required",
        CREATE,
        None,
        "the request body is required (a JSON object: groupName, sourceType)",
    ),
    (
        "every missing field at once",
        UPDATE,
        {},
        "groupName is required (1 to 30 characters); "
        "sourceType is required (0 for groups, 1 for user groups)",
    ),
    (
        "every bad field at once",
        UPDATE,
        {"groupName": "x" * 31, "sourceType": 2, "top": 1, "iconUrl": "ftp://x"},
        "groupName must be 1 to 30 characters; sourceType must be 0 (groups) or 1 (user groups); "
        'top must be "0" (in order) or "1" (pinned to the top); '
        "iconUrl must be at most 2048 characters matching ^https?://[^\\s]+$",
    ),
    (
        "a forbidden name",
        CREATE,
        {"groupName": "..", "sourceType": 0},
        'groupName must be 1 to 30 characters, not "." or ".."',
    ),
    (
        "a forbidden character",
        CREATE,
        {"groupName": "a<b", "sourceType": 0},
        f"groupName must be 1 to 30 characters, {GROUP_NAME_IN_WORDS}",
    ),
    (
        "a name of spaces only",
        CREATE,
        {"groupName": "   ", "sourceType": 0},
        f"groupName must be 1 to 30 characters, {GROUP_NAME_IN_WORDS}",
    ),
    (
        "a wrong type",
        BIND,
        {"machineCode": 20250911},
        "machineCode must be at most 64 characters",
    ),
    (
        "a bad machine code",
        BIND,
        {"machineCode": "ab cd", "deviceOS": "x" * 33},
        "machineCode must be at most 64 characters matching ^[a-zA-Z0-9_]{1,64}$; "
        "deviceOS must be at most 32 characters",
    ),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("request_", "body", "told"),
    [(request_, body, told) for _, request_, body, told in BAD_BODIES],
    ids=[case[0] for case in BAD_BODIES],
)
def test_a_bad_body_is_400_naming_each_problem_and_changes_nothing(
    emulator: RunningEmulator,
    http: httpx.Client,
    mode: Mode,
    request_: tuple[str, str],
    body: object,
    told: str,
) -> None:
    before = state_of(emulator)
    method, path = request_
    message = service_error(send(emulator, http, method, path, body, mode=mode), 400, 13000102)
    if told:
        assert message == FAILED + told
    else:
        assert message == FAILED + "the request body is not valid JSON: NaN is not a JSON value"
    assert state_of(emulator) == before


def test_parameter_and_body_problems_are_told_together(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    before = state_of(emulator)
    response = send(emulator, http, "PUT", group_path("abc"), {"sourceType": 0})
    message = service_error(response, 400, 13000102)
    assert message == (
        FAILED + "groupId must be text matching ^[0-9]{1,32}$; groupName is required (1 to 30 "
        "characters)"
    )
    assert state_of(emulator) == before


@pytest.mark.parametrize("media_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_of_another_media_type_is_415(
    emulator: RunningEmulator, http: httpx.Client, media_type: str
) -> None:
    before = state_of(emulator)
    body = {"groupName": "Ops", "sourceType": 0}
    response = send(emulator, http, *CREATE, body, headers={"Content-Type": media_type})
    shown = media_type or "empty"
    assert response.status_code == 415, response.text
    assert response.json() == {
        "code": 13000102,
        "msg": f"{FAILED}Content-Type must be application/json, not {shown}",
    }
    assert state_of(emulator) == before


def test_json_with_parameters_in_its_media_type_is_json(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    headers = {"Content-Type": "Application/JSON; charset=utf-8"}
    response = send(emulator, http, *CREATE, {"groupName": "Ops", "sourceType": 0}, headers=headers)
    assert response.status_code == 200, response.text


def test_a_body_without_content_type_is_read_as_json(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    raw = json.dumps({"groupName": "Ops", "sourceType": 1}).encode()
    headers = {**emulator.token_headers(with_user=True)}
    response = http.post(GROUPS, content=raw, headers=headers)
    assert "content-type" not in response.request.headers
    assert response.status_code == 200, response.text
    created = response.json()["id"]
    assert [g.id for g in emulator.backend.groups(emulator.credentials.user_id, 1)][-1] == created


def test_an_integral_number_is_read_as_an_integer(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    response = send(emulator, http, *CREATE, b'{"groupName": "Ops", "sourceType": 1.0}')
    assert response.status_code == 200, response.text
    group = emulator.backend.groups(emulator.credentials.user_id)[-1]
    assert group.group_name == "Ops"
    assert group.source_type == 1


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("DELETE", group_path(OWN_GROUP), "deleteUserGroup"),
        ("DELETE", device_path("1775406005920779393"), "unbindDevice"),
        ("GET", f"{GROUPS}?pageSize=10&pageCursor=&sourceType=0", "listUserGroups"),
        ("GET", DEVICES, "listBoundDevices"),
    ],
)
def test_a_body_sent_to_an_operation_that_takes_none_is_400_naming_it(
    emulator: RunningEmulator, http: httpx.Client, method: str, path: str, operation: str
) -> None:
    before = state_of(emulator)
    message = service_error(send(emulator, http, method, path, {}), 400, 13000102)
    assert message == f"{FAILED}{operation} takes no request body (2 bytes sent); send none"
    assert state_of(emulator) == before


def test_a_body_over_1_mib_is_413_and_changes_nothing(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    before = state_of(emulator)
    padded = b'{"groupName": "Ops", "sourceType": 0, "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = send(emulator, http, *CREATE, padded)
    assert response.status_code == 413
    assert response.json()["error_code"] == "APIGW.0201"
    assert state_of(emulator) == before


def test_a_body_of_exactly_1_mib_is_read(emulator: RunningEmulator, http: httpx.Client) -> None:
    head = b'{"groupName": "Ops", "sourceType": 0}'
    padded = head + b" " * (MAX_BODY_BYTES - len(head))
    assert len(padded) == MAX_BODY_BYTES
    assert send(emulator, http, *CREATE, padded).status_code == 200


# --- the signature covers the body ----------------------------------------------------------


def signature_written_out(
    secret: str, method: str, path: str, headers: dict[str, str], body: bytes
) -> str:
    """The vendor's scheme with hashlib and hmac alone, for a request without a query: the
    payload hash is the SHA-256 of the bytes sent."""
    names = sorted(headers)
    canonical = "\n".join(
        [
            method,
            path + "/",
            "",
            "".join(f"{name}:{headers[name].strip()}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    to_sign = "HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def test_the_signature_written_out_agrees_with_the_signer_on_a_body() -> None:
    body = '{"groupName":"客户服务","sourceType":0}'.encode()
    headers = {"host": "127.0.0.1:8750", "x-date": "20251103T070140Z", "x-user-id": "42"}
    expected = signature_written_out("secret", "POST", GROUPS, headers, body)
    signed = signing.sign(
        app_id="app",
        app_secret="secret",
        method="POST",
        path=GROUPS,
        query="",
        headers=headers,
        payload=body,
    )
    assert signed.signature == expected
    assert expected != signature_written_out("secret", "POST", GROUPS, headers, b"")


def test_the_emulator_accepts_a_body_signed_without_the_signer(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    body = '{"groupName":"客户服务","sourceType":1}'.encode()
    headers = {
        "host": emulator.base_url.removeprefix("http://"),
        "x-date": signing.format_x_date(emulator.clock.now()),
        "x-user-id": emulator.credentials.user_id,
    }
    credentials = emulator.credentials
    written = signature_written_out(credentials.app_secret, "POST", GROUPS, headers, body)
    authorization = (
        f"HMAC-SHA256 AppId={credentials.app_id},SignedHeaders=host;x-date;x-user-id,"
        f"Signature={written}"
    )
    sent = {**headers, **JSON, "Authorization": authorization}
    response = http.post(GROUPS, content=body, headers=sent)
    assert response.status_code == 200, response.text
    assert emulator.backend.groups(credentials.user_id, 1)[-1].group_name == "客户服务"


@pytest.mark.parametrize(
    "changed",
    [
        b'{"groupName": "Opt", "sourceType": 0}',  # one byte other
        b'{"groupName": "Ops", "sourceType": 0} ',  # one byte more
        b'{"groupName": "Ops", "sourceType": 0',  # one byte less
        b"",  # none at all
    ],
)
def test_a_body_changed_after_signing_is_401(
    emulator: RunningEmulator, http: httpx.Client, changed: bytes
) -> None:
    before = state_of(emulator)
    signed_body = b'{"groupName": "Ops", "sourceType": 0}'
    headers = {**JSON, **emulator.signed_headers(GROUPS, method="POST", body=signed_body)}
    response = http.post(GROUPS, content=changed, headers=headers)
    assert response.status_code == 401, response.text
    assert response.json()["error_msg"] == (
        "Incorrect app authentication information: signature mismatch."
    )
    assert state_of(emulator) == before
    assert http.post(GROUPS, content=signed_body, headers=headers).status_code == 200


def test_the_signature_is_checked_before_the_body(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    headers = {**JSON, **emulator.signed_headers(GROUPS, method="POST", body=b"{}")}
    response = http.post(GROUPS, content=b"not json", headers=headers)
    assert response.status_code == 401


# --- any body, and a body schema changed in the spec ---------------------------------------

_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**80), 2**80),
        st.floats(allow_nan=False),
        st.text(max_size=40),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["groupName", "sourceType", "top", "iconUrl", "machineCode", "x"]),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=12,
)
_RAW = st.one_of(
    _JSON.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=60),
    st.sampled_from([b"", b"{", b'{"a":1,"a":2}', b"NaN", b"\xef\xbb\xbf{}", b"{}" * 3]),
)
_WRITES = [CREATE, UPDATE, BIND, ("PUT", group_path("1410000000000000002")), ("DELETE", GROUPS)]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(request_=st.sampled_from(_WRITES), raw=_RAW, mode=st.sampled_from(MODES))
def test_no_body_gives_a_500(
    emulator: RunningEmulator,
    http: httpx.Client,
    request_: tuple[str, str],
    raw: bytes,
    mode: Mode,
) -> None:
    method, path = request_
    response = send(emulator, http, method, path, raw, mode=mode)
    assert response.status_code in (200, 400, 403, 404), response.text
    assert response.headers["content-type"] == "application/json"


def test_a_body_schema_changed_in_the_spec_is_honoured_and_told() -> None:
    document = copy.deepcopy(dict(Spec.packaged().document))
    document["components"]["schemas"]["GroupName"]["maxLength"] = 40
    with (
        running_emulator(spec=Spec(document)) as emulator,
        httpx.Client(base_url=emulator.base_url) as http,
    ):
        longer = {"groupName": "x" * 35, "sourceType": 0}
        assert send(emulator, http, *CREATE, longer).status_code == 200
        too_long = {"groupName": "x" * 41, "sourceType": 0}
        message = service_error(send(emulator, http, *CREATE, too_long), 400, 13000102)
        assert message == FAILED + "groupName must be 1 to 40 characters"
