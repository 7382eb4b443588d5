"""Parameter validation: 400, code 13000102, a msg naming the parameter; never a 500."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from koodrive_emulator.app import DEVICES_PATH as DEVICES
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.testing import RunningEmulator

GOOD = {"pageSize": "10", "pageCursor": "", "sourceType": "0"}
TRACE_ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789"


def assert_bad_parameter(response: httpx.Response, *words: str) -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == 13000102
    message: str = body["msg"]
    assert message.startswith("Verify parameters failed: ")
    for word in words:
        assert word in message, message
    return message


def without(name: str) -> dict[str, str]:
    return {key: value for key, value in GOOD.items() if key != name}


@pytest.mark.parametrize(
    ("params", "words"),
    [
        (without("pageSize"), ["pageSize is required"]),
        (without("pageCursor"), ["pageCursor is required"]),
        (without("sourceType"), ["sourceType is required"]),
        ({**GOOD, "pageSize": "0"}, ["pageSize must be an integer from 1 to 100"]),
        ({**GOOD, "pageSize": "101"}, ["pageSize must be an integer from 1 to 100"]),
        ({**GOOD, "pageSize": "-1"}, ["pageSize must be an integer from 1 to 100"]),
        ({**GOOD, "pageSize": "1.5"}, ["pageSize must be an integer from 1 to 100"]),
        ({**GOOD, "pageSize": "ten"}, ["pageSize must be an integer from 1 to 100"]),
        ({**GOOD, "pageSize": ""}, ["pageSize must be an integer from 1 to 100"]),
        ({**GOOD, "pageSize": "9" * 5000}, ["pageSize must be an integer from 1 to 100"]),
        ({**GOOD, "sourceType": "2"}, ["sourceType must be 0 (groups) or 1 (user groups)"]),
        ({**GOOD, "sourceType": "group"}, ["sourceType must be 0"]),
        ({**GOOD, "sourceType": "01"}, ["sourceType must be 0"]),  # only the value's spelling
        ({**GOOD, "pageSize": "0" * 11 + "50"}, ["pageSize must be an integer from 1 to 100"]),
        (without("sourceType"), ["sourceType is required (0 for groups, 1 for user groups)"]),
        ({**GOOD, "sourceType": ""}, ["sourceType must be 0"]),
        ({**GOOD, "groupName": ""}, ["groupName must be 1 to 128 characters"]),
        ({**GOOD, "groupName": "x" * 129}, ["groupName must be 1 to 128 characters"]),
        ({**GOOD, "pageCursor": "x" * 1025}, ["pageCursor must be at most 1024 characters"]),
        ({}, ["pageSize is required", "pageCursor is required", "sourceType is required"]),
    ],
)
def test_bad_query_parameters_are_named(
    emulator: RunningEmulator, http: httpx.Client, params: dict[str, str], words: list[str]
) -> None:
    response = http.get(GROUPS, params=params, headers=emulator.token_headers())
    assert_bad_parameter(response, *words)


def test_header_problems_are_told_before_the_query_s(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    headers = {**emulator.token_headers(), "X-Traceid": "short"}
    message = assert_bad_parameter(
        http.get(GROUPS, params={**GOOD, "pageSize": "0"}, headers=headers), "X-Traceid"
    )
    assert message.index("X-Traceid") < message.index("pageSize")


def test_a_repeated_parameter_is_rejected(emulator: RunningEmulator, http: httpx.Client) -> None:
    query = "pageSize=10&pageSize=20&pageCursor=&sourceType=0"
    response = http.get(f"{GROUPS}?{query}", headers=emulator.token_headers())
    assert_bad_parameter(response, "pageSize must be given once")


def test_every_problem_is_reported_at_once(emulator: RunningEmulator, http: httpx.Client) -> None:
    params = {"pageSize": "500", "pageCursor": "", "sourceType": "7"}
    message = assert_bad_parameter(
        http.get(GROUPS, params=params, headers=emulator.token_headers()), "pageSize", "sourceType"
    )
    assert "pageCursor" not in message


@pytest.mark.parametrize(
    ("header", "value", "words"),
    [
        ("X-Traceid", "short", ["X-Traceid must be exactly 58 characters"]),
        ("X-Traceid", TRACE_ID + "0", ["X-Traceid must be exactly 58 characters"]),
        ("X-Traceid", TRACE_ID[:-1] + "-", ["X-Traceid"]),
        ("language", "english", ["language must be a language code"]),
        ("language", "en_US", ["language"]),
    ],
)
@pytest.mark.parametrize("path", [GROUPS, DEVICES])
def test_bad_trace_id_and_language_headers_are_named(
    emulator: RunningEmulator,
    http: httpx.Client,
    path: str,
    header: str,
    value: str,
    words: list[str],
) -> None:
    headers = {**emulator.token_headers(with_user=True), header: value}
    response = http.get(path, params=GOOD if path == GROUPS else None, headers=headers)
    assert_bad_parameter(response, *words)
    assert "X-Traceid" not in response.headers


@pytest.mark.parametrize("language", ["en-US", "zh-CN", "fr", "zh-Hans"])
def test_valid_language_codes_are_accepted(
    emulator: RunningEmulator, http: httpx.Client, language: str
) -> None:
    headers = {**emulator.token_headers(), "language": language}
    assert http.get(GROUPS, params=GOOD, headers=headers).status_code == 200


def test_a_valid_trace_id_is_echoed(emulator: RunningEmulator, http: httpx.Client) -> None:
    headers = {**emulator.token_headers(), "X-Traceid": TRACE_ID}
    response = http.get(GROUPS, params=GOOD, headers=headers)
    assert response.headers["X-Traceid"] == TRACE_ID
    assert (
        "X-Traceid" not in http.get(GROUPS, params=GOOD, headers=emulator.token_headers()).headers
    )


def test_unknown_query_parameters_are_ignored(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    params = {**GOOD, "somethingElse": "1"}
    assert http.get(GROUPS, params=params, headers=emulator.token_headers()).status_code == 200


# Whatever the query string and headers hold, the answer is a documented 200 or 400.
_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
_VALUES = st.one_of(
    _TEXT,
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["", "0", "1", "100", "101", "1e2", " 1", "0x10", "\x00", "%", "%zz"]),
)
_NAMES = st.sampled_from(["pageSize", "pageCursor", "sourceType", "groupName", "other"])


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    pairs=st.lists(st.tuples(_NAMES, _VALUES), max_size=6),
    raw_tail=st.sampled_from(["", "&", "&&", "&=", "&%", "&a=%ff", "&pageSize"]),
    trace=st.one_of(st.none(), st.text(st.sampled_from("aZ9-_é"), min_size=1, max_size=60)),
)
def test_no_query_shape_gives_a_500(
    emulator: RunningEmulator,
    http: httpx.Client,
    pairs: list[tuple[str, str]],
    raw_tail: str,
    trace: str | None,
) -> None:
    query = "&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in pairs) + raw_tail
    headers = emulator.token_headers()
    if trace is not None:
        headers["X-Traceid"] = trace
    response = http.get(
        f"{GROUPS}?{query}", headers={k.encode(): v.encode() for k, v in headers.items()}
    )
    assert response.status_code in (200, 400), response.text
    body = response.json()
    assert body["code"] in (0, 13000102)


# Header bytes h11 will send: visible ASCII and obs-text, spaces only inside.
_VISIBLE = [*range(0x21, 0x7F), *range(0x80, 0x100)]
_HEADER_BYTES = (
    st.lists(st.sampled_from([*_VISIBLE, 0x20]), min_size=1, max_size=80)
    .map(bytes)
    .filter(lambda b: b == b.strip(b" "))
)
_AUTHORIZATIONS = st.one_of(
    _HEADER_BYTES,
    st.sampled_from(
        [
            b"Bearer",
            b"Bearer+",
            b"bearer koodrive-dev-token",
            b"HMAC-SHA256",
            b"HMAC-SHA256 AppId=koodrive-dev-app,SignedHeaders=host;x-date;x-user-id,"
            b"Signature=" + b"0" * 64,
        ]
    ),
    _HEADER_BYTES.map(lambda b: b"Bearer " + b),
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    path=st.sampled_from([GROUPS, DEVICES]),
    authorization=st.one_of(st.none(), _AUTHORIZATIONS),
    user_id=st.one_of(
        st.none(), _HEADER_BYTES, st.integers(0, 10**40).map(lambda n: str(n).encode())
    ),
    x_date=st.one_of(
        st.none(), _HEADER_BYTES, st.sampled_from([b"20251103T070140Z", b"99999999T999999Z"])
    ),
)
def test_no_header_shape_gives_a_500(
    emulator: RunningEmulator,
    http: httpx.Client,
    path: str,
    authorization: bytes | None,
    user_id: bytes | None,
    x_date: bytes | None,
) -> None:
    headers = {
        name: value
        for name, value in (
            (b"Authorization", authorization),
            (b"X-User-Id", user_id),
            (b"X-Date", x_date),
        )
        if value is not None
    }
    response = http.get(path, params=GOOD if path == GROUPS else None, headers=headers)
    assert response.status_code in (200, 400, 401), response.text
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    "path",
    [
        "/%ff",
        "/koodrive/ose/v1/usergroups%2F",
        "//koodrive/ose/v1/usergroups",
        "/koodrive/ose/v1/../v1/usergroups/x/y",  # /usergroups/{groupId} has a GET now
        "/" + "a" * 5000,
        "/docs/assets/../../etc/passwd",
    ],
)
def test_odd_paths_are_404_never_500(http: httpx.Client, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 404
