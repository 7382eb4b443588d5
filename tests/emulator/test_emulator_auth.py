"""Authentication against the running server: tokens, the HMAC app signature, X-Date."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from koodrive import signing
from koodrive_emulator.app import DEVICES_PATH as DEVICES
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.testing import RunningEmulator

from tests.emulator.raw_http import raw_exchange

QUERY = "pageSize=10&pageCursor=&sourceType=0"
PINNED = datetime(2025, 11, 3, 7, 1, 40, tzinfo=UTC)


def assert_auth_failure(response: httpx.Response, *words: str) -> str:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error_code"] == "APIGW.0303"
    assert len(body["request_id"]) == 32
    int(body["request_id"], 16)
    message: str = body["error_msg"]
    for word in words:
        assert word in message, message
    return message


@pytest.mark.parametrize("plus_form", [False, True], ids=["Bearer space", "Bearer+"])
def test_both_bearer_forms_are_accepted(
    emulator: RunningEmulator, http: httpx.Client, plus_form: bool
) -> None:
    response = http.get(f"{GROUPS}?{QUERY}", headers=emulator.token_headers(plus_form=plus_form))
    assert response.status_code == 200, response.text


def test_a_token_acts_for_its_own_user(emulator: RunningEmulator, http: httpx.Client) -> None:
    other = "1395476983395324034"
    emulator.credentials.add_token("second-user-token", other)
    response = http.get(f"{GROUPS}?{QUERY}", headers={"Authorization": "Bearer second-user-token"})
    assert response.status_code == 200
    names = [g["groupName"] for g in response.json()["userGroupList"]]
    assert names == [g.group_name for g in emulator.backend.groups(other, source_type=0)]


@pytest.mark.parametrize(
    ("authorization", "words"),
    [
        (None, ["Authorization header is missing"]),
        ("", ["Authorization header is missing"]),
        ("Bearer+", ["access token after 'Bearer' is empty"]),
        ("Bearer wrong-token", ["access token is not valid"]),
        ("Basic dXNlcjpwYXNz", ["Bearer <access token>", "HMAC-SHA256"]),
        ("koodrive-dev-token", ["Bearer <access token>"]),
        ("HMAC-SHA256 nonsense", ["HMAC-SHA256 AppId="]),
    ],
)
def test_bad_tokens_and_schemes_are_401_with_the_gateway_body(
    emulator: RunningEmulator, http: httpx.Client, authorization: str | None, words: list[str]
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    message = assert_auth_failure(http.get(f"{GROUPS}?{QUERY}", headers=headers), *words)
    assert "wrong-token" not in message


def test_a_revoked_token_stops_working(emulator: RunningEmulator, http: httpx.Client) -> None:
    emulator.credentials.revoke_token(emulator.credentials.token)
    assert_auth_failure(http.get(f"{GROUPS}?{QUERY}", headers=emulator.token_headers()))


def test_app_signature_is_accepted_on_both_operations(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    groups = http.get(f"{GROUPS}?{QUERY}", headers=emulator.signed_headers(GROUPS, QUERY))
    devices = http.get(DEVICES, headers=emulator.signed_headers(DEVICES))
    assert (groups.status_code, devices.status_code) == (200, 200), groups.text + devices.text


def test_app_acts_for_the_user_in_x_user_id(emulator: RunningEmulator, http: httpx.Client) -> None:
    other = "1395476983395324034"
    response = http.get(DEVICES, headers=emulator.signed_headers(DEVICES, user_id=other))
    assert [d["deviceId"] for d in response.json()["data"]] == [
        d.device_id for d in emulator.backend.devices(other)
    ]


def test_an_unknown_user_is_served_empty_state(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    response = http.get(DEVICES, headers=emulator.signed_headers(DEVICES, user_id="42"))
    assert response.status_code == 200
    assert response.json()["data"] == []


def test_an_app_limited_to_some_users_cannot_act_for_others(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.credentials.add_app("narrow-app", "narrow-secret", users=["1395476983395324034"])
    allowed = emulator.signed_headers(
        DEVICES, user_id="1395476983395324034", app_id="narrow-app", app_secret="narrow-secret"
    )
    denied = emulator.signed_headers(DEVICES, app_id="narrow-app", app_secret="narrow-secret")
    assert http.get(DEVICES, headers=allowed).status_code == 200
    assert_auth_failure(http.get(DEVICES, headers=denied), "may not act for")


def _tamper(headers: dict[str, str], **changes: str) -> dict[str, str]:
    return {**headers, **changes}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("wrong secret", ["signature mismatch"]),
        ("other user after signing", ["signature mismatch"]),
        ("other query after signing", ["signature mismatch"]),
        ("other path after signing", ["signature mismatch"]),
        ("unknown app", ["unknown AppId"]),
        ("signature not hex", ["Signature=<64 lower-case hex digits>"]),
        ("x-user-id not signed", ["SignedHeaders must include", "x-user-id"]),
        ("signed header absent", ["lacks"]),
    ],
)
def test_a_wrong_signature_is_401_and_never_echoes_the_signature(
    emulator: RunningEmulator, http: httpx.Client, change: str, words: list[str]
) -> None:
    path, query = GROUPS, QUERY
    headers = emulator.signed_headers(GROUPS, QUERY)
    if change == "wrong secret":
        headers = emulator.signed_headers(GROUPS, QUERY, app_secret="not-the-secret")
    elif change == "other user after signing":
        headers = _tamper(headers, **{"X-User-Id": "1395476983395324034"})
    elif change == "other query after signing":
        query = "pageSize=11&pageCursor=&sourceType=0"
    elif change == "other path after signing":
        path = DEVICES
    elif change == "unknown app":
        headers = emulator.signed_headers(GROUPS, QUERY, app_id="no-such-app")
    elif change == "signature not hex":
        headers["Authorization"] = headers["Authorization"][:-64] + "Z" * 64
    else:
        names = (
            "host;x-date" if change == "x-user-id not signed" else "host;x-date;x-trace;x-user-id"
        )
        authorization = signing.AppAuthorization.parse(headers["Authorization"])
        headers["Authorization"] = signing.AppAuthorization(
            authorization.app_id, tuple(names.split(";")), authorization.signature
        ).header_value()
    response = http.get(f"{path}?{query}", headers=headers)
    message = assert_auth_failure(response, *words)
    signature = headers["Authorization"].rpartition("Signature=")[2]
    assert signature not in response.text
    assert emulator.credentials.app_secret not in message


@pytest.mark.parametrize(
    ("header", "value", "words"),
    [
        ("X-User-Id", None, ["X-User-Id header is missing"]),
        ("X-User-Id", "12ab", ["X-User-Id must be a string of 1 to 32 digits"]),
        ("X-Date", None, ["X-Date header is missing"]),
        ("X-Date", "2025-11-03T07:01:40Z", ["yyyyMMdd'T'HHmmss'Z'"]),
        ("X-Date", "20251303T070140Z", ["yyyyMMdd'T'HHmmss'Z'"]),
    ],
)
def test_missing_or_malformed_user_and_date_headers_are_401_in_app_mode(
    emulator: RunningEmulator,
    http: httpx.Client,
    header: str,
    value: str | None,
    words: list[str],
) -> None:
    headers = emulator.signed_headers(GROUPS, QUERY)
    if value is None:
        del headers[header]
    else:
        headers[header] = value
    assert_auth_failure(http.get(f"{GROUPS}?{QUERY}", headers=headers), *words)


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (timedelta(0), True),
        (timedelta(minutes=-15), True),
        (timedelta(minutes=-15, seconds=-1), False),
        (timedelta(seconds=1), False),
        (timedelta(hours=5), False),
    ],
    ids=["now", "15 min old", "15 min 1 s old", "1 s ahead", "5 h ahead"],
)
def test_x_date_must_lie_in_the_15_minutes_up_to_the_server_clock(
    emulator: RunningEmulator, http: httpx.Client, offset: timedelta, accepted: bool
) -> None:
    emulator.clock.freeze(PINNED)
    headers = emulator.signed_headers(GROUPS, QUERY, x_date=PINNED + offset)
    response = http.get(f"{GROUPS}?{QUERY}", headers=headers)
    if accepted:
        assert response.status_code == 200, response.text
    else:
        assert_auth_failure(response, "X-Date", "server clock")


def test_a_signature_expires_as_the_server_clock_moves(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.clock.freeze(PINNED)
    headers = emulator.signed_headers(GROUPS, QUERY)
    assert http.get(f"{GROUPS}?{QUERY}", headers=headers).status_code == 200
    emulator.clock.advance(15 * 60 + 1)
    assert_auth_failure(http.get(f"{GROUPS}?{QUERY}", headers=headers), "expired")


def test_list_bound_devices_needs_user_and_date_with_a_token_too(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    assert_auth_failure(http.get(DEVICES, headers=emulator.token_headers()), "X-User-Id")
    headers = emulator.token_headers(with_user=True)
    assert http.get(DEVICES, headers=headers).status_code == 200
    del headers["X-Date"]
    assert_auth_failure(http.get(DEVICES, headers=headers), "X-Date header is missing")


def test_list_bound_devices_with_a_token_checks_x_date_and_the_user(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    emulator.clock.freeze(PINNED)
    stale = {
        **emulator.token_headers(with_user=True),
        "X-Date": signing.format_x_date(PINNED - timedelta(minutes=16)),
    }
    assert_auth_failure(http.get(DEVICES, headers=stale), "X-Date")
    other_user = {**emulator.token_headers(with_user=True), "X-User-Id": "1395476983395324034"}
    assert_auth_failure(http.get(DEVICES, headers=other_user), "not the user")


def test_list_user_groups_with_a_token_needs_no_user_or_date(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    response = http.get(f"{GROUPS}?{QUERY}", headers=emulator.token_headers())
    assert response.status_code == 200


def test_authentication_is_checked_before_parameters(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    assert_auth_failure(http.get(f"{GROUPS}?pageSize=0"), "Authorization header is missing")


# --- duplicated credential headers -------------------------------------------------------


def _with_copy_first(headers: dict[str, str], name: str, value: str) -> list[tuple[str, str]]:
    """`headers` as a header list with another `name: value` line before the real one."""
    return [(name, value), *headers.items()]


def test_a_fresh_x_date_before_an_expired_signature_is_refused(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    expired = emulator.signed_headers(
        GROUPS, QUERY, x_date=emulator.clock.now() - timedelta(minutes=30)
    )
    fresh = signing.format_x_date(emulator.clock.now())
    response = http.get(f"{GROUPS}?{QUERY}", headers=_with_copy_first(expired, "X-Date", fresh))
    assert_auth_failure(response, "X-Date header is sent more than once")


def test_another_user_before_a_signed_user_id_is_refused(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    signed = emulator.signed_headers(GROUPS, QUERY)
    other = "1395476983395324034"
    response = http.get(f"{GROUPS}?{QUERY}", headers=_with_copy_first(signed, "X-User-Id", other))
    assert_auth_failure(response, "X-User-Id header is sent more than once")


@pytest.mark.parametrize("name", ["Authorization", "X-Date", "X-User-Id", "Host"])
@pytest.mark.parametrize("mode", ["token", "app"])
def test_every_credential_header_sent_twice_is_refused_naming_it(
    emulator: RunningEmulator, name: str, mode: str
) -> None:
    headers = (
        emulator.token_headers(with_user=True)
        if mode == "token"
        else emulator.signed_headers(DEVICES)
    )
    headers["Host"] = emulator.base_url.removeprefix("http://")
    # The very same value twice: neither copy is an attack, yet the server cannot know
    # which one a signer meant, so it refuses the request. (A raw socket: httpx refuses
    # to send two Host lines.)
    lines = [*headers.items(), (name, headers[name])]
    status, body = raw_exchange(emulator.base_url, "GET", DEVICES, lines)
    assert status == 401, body
    document = json.loads(body)
    assert document["error_code"] == "APIGW.0303"
    assert f"{name} header is sent more than once" in document["error_msg"]


def test_a_duplicated_signed_header_beyond_the_required_ones_is_refused(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    headers = {
        "Host": emulator.base_url.removeprefix("http://"),
        "X-Date": signing.format_x_date(emulator.clock.now()),
        "X-User-Id": emulator.credentials.user_id,
        "X-Traceid": "a" * 58,
    }
    authorization = signing.sign(
        app_id=emulator.credentials.app_id,
        app_secret=emulator.credentials.app_secret,
        method="GET",
        path=DEVICES,
        query="",
        headers=headers,
        payload=b"",
        signed_headers=("host", "x-date", "x-user-id", "x-traceid"),
    )
    lines = [
        ("X-Traceid", "b" * 58),
        *headers.items(),
        ("Authorization", authorization.header_value()),
    ]
    response = http.get(DEVICES, headers=lines)
    assert_auth_failure(response, "signed header is sent more than once (x-traceid)")
