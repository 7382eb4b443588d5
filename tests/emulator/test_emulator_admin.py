"""The admin API under /_emulator/, against the running server: faults on and off, reset;
and the guards every admin endpoint shares (the journal's and the state's have their own
files)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from koodrive_emulator.app import DEVICES_PATH as DEVICES
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.testing import RunningEmulator, running_emulator

if TYPE_CHECKING:  # the conftest fixture's type; conftest is not imported at run time
    from tests.emulator.conftest import ServeCli

FAULTS = "/_emulator/faults"
RESET = "/_emulator/reset"
REQUESTS = "/_emulator/requests"
STATE = "/_emulator/state"
SNAPSHOTS = "/_emulator/snapshots"
# Every admin endpoint: (method, path, whether it takes a JSON body).
ENDPOINTS = [
    ("GET", FAULTS, False),
    ("POST", FAULTS, True),
    ("DELETE", FAULTS, False),
    ("POST", RESET, False),
    ("GET", REQUESTS, False),
    ("DELETE", REQUESTS, False),
    ("GET", STATE, False),
    ("POST", STATE, True),
    ("PUT", STATE, True),
    ("GET", SNAPSHOTS, False),
    ("POST", f"{SNAPSHOTS}/before", False),
    ("DELETE", f"{SNAPSHOTS}/before", False),
    ("POST", f"{SNAPSHOTS}/before/restore", False),
]
QUERY = "pageSize=5&pageCursor=&sourceType=0"
DEFAULTS = {
    "operation": None,
    "times": None,
    "retry_after": 1,
    "seconds": 0.0,
    "code": 13000102,
    "msg": "Verify parameters failed.",
    "probability": 1.0,
    "distribution": "fixed",
    "max_seconds": None,
}


def list_groups(http: httpx.Client, emulator: RunningEmulator) -> httpx.Response:
    return http.get(f"{GROUPS}?{QUERY}", headers=emulator.token_headers())


def list_devices(http: httpx.Client, emulator: RunningEmulator) -> httpx.Response:
    return http.get(DEVICES, headers=emulator.token_headers(with_user=True))


def test_no_faults_at_first(http: httpx.Client) -> None:
    response = http.get(FAULTS)
    assert (response.status_code, response.json()) == (200, {"faults": []})


def test_a_fault_switched_on_over_http_acts_and_counts_down(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    added = http.post(
        FAULTS,
        json={"kind": "throttle", "times": 2, "retry_after": 3, "operation": "listUserGroups"},
    )
    assert added.status_code == 201, added.text
    expected = {
        **DEFAULTS,
        "kind": "throttle",
        "times": 2,
        "retry_after": 3,
        "operation": "listUserGroups",
    }
    assert added.json() == {"fault": expected}
    assert [f.kind for f in emulator.faults.active()] == ["throttle"]

    assert list_devices(http, emulator).status_code == 200  # another operation
    throttled = list_groups(http, emulator)
    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "3")
    assert http.get(FAULTS).json() == {"faults": [{**expected, "times": 1}]}
    assert list_groups(http, emulator).status_code == 429
    assert list_groups(http, emulator).status_code == 200
    assert http.get(FAULTS).json() == {"faults": []}


def test_every_option_of_the_cli_is_taken(emulator: RunningEmulator, http: httpx.Client) -> None:
    body = {
        "kind": "result-error",
        "code": 13000999,
        "msg": "Service busy, with a comma.",  # which the CLI's form cannot carry
        "times": 1,
        "operation": "listBoundDevices",
    }
    assert http.post(FAULTS, json=body).status_code == 201
    assert http.post(FAULTS, json={"kind": "latency", "seconds": 0.01}).status_code == 201
    answered = list_devices(http, emulator)
    assert (answered.status_code, answered.json()) == (
        200,
        {"code": 13000999, "msg": "Service busy, with a comma."},
    )
    assert [(f["kind"], f["seconds"]) for f in http.get(FAULTS).json()["faults"]] == [
        ("latency", 0.01)
    ]


def test_deleting_switches_every_fault_off(emulator: RunningEmulator, http: httpx.Client) -> None:
    http.post(FAULTS, json={"kind": "server-error"})
    emulator.faults.bad_gateway()  # from Python: the same list
    assert list_groups(http, emulator).status_code == 500
    cleared = http.delete(FAULTS)
    assert (cleared.status_code, cleared.json()) == (200, {"cleared": 2})
    assert emulator.faults.active() == []
    assert list_groups(http, emulator).status_code == 200
    assert http.delete(FAULTS).json() == {"cleared": 0}


def test_faults_never_touch_the_admin_api(emulator: RunningEmulator, http: httpx.Client) -> None:
    """A fault that breaks every operation can still be seen and switched off."""
    for kind in ("server-error", "html-502", "truncated", "wrong-type"):
        assert http.post(FAULTS, json={"kind": kind}).status_code == 201
    assert len(http.get(FAULTS).json()["faults"]) == 4
    assert http.delete(FAULTS).json() == {"cleared": 4}


def test_the_admin_api_needs_no_koodrive_authentication(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.credentials.revoke_token(emulator.credentials.token)
    bogus = {"Authorization": "Bearer not-a-token"}
    assert http.post(FAULTS, json={"kind": "throttle"}, headers=bogus).status_code == 201
    assert http.get(FAULTS).status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kind": "throttle", "times": 0}, "times must be 1 or more"),
        ({"kind": "throttle", "times": "2"}, "times must be a whole number, 1 or more"),
        ({"kind": "throttle", "times": True}, "times must be a whole number, 1 or more"),
        ({"kind": "throttle", "times": 1.5}, "times must be a whole number, 1 or more"),
        ({"kind": "throttle", "retry_after": -1}, "retry_after must be 0 or more seconds"),
        ({"kind": "throttle", "retry_after": None}, "retry_after must be a whole number"),
        ({"kind": "latency", "seconds": -0.5}, "seconds must be a finite number, 0 or more"),
        ({"kind": "latency", "seconds": "soon"}, "seconds must be a number of seconds"),
        ({"kind": "result-error", "code": 0}, "code must be a non-zero integer"),
        ({"kind": "result-error", "code": "13000999"}, "code must be a non-zero whole number"),
        ({"kind": "result-error", "msg": 5}, "msg must be a string"),
        ({"kind": "throttle", "operation": "deleteEverything"}, "operation must be one of"),
        (
            {"kind": "repeat-cursor", "operation": "listBoundDevices"},
            "repeat-cursor applies to listUserGroups only",
        ),
        ({"kind": "throttle", "colour": "red"}, "unknown option 'colour'; options: operation"),
        ({"kind": "explode"}, "kind must be one of: latency, throttle"),
        ({"kind": 5}, "kind must be one of: latency, throttle"),
        ({"times": 2}, "kind is required: one of latency, throttle"),
        ([{"kind": "throttle"}], 'the body must be one JSON object such as {"kind"'),
        ("throttle", 'the body must be one JSON object such as {"kind"'),
    ],
)
def test_a_bad_fault_is_400_naming_the_field_and_what_is_allowed(
    emulator: RunningEmulator, http: httpx.Client, body: Any, message: str
) -> None:
    response = http.post(FAULTS, json=body)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]
    assert emulator.faults.active() == []


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "the body must be one JSON object"),
        (b"{not json", "the body must be one JSON object"),
        (b"\xff\xfe\x00", "the body must be one JSON object"),
        (b'{"kind": "latency", "seconds": NaN}', "NaN is not allowed: numbers must be finite"),
        (b'{"kind": "latency", "seconds": Infinity}', "Infinity is not allowed"),
        # Too large for a float: json reads it as infinity, never calling parse_constant.
        (b'{"kind": "latency", "seconds": 1e400}', "seconds must be a finite number"),
        (b'{"kind": "latency", "seconds": -1e400}', "seconds must be a finite number"),
        (b"[" * 100_000, "the body must be one JSON object"),
    ],
    ids=["empty", "not JSON", "not UTF-8", "NaN", "Infinity", "1e400", "-1e400", "too deep"],
)
def test_a_body_that_is_not_a_json_object_is_400(
    emulator: RunningEmulator, http: httpx.Client, raw: bytes, message: str
) -> None:
    response = http.post(FAULTS, content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]
    assert emulator.faults.active() == []


def test_reset_restores_the_start_state_clears_faults_and_journal_and_renews_tokens(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    user = emulator.credentials.user_id
    at_start = emulator.backend.to_fixtures()
    emulator.clock.freeze(datetime.now(UTC))
    emulator.faults.throttle()
    http.post(FAULTS, json={"kind": "latency", "seconds": 0})
    emulator.backend.add_group(user, group_name="added since")
    emulator.backend.remove_group(user, emulator.backend.groups(user)[0].id)
    assert list_groups(http, emulator).status_code == 429  # journalled
    emulator.clock.advance(20 * 60 + 1)  # the token is now expired...
    assert emulator.faults.active() != []

    reset = http.post(RESET)

    assert (reset.status_code, reset.json()) == (
        200,
        {"state": "reset", "faults_cleared": 2, "requests_cleared": 1, "tokens": "renewed"},
    )
    assert emulator.faults.active() == []
    assert emulator.requests == []
    assert emulator.backend.to_fixtures() == at_start
    response = list_groups(http, emulator)  # ...and alive again
    assert response.status_code == 200, response.text
    assert response.json()["total"] == len(emulator.backend.groups(user, source_type=0))
    assert "added since" not in {g.group_name for g in emulator.backend.groups(user)}


def test_other_methods_and_paths_are_the_gateways_404(http: httpx.Client) -> None:
    for method, path in [
        ("PUT", FAULTS),
        ("GET", RESET),
        ("PATCH", STATE),
        ("GET", f"{SNAPSHOTS}/before"),
        ("GET", "/_emulator/nothing"),
    ]:
        response = http.request(method, path)
        assert (response.status_code, response.json()["error_code"]) == (404, "APIGW.0101")


def test_admin_false_serves_no_admin_api() -> None:
    with (
        running_emulator(admin=False) as served,
        httpx.Client(base_url=served.base_url) as http,
    ):
        served.backend.add_group(served.credentials.user_id, group_name="kept")
        state = served.backend.to_fixtures()
        for method, path, _ in ENDPOINTS:
            response = http.request(method, path, json={"kind": "throttle", "users": []})
            assert (response.status_code, response.json()["error_code"]) == (404, "APIGW.0101")
        assert served.faults.active() == []
        assert served.backend.to_fixtures() == state


def test_the_spec_and_docs_page_do_not_list_the_admin_api(http: httpx.Client) -> None:
    spec = http.get("/openapi.yaml")
    docs = http.get("/docs")
    assert (spec.status_code, docs.status_code) == (200, 200)
    assert "_emulator" not in spec.text
    assert "_emulator" not in docs.text


def test_a_separate_emulator_process_is_driven_over_http(serve_cli: ServeCli) -> None:
    served = serve_cli("--fault", "bad-gateway")
    assert f"admin: {served.base_url}/_emulator/ (faults, requests" in served.banner
    token = {"Authorization": "Bearer koodrive-dev-token"}
    with httpx.Client(base_url=served.base_url) as http:
        assert [f["kind"] for f in http.get(FAULTS).json()["faults"]] == ["bad-gateway"]
        assert http.get(f"{GROUPS}?{QUERY}", headers=token).status_code == 502
        assert http.delete(FAULTS).json() == {"cleared": 1}
        assert http.get(f"{GROUPS}?{QUERY}", headers=token).status_code == 200
        added = http.post(FAULTS, json={"kind": "unavailable", "times": 1, "retry_after": 7})
        assert added.status_code == 201
        unavailable = http.get(f"{GROUPS}?{QUERY}", headers=token)
        assert (unavailable.status_code, unavailable.headers["Retry-After"]) == (503, "7")
        http.post(FAULTS, json={"kind": "throttle"})
        assert http.post(RESET).json()["faults_cleared"] == 1
        assert http.get(f"{GROUPS}?{QUERY}", headers=token).status_code == 200
        bad = http.post(FAULTS, json={"kind": "throttle", "times": -1})
    output = served.stop()
    assert bad.status_code == 400
    assert "Traceback" not in output
    assert f"POST {FAULTS} 201 " in output


def test_no_admin_switches_it_off_in_the_cli(serve_cli: ServeCli) -> None:
    served = serve_cli("--no-admin")
    assert "admin: off (--no-admin)" in served.banner
    with httpx.Client(base_url=served.base_url) as http:
        refused = http.post(FAULTS, json={"kind": "throttle"})
        token = {"Authorization": "Bearer koodrive-dev-token"}
        assert http.get(f"{GROUPS}?{QUERY}", headers=token).status_code == 200
    assert (refused.status_code, refused.json()["error_code"]) == (404, "APIGW.0101")
    served.stop()


# --- a browser's page on another site cannot drive the admin API -------------------------


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]
)
def test_a_fault_body_that_is_not_declared_json_is_415_and_switches_nothing(
    emulator: RunningEmulator, http: httpx.Client, content_type: str | None
) -> None:
    # The content types a browser sends cross-site without a CORS preflight.
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = http.post(FAULTS, content=b'{"kind": "throttle"}', headers=headers)
    assert response.status_code == 415, response.text
    assert "Content-Type must be application/json" in response.json()["error"]
    assert emulator.faults.active() == []


def test_json_with_a_charset_is_accepted(emulator: RunningEmulator, http: httpx.Client) -> None:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    assert http.post(FAULTS, content=b'{"kind": "throttle"}', headers=headers).status_code == 201


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _ in ENDPOINTS])
@pytest.mark.parametrize(
    "browser_headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
    ids=["foreign Origin", "opaque Origin", "cross-site fetch", "same-site fetch"],
)
def test_requests_from_another_site_are_403_and_change_nothing(
    emulator: RunningEmulator,
    http: httpx.Client,
    method: str,
    path: str,
    browser_headers: dict[str, str],
) -> None:
    emulator.faults.add("throttle", operation="listBoundDevices")
    emulator.snapshots["before"] = emulator.backend.snapshot()
    emulator.backend.add_group(emulator.credentials.user_id, group_name="since the snapshot")
    list_devices(http, emulator)
    state = emulator.backend.to_fixtures()
    body = {"kind": "unavailable", "users": [{"id": "1395476983395324099"}]}
    response = http.request(method, path, json=body, headers=browser_headers)
    assert response.status_code == 403, response.text
    assert "from other" in response.json()["error"]
    assert [f.kind for f in emulator.faults.active()] == ["throttle"]
    assert emulator.backend.to_fixtures() == state
    assert list(emulator.snapshots) == ["before"]
    assert len(emulator.requests) == 1


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, body in ENDPOINTS if body])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_every_admin_body_not_declared_json_is_415_and_changes_nothing(
    emulator: RunningEmulator,
    http: httpx.Client,
    method: str,
    path: str,
    content_type: str | None,
) -> None:
    state = emulator.backend.to_fixtures()
    headers = {} if content_type is None else {"Content-Type": content_type}
    body = b'{"kind": "throttle", "users": [{"id": "1395476983395324099"}]}'
    response = http.request(method, path, content=body, headers=headers)
    assert response.status_code == 415, response.text
    assert "Content-Type must be application/json" in response.json()["error"]
    assert emulator.faults.active() == []
    assert emulator.backend.to_fixtures() == state


def test_the_emulator_s_own_origin_is_accepted(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    own = {"Origin": emulator.base_url, "Sec-Fetch-Site": "same-origin"}
    assert http.post(FAULTS, json={"kind": "throttle"}, headers=own).status_code == 201
