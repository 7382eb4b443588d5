"""The request journal, against the running server: what was received, redacted, bounded,
and `emulator.verify` explaining what it did not find."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx
import pytest
from koodrive import KooDrive
from koodrive_emulator.app import DEVICES_PATH as DEVICES
from koodrive_emulator.app import GROUPS_PATH as GROUPS
from koodrive_emulator.journal import Journal, JournalEntry
from koodrive_emulator.testing import RunningEmulator, running_emulator

if TYPE_CHECKING:
    from tests.emulator.conftest import ServeCli

REQUESTS = "/_emulator/requests"
QUERY = {"pageSize": "5", "pageCursor": "", "sourceType": "0"}
TRACE = "T" * 58


def groups(http: httpx.Client, emulator: RunningEmulator, **params: str) -> httpx.Response:
    headers = {**emulator.token_headers(), "X-Traceid": TRACE}
    return http.get(GROUPS, params={**QUERY, **params}, headers=headers)


def test_a_request_to_an_operation_is_recorded_as_sent_and_answered(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    assert emulator.requests == []  # the fixture's fresh journal
    response = groups(http, emulator, groupName="team")
    assert response.status_code == 200

    [entry] = emulator.requests
    assert (entry.number, entry.method, entry.path, entry.operation) == (
        1,
        "GET",
        GROUPS,
        "listUserGroups",
    )
    assert entry.query == (
        ("pageSize", "5"),
        ("pageCursor", ""),
        ("sourceType", "0"),
        ("groupName", "team"),
    )
    assert ("authorization", "Bearer [redacted]") in entry.headers
    assert (entry.trace_id, entry.attempt) == (TRACE, 1)
    assert (entry.auth, entry.auth_error, entry.fault, entry.status) == ("ok", None, None, 200)
    assert len(entry.request_id) == 32
    assert entry.parameter("pageSize") == "5"
    assert entry.parameter("X-TRACEID") == TRACE  # a header parameter, named in any case
    assert entry.parameter("language") is None


def test_attempts_count_the_requests_of_one_trace_id_to_one_operation(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    groups(http, emulator)
    groups(http, emulator, pageSize="6")
    http.get(DEVICES, headers={**emulator.token_headers(with_user=True), "X-Traceid": TRACE})
    http.get(GROUPS, params=QUERY, headers=emulator.token_headers())  # no trace id
    assert [(e.operation, e.attempt) for e in emulator.requests] == [
        ("listUserGroups", 1),
        ("listUserGroups", 2),
        ("listBoundDevices", 1),
        ("listUserGroups", None),
    ]


def test_the_sdk_keeps_its_trace_id_across_retries(emulator: RunningEmulator) -> None:
    emulator.faults.throttle(retry_after=0, times=2, operation="listUserGroups")
    client = KooDrive(base_url=emulator.base_url, token=emulator.credentials.token)
    listed = list(client.user_groups.list(source_type=0))
    assert len(listed) == len(emulator.backend.groups(emulator.credentials.user_id, 0))
    first_page = emulator.verify("listUserGroups", where={"pageCursor": ""}, count=3)
    assert [e.attempt for e in first_page] == [1, 2, 3]
    assert len({e.trace_id for e in first_page}) == 1
    assert [(e.fault, e.auth, e.status) for e in first_page] == [
        ("throttle", "not checked", 429),
        ("throttle", "not checked", 429),
        (None, "ok", 200),
    ]


def test_the_auth_verdict_and_the_fault_that_acted(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    http.get(GROUPS, params=QUERY, headers={"Authorization": "Bearer wrong"})
    emulator.faults.latency(0.01, times=1)
    groups(http, emulator)
    emulator.faults.result_error(times=1)
    groups(http, emulator)
    refused, delayed, altered = emulator.requests
    assert (refused.auth, refused.status, refused.fault) == ("refused", 401, None)
    assert refused.auth_error is not None
    assert "access token" in refused.auth_error
    assert (delayed.auth, delayed.fault, delayed.status) == ("ok", "latency", 200)
    assert (altered.auth, altered.fault, altered.status) == ("ok", "result-error", 200)


def test_unknown_paths_are_recorded_and_the_emulator_s_own_pages_are_not(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    http.patch(GROUPS, params=QUERY)
    http.get("/koodrive/ose/v1/nothing-here?x=1")
    for path in ("/docs", "/openapi.yaml", "/", "/_emulator/faults", REQUESTS):
        http.get(path)
    assert [(e.method, e.path, e.operation, e.auth, e.status) for e in emulator.requests] == [
        ("PATCH", GROUPS, None, None, 404),
        ("GET", "/koodrive/ose/v1/nothing-here", None, None, 404),
    ]
    assert emulator.requests[1].query == (("x", "1"),)


def test_without_the_admin_api_its_paths_are_unknown_paths() -> None:
    with running_emulator(admin=False) as served, httpx.Client(base_url=served.base_url) as http:
        http.get(REQUESTS)
        assert [(e.path, e.status) for e in served.requests] == [(REQUESTS, 404)]


def test_no_secret_reaches_the_journal_in_python_or_over_http(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    token, secret = emulator.credentials.token, emulator.credentials.app_secret
    query = "pageSize=5&pageCursor=&sourceType=0"
    signed = emulator.signed_headers(GROUPS, query)
    signature = signed["Authorization"].rsplit("Signature=", 1)[1]
    assert http.get(f"{GROUPS}?{query}", headers=signed).status_code == 200
    groups(http, emulator)
    http.get(GROUPS, params=QUERY, headers=emulator.token_headers(plus_form=True))
    # Credentials where they do not belong: a query parameter, a bare token, a cookie.
    http.get(GROUPS, params={**QUERY, "token": token, "secret": secret})
    http.get(GROUPS, params=QUERY, headers={"Authorization": token, "Cookie": f"t={token}"})
    http.get("/elsewhere", headers={"X-Api-Key": secret, "Authorization": f"Basic {token}"})

    in_python = "\n".join(repr(entry) for entry in emulator.requests)
    over_http = http.get(REQUESTS).text
    for shown in (in_python, over_http):
        for value in (token, secret, signature):
            assert value not in shown
    app = next(
        e for e in emulator.requests if (e.parameter("authorization") or "").startswith("HMAC")
    )
    assert app.parameter("authorization") == (
        f"HMAC-SHA256 AppId={emulator.credentials.app_id},"
        "SignedHeaders=host;x-date;x-user-id,Signature=[redacted]"
    )
    assert len(emulator.requests) == 6
    assert "Bearer+[redacted]" in in_python
    assert '["token", "[redacted]"]' in over_http.replace('","', '", "')


def test_the_journal_keeps_the_last_n_and_counts_the_dropped() -> None:
    with running_emulator(journal_size=3) as served, httpx.Client(base_url=served.base_url) as http:
        for size in range(1, 6):
            http.get(
                GROUPS, params={**QUERY, "pageSize": str(size)}, headers=served.token_headers()
            )
        assert [(e.number, e.parameter("pageSize")) for e in served.requests] == [
            (3, "3"),
            (4, "4"),
            (5, "5"),
        ]
        assert served.journal.dropped == 2
        answer = http.get(REQUESTS).json()
        assert (answer["dropped"], answer["size"], len(answer["requests"])) == (2, 3, 3)


def test_journal_size_0_records_nothing() -> None:
    with running_emulator(journal_size=0) as served, httpx.Client(base_url=served.base_url) as http:
        assert http.get(GROUPS, params=QUERY, headers=served.token_headers()).status_code == 200
        assert served.requests == []
        assert http.get(REQUESTS).json() == {"requests": [], "dropped": 0, "size": 0}
        with pytest.raises(AssertionError, match=r"journal is off"):
            served.verify("listUserGroups")


@pytest.mark.parametrize("size", [-1, 1.5, True, "10"])
def test_a_bad_journal_size_is_refused(size: object) -> None:
    with pytest.raises(ValueError, match="journal size must be a whole number, 0 or more"):
        Journal(size)  # type: ignore[arg-type]


# --- verify --------------------------------------------------------------------------------


def test_verify_returns_the_matching_requests(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    groups(http, emulator, pageSize="50")
    groups(http, emulator, pageSize="100")
    groups(http, emulator, pageSize="100", sourceType="1")
    matched = emulator.verify("listUserGroups", where={"pageSize": 100})
    assert [e.number for e in matched] == [2, 3]
    assert [e.number for e in emulator.verify("listUserGroups", count=3)] == [1, 2, 3]
    exact = emulator.verify("listUserGroups", where={"pageSize": 100, "sourceType": 1}, count=1)
    assert [e.number for e in exact] == [3]

    def first_pages(entry: JournalEntry) -> bool:
        return entry.parameter("pageCursor") == ""

    assert len(emulator.verify("listUserGroups", where=first_pages, count=3)) == 3
    assert emulator.verify("listBoundDevices", count=0) == []


def test_verify_explains_the_near_misses(emulator: RunningEmulator, http: httpx.Client) -> None:
    groups(http, emulator)
    groups(http, emulator)
    groups(http, emulator, pageSize="50")
    with pytest.raises(AssertionError) as raised:
        emulator.verify("listUserGroups", where={"pageSize": 100}, count=1)
    assert str(raised.value) == (
        "expected 1 listUserGroups request with pageSize=100; got 0. "
        "Near misses: #1 pageSize=5 (wanted 100); #2 pageSize=5 (wanted 100); "
        "#3 pageSize=50 (wanted 100)"
    )
    with pytest.raises(AssertionError, match=r"#3 groupName absent \(wanted x\)"):
        emulator.verify("listUserGroups", where={"groupName": "x"})
    groups(http, emulator)
    with pytest.raises(
        AssertionError, match=r"expected 2 .* with pageSize=5; got 3: #1, #2, #4\. Near misses: #3 "
    ):
        emulator.verify("listUserGroups", where={"pageSize": 5}, count=2)
    with pytest.raises(AssertionError, match=r"matching the predicate; got 0\. Near misses: #1 "):
        emulator.verify("listUserGroups", where=lambda entry: entry.status == 500)


def test_verify_names_what_was_called_instead(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    with pytest.raises(AssertionError, match=r"got 0\. No request was received at all\.$"):
        emulator.verify("listUserGroups")
    http.get(DEVICES, headers=emulator.token_headers(with_user=True))
    http.get(DEVICES, headers=emulator.token_headers(with_user=True))
    http.get("/nowhere")
    with pytest.raises(AssertionError) as raised:
        emulator.verify("listUserGroups", where={"pageSize": 100})
    assert str(raised.value) == (
        "expected at least 1 listUserGroups request with pageSize=100; got 0. "
        "No listUserGroups request was received; received instead: listBoundDevices (2), "
        "no operation (GET /nowhere) (1)."
    )


def test_verify_refuses_an_operation_the_spec_does_not_have(emulator: RunningEmulator) -> None:
    with pytest.raises(ValueError, match="operation must be one of listBoundDevices"):
        emulator.verify("listUserGroup")
    with pytest.raises(ValueError, match="count must be a whole number"):
        emulator.verify("listUserGroups", count=-1)


# --- over HTTP -----------------------------------------------------------------------------


def test_the_journal_over_http_filters_by_operation_and_clears(
    emulator: RunningEmulator, http: httpx.Client
) -> None:
    groups(http, emulator)
    http.get(DEVICES, headers=emulator.token_headers(with_user=True))
    listed = http.get(REQUESTS)
    assert listed.status_code == 200
    body = listed.json()
    assert [r["operation"] for r in body["requests"]] == ["listUserGroups", "listBoundDevices"]
    first = body["requests"][0]
    assert first == {**emulator.requests[0].to_json(), "time": first["time"]}
    assert first["query"] == [["pageSize", "5"], ["pageCursor", ""], ["sourceType", "0"]]
    assert (first["attempt"], first["auth"], first["status"]) == (1, "ok", 200)
    assert first["time"].endswith("Z")
    only = http.get(REQUESTS, params={"operation": "listBoundDevices"}).json()["requests"]
    assert [r["operation"] for r in only] == ["listBoundDevices"]

    cleared = http.delete(REQUESTS)
    assert (cleared.status_code, cleared.json()) == (200, {"cleared": 2})
    assert emulator.requests == []
    assert http.get(REQUESTS).json()["requests"] == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"operation": "listEverything"}, "operation must be one of listBoundDevices, bindDe"),
        ({"op": "listUserGroups"}, "unknown query parameter 'op'; the only one is operation"),
        ([("operation", "listUserGroups")] * 2, "operation may be given once"),
    ],
)
def test_a_bad_journal_query_is_400_naming_what_is_allowed(
    http: httpx.Client, params: object, message: str
) -> None:
    response = http.get(REQUESTS, params=params)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_the_cli_takes_journal_size(serve_cli: ServeCli) -> None:
    served = serve_cli("--journal-size", "1")
    token = {"Authorization": "Bearer koodrive-dev-token"}
    with httpx.Client(base_url=served.base_url) as http:
        http.get(GROUPS, params=QUERY, headers=token)
        http.get(DEVICES, headers=token)
        body = http.get(REQUESTS).json()
    served.stop()
    assert (body["size"], body["dropped"]) == (1, 1)
    assert [r["operation"] for r in body["requests"]] == ["listBoundDevices"]
    assert "koodrive-dev-token" not in json.dumps(body)
