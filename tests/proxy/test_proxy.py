"""koodrive-proxy in front of a second emulator playing the live API: its faults play the
vendor's drift. Everything is real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from koodrive import APIStatusError, KooDrive, ServerError, signing
from koodrive.config import AppCredentials
from koodrive_emulator.faults import FaultKind
from koodrive_emulator.testing import RunningEmulator, running_emulator
from koodrive_proxy.app import DEVIATIONS_HEADER
from koodrive_proxy.capture import Recorder
from koodrive_proxy.server import ProxyServer, running_proxy
from koodrive_proxy.validation import DeviationKind, Validator
from koodrive_spec.reader import Spec

Mode = str  # "token" or "app"


@pytest.fixture
def live() -> Iterator[RunningEmulator]:
    with running_emulator() as emulator:
        yield emulator


def app_credentials(live: RunningEmulator) -> AppCredentials:
    return AppCredentials(live.credentials.app_id, live.credentials.app_secret)


@pytest.fixture
def proxy(live: RunningEmulator) -> Iterator[ProxyServer]:
    with running_proxy(live.base_url, credentials=app_credentials(live)) as server:
        yield server


def sdk(live: RunningEmulator, proxy: ProxyServer, mode: Mode, **options: object) -> KooDrive:
    found = live.credentials
    secrets = (
        {"token": found.token}
        if mode == "token"
        else {"app_id": found.app_id, "app_secret": found.app_secret}
    )
    return KooDrive(
        base_url=proxy.base_url,
        user_id=found.user_id,
        environ={},
        sleep=lambda seconds: None,
        **secrets,  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )


def drift(proxy: ProxyServer) -> dict[str, object]:
    found: dict[str, object] = httpx.get(proxy.base_url + "/_proxy/drift").json()
    return found


@pytest.mark.parametrize("mode", ["token", "app"])
def test_the_sdk_works_through_the_proxy(
    live: RunningEmulator, proxy: ProxyServer, mode: Mode
) -> None:
    direct = KooDrive(
        base_url=live.base_url,
        user_id=live.credentials.user_id,
        token=live.credentials.token,
        environ={},
    )
    through = sdk(live, proxy, mode)

    assert through.devices.list() == direct.devices.list()
    assert list(through.user_groups.list(source_type=0, page_size=2)) == list(
        direct.user_groups.list(source_type=0)
    )
    raw = through.devices.with_raw_response.list()
    assert raw.headers[DEVIATIONS_HEADER] == "0"
    assert raw.request_id  # the target's X-Request-Id is passed on
    assert drift(proxy)["deviations"] == 0
    # The live side saw requests signed for its own host (the proxy re-signed them).
    assert {entry.auth for entry in live.requests} == {"ok"}


@pytest.mark.parametrize("mode", ["token", "app"])
def test_curl_works_through_the_proxy(
    live: RunningEmulator, proxy: ProxyServer, mode: Mode
) -> None:
    path = "/koodrive/ose/v1/backup/device"
    if mode == "token":
        headers = live.token_headers(with_user=True)
    else:  # signed for the proxy's host, as curl pointed at it would be: the proxy re-signs
        headers = live.signed_headers(path)
        headers["Host"] = proxy.base_url.removeprefix("http://")
    command = ["curl", "-s", "--max-time", "10", proxy.base_url + path]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]

    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)

    body = json.loads(done.stdout)
    assert body["code"] == 0
    assert [device["deviceName"] for device in body["data"]] == ["Magic v3", "Magic-v5"]


def test_an_app_signed_request_needs_the_proxys_credentials(live: RunningEmulator) -> None:
    with running_proxy(live.base_url, credentials=None) as bare:
        response = httpx.get(
            bare.base_url + "/koodrive/ose/v1/backup/device",
            headers=live.signed_headers("/koodrive/ose/v1/backup/device"),
        )

    assert response.status_code == 502
    assert "KOODRIVE_APP_ID and KOODRIVE_APP_SECRET" in response.json()["error_msg"]
    assert live.requests == []  # nothing forwarded


@pytest.mark.parametrize(
    ("fault", "operation", "kind", "words"),
    [
        (
            FaultKind.CODE_AS_STRING,
            "listBoundDevices",
            DeviationKind.ALSO_SEEN_AS,
            "body.code is the string '0'",
        ),
        (
            FaultKind.WRONG_TYPE,
            "listBoundDevices",
            DeviationKind.SCHEMA,
            "body.data: must be an array, not an object",
        ),
        (
            FaultKind.WRONG_TYPE,
            "listUserGroups",
            DeviationKind.SCHEMA,
            "body.total: must be an integer, not a string",
        ),
        (
            FaultKind.MISSING_FIELD,
            "listUserGroups",
            DeviationKind.SCHEMA,
            "'total' is a required property",
        ),
        (
            FaultKind.HTML_502,
            "listBoundDevices",
            DeviationKind.NOT_JSON,
            "HTTP 502 body is not JSON (text/html",
        ),
        (FaultKind.UNDOCUMENTED_500, "listBoundDevices", DeviationKind.SCHEMA, "HTTP 500 body"),
        (
            FaultKind.IGNORE_PAGE_SIZE,
            "listUserGroups",
            DeviationKind.PAGE_TOO_LONG,
            "for pageSize=2",
        ),
        (
            FaultKind.NO_TRACE_ECHO,
            "listBoundDevices",
            DeviationKind.NOT_ECHOED,
            "the response echoes none",
        ),
        (
            FaultKind.WRONG_TRACE_ECHO,
            "listUserGroups",
            DeviationKind.NOT_ECHOED,
            "the response echoes '",
        ),
    ],
)
def test_the_drift_report_names_each_deviation_a_fault_introduces(
    live: RunningEmulator,
    proxy: ProxyServer,
    fault: FaultKind,
    operation: str,
    kind: DeviationKind,
    words: str,
) -> None:
    client = sdk(live, proxy, "app", max_retries=0)
    live.faults.add(fault, operation=operation, times=1)

    try:
        if operation == "listBoundDevices":
            client.devices.list()
        else:
            client.user_groups.with_raw_response.list(source_type=0, page_size=2)
    except Exception:
        pass

    report = drift(proxy)
    assert report["by_kind"] == {kind.value: report["deviations"]}, report
    examples = report["examples"][kind.value]  # type: ignore[index]
    assert any(words in example["message"] for example in examples), examples
    assert all(example["operation"] == operation for example in examples)


def test_an_undocumented_status_is_named(live: RunningEmulator) -> None:
    # A spec whose listBoundDevices documents no 429: the throttling fault is then undocumented.
    document = json.loads(json.dumps(Spec.packaged().document))
    del document["paths"]["/koodrive/ose/v1/backup/device"]["get"]["responses"]["429"]
    with running_proxy(
        live.base_url, credentials=app_credentials(live), validator=Validator(Spec(document))
    ) as server:
        live.faults.throttle(retry_after=0, times=1)
        httpx.get(
            server.base_url + "/koodrive/ose/v1/backup/device",
            headers=live.token_headers(with_user=True),
        )
        report = drift(server)

    assert report["by_kind"] == {"undocumented-status": 1}
    assert "HTTP 429 is not a status of listBoundDevices" in str(report["examples"])


def test_a_bad_request_is_named_as_the_applications(
    live: RunningEmulator, proxy: ProxyServer
) -> None:
    response = httpx.get(
        proxy.base_url + "/koodrive/ose/v1/usergroups",
        params={"sourceType": "7", "pageSize": "2", "pageCursor": ""},
        headers=live.token_headers(),
    )

    assert response.status_code == 400  # the live API's own answer, passed on
    report = drift(proxy)
    assert report["by_kind"] == {"invalid-request": 1}
    example = report["examples"]["invalid-request"][0]  # type: ignore[index]
    assert example["side"] == "request"
    assert "sourceType must be" in example["message"]


def test_strict_refuses_a_bad_request_without_forwarding_it(live: RunningEmulator) -> None:
    with running_proxy(live.base_url, credentials=app_credentials(live), strict=True) as strict:
        response = httpx.get(
            strict.base_url + "/koodrive/ose/v1/usergroups",
            params={"sourceType": "0", "pageSize": "500", "pageCursor": ""},
            headers=live.token_headers(),
        )

    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "KOODRIVE.PROXY"
    assert "pageSize must be" in body["error_msg"]
    assert body["deviations"][0]["kind"] == "invalid-request"
    assert live.requests == []


def test_strict_answers_a_deviating_response_with_an_error(live: RunningEmulator) -> None:
    with running_proxy(live.base_url, credentials=app_credentials(live), strict=True) as strict:
        client = sdk(live, strict, "app", max_retries=0)
        assert client.devices.list()  # a clean answer is passed on
        live.faults.code_as_string(times=1)
        with pytest.raises(ServerError) as caught:
            client.devices.list()

    assert caught.value.status_code == 502
    assert caught.value.code == "KOODRIVE.PROXY"
    assert "body.code is the string '0'" in caught.value.message
    assert caught.value.headers[DEVIATIONS_HEADER] == "1"


def test_without_strict_a_deviating_answer_is_passed_on_with_its_count(
    live: RunningEmulator, proxy: ProxyServer
) -> None:
    live.faults.code_as_string(times=1)

    raw = sdk(live, proxy, "token").devices.with_raw_response.list()

    assert raw.status_code == 200
    assert raw.headers[DEVIATIONS_HEADER] == "1"
    assert raw.http_response.json()["code"] == "0"


def test_the_capture_is_a_redacted_har(live: RunningEmulator, tmp_path: Path) -> None:
    recorder = Recorder()
    with running_proxy(
        live.base_url, credentials=app_credentials(live), recorder=recorder
    ) as server:
        for mode in ("token", "app"):
            client = sdk(live, server, mode)
            client.devices.list()
            list(client.user_groups.list(source_type=1))
        live.faults.server_error(times=1)
        with pytest.raises(APIStatusError):
            sdk(live, server, "app", max_retries=0).devices.list()
    recorder.write(tmp_path / "capture.har", tmp_path / "drift.json")

    text = (tmp_path / "capture.har").read_text("utf-8")
    har = json.loads(text)["log"]
    assert har["version"] == "1.2"
    assert len(har["entries"]) == 5
    found = live.credentials
    for secret in (found.token, found.app_secret):
        assert secret not in text
    authorizations = [
        pair["value"]
        for entry in har["entries"]
        for pair in entry["request"]["headers"]
        if pair["name"].lower() == "authorization"
    ]
    assert {value.split(" ")[0] for value in authorizations} == {"Bearer", "HMAC-SHA256"}
    for value in authorizations:
        assert value == "Bearer [redacted]" or value.endswith(",Signature=[redacted]")
    first = har["entries"][0]
    assert first["_koodrive"]["operationId"] == "listBoundDevices"
    assert first["request"]["url"].startswith(live.base_url)
    assert json.loads(first["response"]["content"]["text"])["code"] == 0
    assert (tmp_path / "drift.md").read_text("utf-8").startswith("# Drift report")
    assert json.loads((tmp_path / "drift.json").read_text("utf-8"))["exchanges"] == 5


def test_a_target_that_cannot_be_reached_is_a_502_naming_it() -> None:
    with running_proxy("http://127.0.0.1:9") as server:
        response = httpx.get(server.base_url + "/koodrive/ose/v1/backup/device")

    assert response.status_code == 502
    assert "http://127.0.0.1:9 failed" in response.json()["error_msg"]


def test_signatures_are_made_for_the_targets_host(
    live: RunningEmulator, proxy: ProxyServer
) -> None:
    client = sdk(live, proxy, "app")
    client.devices.list()

    (entry,) = live.requests
    assert entry.auth == "ok"
    signed_for = next(value for name, value in entry.headers if name == "host")
    assert signed_for == live.base_url.removeprefix("http://")
    x_date = next(value for name, value in entry.headers if name == "x-date")
    age = datetime.now(UTC) - signing.parse_x_date(x_date)
    assert age.total_seconds() < 60


def test_bytes_go_through_as_bytes(live: RunningEmulator, proxy: ProxyServer) -> None:
    """A header value or query of non-ASCII bytes reaches the target unchanged (and is
    judged there), never a 500 of the proxy."""
    with httpx.Client() as client:
        response = client.get(
            proxy.base_url + "/koodrive/ose/v1/usergroups?sourceType=0&pageSize=2&pageCursor="
            "&groupName=caf%C3%A9",
            headers=[
                *((name.encode(), value.encode()) for name, value in live.token_headers().items()),
                (b"X-Traceid", b"caf\xe9"),  # latin-1: not a trace id the spec allows
            ],
        )

    assert response.status_code == 400  # the live API's own refusal of the trace id
    (entry,) = live.requests
    assert ("groupName", "café") in entry.query
    assert entry.auth == "ok"
    report = drift(proxy)
    assert report["by_kind"] == {"invalid-request": 1}


def test_a_compressed_answer_is_passed_on_decoded(
    live: RunningEmulator, proxy: ProxyServer
) -> None:
    with httpx.Client() as client:
        response = client.get(
            proxy.base_url + "/koodrive/ose/v1/backup/device",
            headers={**live.token_headers(with_user=True), "Accept-Encoding": "br, zstd"},
        )

    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert response.json()["code"] == 0
    (entry,) = live.requests
    assert dict(entry.headers)["accept-encoding"] != "br, zstd"  # httpx asked for its own


def test_a_client_that_leaves_mid_body_is_not_forwarded(
    live: RunningEmulator, proxy: ProxyServer
) -> None:
    host, port = proxy.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(
            b"GET /koodrive/ose/v1/backup/device HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 100\r\n\r\nonly part"
        )
    time.sleep(0.5)  # what the proxy would have forwarded by now

    assert live.requests == []
    assert drift(proxy)["exchanges"] == 0


def test_a_capture_keeps_no_secret_and_no_body_of_what_is_no_operation(
    live: RunningEmulator,
) -> None:
    recorder = Recorder(secrets=[live.credentials.app_secret])
    with running_proxy(
        live.base_url, credentials=app_credentials(live), recorder=recorder
    ) as server:
        httpx.get(
            server.base_url + "/oauth/token",
            params={"client_secret": live.credentials.app_secret},
            headers={"X-Api-Key": "k-123", "Cookie": "session=s3cr3t"},
        )

    text = json.dumps(recorder.har())
    assert live.credentials.app_secret not in text
    assert "k-123" not in text
    assert "s3cr3t" not in text
    (entry,) = recorder.har()["log"]["entries"]
    assert entry["response"]["content"]["text"] == ""
    assert entry["response"]["content"]["comment"] == "not kept: no operation of the spec"


def test_a_range_of_statuses_is_held_to_its_schema(live: RunningEmulator) -> None:
    # A spec that documents listBoundDevices' 500 as "5XX": its body is still checked.
    document = json.loads(json.dumps(Spec.packaged().document))
    responses = document["paths"]["/koodrive/ose/v1/backup/device"]["get"]["responses"]
    responses["5XX"] = responses.pop("500")
    with running_proxy(
        live.base_url, credentials=app_credentials(live), validator=Validator(Spec(document))
    ) as server:
        live.faults.undocumented_500(times=1)
        httpx.get(
            server.base_url + "/koodrive/ose/v1/backup/device",
            headers=live.token_headers(with_user=True),
        )
        report = drift(server)

    assert report["by_kind"] == {"schema": 1}, report
