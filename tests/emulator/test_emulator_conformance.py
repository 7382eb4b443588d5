"""Every kind of response the emulator gives, validated against openapi.yaml.

The `conforms` fixture (conftest.py) checks against the repository's spec through a
`referencing` registry, following the spec's own `$ref`s. The contract-breaking faults
must fail the same check, which shows the check can fail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import jsonschema
import pytest
from koodrive_emulator import FaultKind
from koodrive_emulator.app import DEVICES_PATH as DEVICES
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.testing import RunningEmulator

FIRST = {"pageSize": "3", "pageCursor": "", "sourceType": "0"}
TRACE_ID = "Z" * 58


Call = Callable[[RunningEmulator, httpx.Client], httpx.Response]
Conforms = Callable[[str, httpx.Response], None]
MatchesSchema = Callable[[Any, str], None]


def groups(
    params: dict[str, str] | None = None,
    *,
    signed: bool = False,
    headers: dict[str, str] | None = None,
) -> Call:
    def call(emulator: RunningEmulator, http: httpx.Client) -> httpx.Response:
        query = httpx.QueryParams(params or FIRST)
        auth = emulator.signed_headers(GROUPS, str(query)) if signed else emulator.token_headers()
        return http.get(GROUPS, params=query, headers={**auth, **(headers or {})})

    return call


def devices(*, signed: bool = False, headers: dict[str, str] | None = None) -> Call:
    def call(emulator: RunningEmulator, http: httpx.Client) -> httpx.Response:
        auth = (
            emulator.signed_headers(DEVICES) if signed else emulator.token_headers(with_user=True)
        )
        return http.get(DEVICES, headers={**auth, **(headers or {})})

    return call


def faulted(kind: FaultKind, call: Call) -> Call:
    def with_fault(emulator: RunningEmulator, http: httpx.Client) -> httpx.Response:
        emulator.faults.add(kind, times=1, retry_after=2)
        return call(emulator, http)

    return with_fault


def last_page(emulator: RunningEmulator, http: httpx.Client) -> httpx.Response:
    params = {**FIRST, "pageSize": "100"}
    return http.get(GROUPS, params=params, headers=emulator.token_headers())


def second_page(emulator: RunningEmulator, http: httpx.Client) -> httpx.Response:
    first = http.get(GROUPS, params=FIRST, headers=emulator.token_headers()).json()
    params = {**FIRST, "pageCursor": first["nextCursor"]}
    return http.get(GROUPS, params=params, headers=emulator.token_headers())


KINDS: dict[str, tuple[str, int, Call]] = {
    "groups 200 token, with nextCursor": (GROUPS, 200, groups()),
    "groups 200 signed, echoed X-Traceid": (
        GROUPS,
        200,
        groups(signed=True, headers={"X-Traceid": TRACE_ID}),
    ),
    "groups 200 second page": (GROUPS, 200, second_page),
    "groups 200 last page": (GROUPS, 200, last_page),
    "groups 200 empty": (GROUPS, 200, groups({**FIRST, "groupName": "nothing like it"})),
    "groups 400 parameter": (GROUPS, 400, groups({"pageSize": "0"})),
    "groups 400 cursor": (GROUPS, 400, groups({**FIRST, "pageCursor": "forged"})),
    "groups 400 header": (GROUPS, 400, groups(headers={"X-Traceid": "short"})),
    "groups 401": (GROUPS, 401, groups(headers={"Authorization": "Bearer nope"})),
    "groups 429": (GROUPS, 429, faulted(FaultKind.THROTTLE, groups())),
    "groups 500": (GROUPS, 500, faulted(FaultKind.SERVER_ERROR, groups())),
    "groups 502": (GROUPS, 502, faulted(FaultKind.BAD_GATEWAY, groups())),
    "groups 503": (GROUPS, 503, faulted(FaultKind.UNAVAILABLE, groups())),
    "groups 504": (GROUPS, 504, faulted(FaultKind.GATEWAY_TIMEOUT, groups())),
    "groups 400 gateway authentication": (
        GROUPS,
        400,
        faulted(FaultKind.GATEWAY_AUTH_400, groups()),
    ),
    "groups 200 repeated cursor": (GROUPS, 200, faulted(FaultKind.REPEAT_CURSOR, second_page)),
    "devices 200 token": (DEVICES, 200, devices()),
    "devices 200 signed, echoed X-Traceid": (
        DEVICES,
        200,
        devices(signed=True, headers={"X-Traceid": TRACE_ID}),
    ),
    "devices 400 header": (DEVICES, 400, devices(headers={"language": "not a language"})),
    "devices 401": (DEVICES, 401, devices(headers={"X-Date": "yesterday"})),
    "devices 429": (DEVICES, 429, faulted(FaultKind.THROTTLE, devices())),
    "devices 500": (DEVICES, 500, faulted(FaultKind.SERVER_ERROR, devices())),
    "devices 503": (DEVICES, 503, faulted(FaultKind.UNAVAILABLE, devices())),
}


@pytest.mark.parametrize(("path", "status", "call"), list(KINDS.values()), ids=list(KINDS))
def test_each_kind_of_response_conforms_to_the_spec(
    emulator: RunningEmulator,
    http: httpx.Client,
    conforms: Conforms,
    matches_schema: MatchesSchema,
    path: str,
    status: int,
    call: Call,
) -> None:
    response = call(emulator, http)
    assert response.status_code == status, response.text
    conforms(path, response)
    if "X-Traceid" in response.headers:
        matches_schema(response.headers["X-Traceid"], "components/schemas/TraceId")


@pytest.mark.parametrize("path", ["/no/such/api", GROUPS + "/", "/koodrive/ose/v1/backup"])
def test_unknown_apis_get_the_documented_404_body(
    http: httpx.Client, matches_schema: MatchesSchema, path: str
) -> None:
    response = http.get(path)
    assert response.status_code == 404
    matches_schema(
        response.json(), "components/responses/NotFound/content/application~1json/schema"
    )
    assert response.json()["error_code"] == "APIGW.0101"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])  # GET and POST are served
def test_other_methods_on_the_operations_are_the_gateway_404(
    http: httpx.Client, method: str
) -> None:
    response = http.request(method, GROUPS)
    assert response.status_code == 404
    assert response.json()["error_code"] == "APIGW.0101"


BREAKING = {
    "code as a string": (GROUPS, FaultKind.CODE_AS_STRING, groups()),
    "code as a string on an error": (GROUPS, FaultKind.CODE_AS_STRING, groups({"pageSize": "0"})),
    "total as a string": (GROUPS, FaultKind.WRONG_TYPE, groups()),
    "devices data not an array": (DEVICES, FaultKind.WRONG_TYPE, devices()),
    "total missing": (GROUPS, FaultKind.MISSING_FIELD, groups()),
    "data missing": (DEVICES, FaultKind.MISSING_FIELD, devices()),
    "undocumented 500": (GROUPS, FaultKind.UNDOCUMENTED_500, groups()),
    "service error on a 200": (GROUPS, FaultKind.RESULT_ERROR, groups()),
    "devices service error on a 200": (DEVICES, FaultKind.RESULT_ERROR, devices()),
}


@pytest.mark.parametrize(("path", "kind", "call"), list(BREAKING.values()), ids=list(BREAKING))
def test_contract_breaking_faults_fail_the_same_check(
    emulator: RunningEmulator,
    http: httpx.Client,
    conforms: Conforms,
    path: str,
    kind: FaultKind,
    call: Call,
) -> None:
    response = faulted(kind, call)(emulator, http)
    with pytest.raises(jsonschema.ValidationError):
        conforms(path, response)


def test_an_html_502_is_not_the_documented_json(
    emulator: RunningEmulator, http: httpx.Client, conforms: Conforms
) -> None:
    response = faulted(FaultKind.HTML_502, devices())(emulator, http)
    assert response.status_code == 502
    with pytest.raises(AssertionError):
        conforms(DEVICES, response)
