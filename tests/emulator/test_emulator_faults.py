"""Faults on demand, through the Python API, against the running server."""

from __future__ import annotations

import time

import httpx
import pytest
from koodrive_emulator import FaultKind, Faults
from koodrive_emulator.app import DEVICES_PATH as DEVICES
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.testing import RunningEmulator

QUERY = {"pageSize": "5", "pageCursor": "", "sourceType": "0"}


def groups(emulator: RunningEmulator, http: httpx.Client, **params: str) -> httpx.Response:
    return http.get(GROUPS, params={**QUERY, **params}, headers=emulator.token_headers())


def devices(emulator: RunningEmulator, http: httpx.Client) -> httpx.Response:
    return http.get(DEVICES, headers=emulator.token_headers(with_user=True))


@pytest.mark.parametrize(
    ("kind", "status", "error_code", "retry_after"),
    [
        (FaultKind.THROTTLE, 429, "APIGW.0308", "3"),
        (FaultKind.UNAVAILABLE, 503, "APIGW.0203", "3"),
        (FaultKind.BAD_GATEWAY, 502, "APIGW.0201", None),
        (FaultKind.GATEWAY_TIMEOUT, 504, "APIGW.0204", None),
    ],
)
def test_gateway_faults_give_gateway_bodies(
    emulator: RunningEmulator,
    http: httpx.Client,
    kind: FaultKind,
    status: int,
    error_code: str,
    retry_after: str | None,
) -> None:
    emulator.faults.add(kind, retry_after=3)
    response = groups(emulator, http)
    assert response.status_code == status
    body = response.json()
    assert body["error_code"] == error_code
    assert len(body["request_id"]) == 32
    assert response.headers.get("Retry-After") == retry_after


def test_server_error_gives_the_service_body(emulator: RunningEmulator, http: httpx.Client) -> None:
    emulator.faults.server_error()
    response = devices(emulator, http)
    assert response.status_code == 500
    assert response.json() == {"code": 13000500, "msg": "Internal server error."}


def test_the_next_two_calls_to_one_operation_are_throttled(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.faults.throttle(retry_after=1, times=2, operation="listUserGroups")
    assert devices(emulator, http).status_code == 200
    statuses = [groups(emulator, http).status_code for _ in range(3)]
    assert statuses == [429, 429, 200]
    assert emulator.faults.active() == []


def test_a_fault_without_times_lasts_until_removed(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    fault = emulator.faults.unavailable(retry_after=0)
    assert [groups(emulator, http).status_code for _ in range(3)] == [503, 503, 503]
    assert devices(emulator, http).status_code == 503
    emulator.faults.remove(fault)
    assert groups(emulator, http).status_code == 200


def test_faults_apply_before_authentication_like_a_gateway(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.faults.throttle(times=1)
    assert http.get(GROUPS, params=QUERY).status_code == 429
    assert http.get(GROUPS, params=QUERY).status_code == 401


def test_the_first_matching_fault_decides_and_only_it_is_used(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.faults.bad_gateway(times=1)
    emulator.faults.gateway_timeout(times=1)
    assert [groups(emulator, http).status_code for _ in range(3)] == [502, 504, 200]


def test_latency_delays_the_normal_answer(emulator: RunningEmulator, http: httpx.Client) -> None:
    emulator.faults.latency(0.2, times=1, operation="listBoundDevices")
    started = time.perf_counter()
    response = devices(emulator, http)
    assert time.perf_counter() - started >= 0.2
    assert response.status_code == 200
    assert emulator.faults.active() == []


def test_latency_adds_up_with_another_fault(emulator: RunningEmulator, http: httpx.Client) -> None:
    emulator.faults.latency(0.1, times=1)
    emulator.faults.throttle(times=1)
    started = time.perf_counter()
    assert groups(emulator, http).status_code == 429
    assert time.perf_counter() - started >= 0.1


@pytest.mark.parametrize("operation", ["listUserGroups", "listBoundDevices"])
def test_code_as_a_string(emulator: RunningEmulator, http: httpx.Client, operation: str) -> None:
    emulator.faults.code_as_string(operation=operation)
    response = groups(emulator, http) if operation == "listUserGroups" else devices(emulator, http)
    assert response.status_code == 200
    assert response.json()["code"] == "0"


def test_code_as_a_string_applies_to_service_errors_too(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.faults.code_as_string()
    response = groups(emulator, http, pageSize="0")
    assert response.status_code == 400
    assert response.json()["code"] == "13000102"


@pytest.mark.parametrize("operation", ["listUserGroups", "listBoundDevices"])
def test_a_truncated_response_breaks_off_mid_body(
    emulator: RunningEmulator, http: httpx.Client, operation: str
) -> None:
    emulator.faults.truncated(times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        groups(emulator, http) if operation == "listUserGroups" else devices(emulator, http)
    assert groups(emulator, http).status_code == 200


def test_wrong_type_and_missing_field_break_the_200_body(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.faults.wrong_type(times=2)
    assert isinstance(groups(emulator, http).json()["total"], str)
    assert isinstance(devices(emulator, http).json()["data"], dict)
    emulator.faults.missing_field(times=2)
    assert "total" not in groups(emulator, http).json()
    assert "data" not in devices(emulator, http).json()


def test_an_undocumented_500(emulator: RunningEmulator, http: httpx.Client) -> None:
    emulator.faults.undocumented_500(times=1)
    response = groups(emulator, http)
    assert response.status_code == 500
    assert set(response.json()).isdisjoint({"code", "error_code"})


def test_faults_touch_only_the_operations(emulator: RunningEmulator, http: httpx.Client) -> None:
    emulator.faults.throttle()
    assert http.get("/openapi.yaml").status_code == 200


def test_each_test_starts_without_faults(emulator: RunningEmulator, http: httpx.Client) -> None:
    # The fixture's fresh Faults: whatever earlier tests switched on is gone.
    assert emulator.faults.active() == []
    assert groups(emulator, http).status_code == 200


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"operation": "listEverything"}, "operation must be one of"),
        ({"times": 0}, "times must be 1 or more"),
        ({"retry_after": -1}, "retry_after"),
    ],
)
def test_bad_fault_settings_are_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Faults().add(FaultKind.THROTTLE, **kwargs)  # type: ignore[arg-type]


# --- answers the SDK must survive --------------------------------------------------------


@pytest.mark.parametrize("operation", ["listUserGroups", "listBoundDevices"])
def test_result_error_is_a_200_carrying_the_vendors_parameter_error(
    emulator: RunningEmulator, http: httpx.Client, operation: str
) -> None:
    emulator.faults.result_error(times=1)
    call = groups if operation == "listUserGroups" else devices
    response = call(emulator, http)
    assert response.status_code == 200
    assert response.json() == {"code": 13000102, "msg": "Verify parameters failed."}
    assert call(emulator, http).json()["code"] == 0


def test_result_error_takes_a_code_and_msg_and_comes_after_authentication(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.faults.result_error(code=13000999, msg="Service busy.", times=2)
    assert http.get(GROUPS, params=QUERY).status_code == 401  # the gateway still checks
    answered = groups(emulator, http, pageSize="0")  # even a parameter error becomes it
    assert (answered.status_code, answered.json()) == (
        200,
        {"code": 13000999, "msg": "Service busy."},
    )
    assert emulator.faults.active() == []


def test_gateway_auth_400_replaces_the_answer_before_authentication(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.faults.gateway_auth_400(times=1, operation="listBoundDevices")
    assert groups(emulator, http).status_code == 200
    response = devices(emulator, http)  # good credentials, refused all the same
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "APIGW.0303"
    assert body["error_msg"] == "Incorrect authentication information"
    assert len(body["request_id"]) == 32
    assert devices(emulator, http).status_code == 200


def test_html_502_is_a_proxy_page_not_json(emulator: RunningEmulator, http: httpx.Client) -> None:
    emulator.faults.html_502(times=1)
    response = http.get(
        GROUPS, params=QUERY, headers={**emulator.token_headers(), "X-Traceid": "T" * 58}
    )
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<html>")
    assert "502 Bad Gateway" in response.text
    assert "X-Traceid" not in response.headers  # the proxy never reached the service
    with pytest.raises(ValueError, match="Expecting value"):
        response.json()


def test_repeat_cursor_hands_back_the_cursor_it_was_sent(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    fault = emulator.faults.repeat_cursor(times=2)
    first = groups(emulator, http).json()  # no cursor sent: nothing to repeat, not counted
    assert fault.times == 2
    cursor = first["nextCursor"]
    second = groups(emulator, http, pageCursor=cursor).json()
    assert second["nextCursor"] == cursor
    # The page itself is the right one: a client that loops sees the same groups again.
    again = groups(emulator, http, pageCursor=cursor).json()
    assert again == second
    assert [g["id"] for g in first["userGroupList"]] != [g["id"] for g in second["userGroupList"]]
    assert emulator.faults.active() == []
    assert groups(emulator, http, pageCursor=cursor).json().get("nextCursor") != cursor


def test_repeat_cursor_repeats_even_on_the_last_page(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    first = groups(emulator, http).json()
    emulator.faults.repeat_cursor()
    cursor = first["nextCursor"]
    last = groups(emulator, http, pageCursor=cursor, pageSize="100").json()
    assert len(last["userGroupList"]) == first["total"] - 5
    assert last["nextCursor"] == cursor


def test_repeat_cursor_leaves_devices_and_errors_alone(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.faults.add("repeat-cursor")  # no operation given: it can only mean the groups
    assert devices(emulator, http).json()["code"] == 0
    assert groups(emulator, http, pageCursor="forged").status_code == 400
    assert len(emulator.faults.active()) == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"code": 0}, "code must be a non-zero integer"),
        ({"code": True}, "code must be a non-zero integer"),
        ({"msg": 5}, "msg must be a string"),
    ],
)
def test_bad_result_error_settings_are_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Faults().add(FaultKind.RESULT_ERROR, **kwargs)  # type: ignore[arg-type]


def test_repeat_cursor_cannot_target_devices() -> None:
    with pytest.raises(ValueError, match="repeat-cursor applies to listUserGroups only"):
        Faults().add(FaultKind.REPEAT_CURSOR, operation="listBoundDevices")
