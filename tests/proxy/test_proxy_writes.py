"""The spec's writes through koodrive-proxy, a second emulator playing the live API: their
bodies judged by the emulator's own body rules, app-signed ones re-signed over their bytes,
their answers held to the spec, their bodies kept in the capture."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from koodrive import KooDrive, ServerError
from koodrive.config import AppCredentials
from koodrive_emulator.faults import FaultKind
from koodrive_emulator.testing import RunningEmulator, running_emulator
from koodrive_proxy.app import DEVIATIONS_HEADER
from koodrive_proxy.capture import Recorder
from koodrive_proxy.server import ProxyServer, running_proxy
from koodrive_proxy.validation import Validator
from koodrive_spec.request_rules import ValidationError

GROUPS = "/koodrive/ose/v1/usergroups"


@pytest.fixture
def live() -> Iterator[RunningEmulator]:
    with running_emulator() as emulator:
        yield emulator


def app_credentials(live: RunningEmulator) -> AppCredentials:
    return AppCredentials(live.credentials.app_id, live.credentials.app_secret)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def proxy(live: RunningEmulator, recorder: Recorder) -> Iterator[ProxyServer]:
    with running_proxy(
        live.base_url, credentials=app_credentials(live), recorder=recorder
    ) as server:
        yield server


def sdk(live: RunningEmulator, proxy: ProxyServer, mode: str, **options: object) -> KooDrive:
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
def test_each_write_goes_through_the_proxy(
    live: RunningEmulator, proxy: ProxyServer, recorder: Recorder, mode: str
) -> None:
    client = sdk(live, proxy, mode)

    group_id = client.user_groups.create(group_name="Proxy Team", source_type=0)
    client.user_groups.update(group_id, group_name="Proxy Team 2", source_type=0)
    names = [group.group_name for group in client.user_groups.list(source_type=0)]
    client.user_groups.delete(group_id)
    device = client.devices.bind(machine_code="proxy_1", device_name="Proxy", device_os="linux")
    client.devices.unbind(device.device_id)

    assert "Proxy Team 2" in names
    assert drift(proxy)["deviations"] == 0
    writes = [entry for entry in live.requests if entry.method != "GET"]
    assert len(writes) == 5
    # The live side checked each signature, over the body's bytes for an app-signed write.
    assert {entry.auth for entry in writes} == {"ok"}
    assert {entry.status for entry in writes} == {200}
    created = next(e for e in recorder.har()["log"]["entries"] if e["request"]["method"] == "POST")
    assert json.loads(created["request"]["postData"]["text"]) == {
        "groupName": "Proxy Team",
        "sourceType": 0,
    }
    assert created["_koodrive"]["operationId"] == "createUserGroup"


def test_a_bad_body_is_named_in_the_drift_report_in_the_emulators_words(
    live: RunningEmulator, proxy: ProxyServer
) -> None:
    body = b'{"groupName": "' + b"x" * 31 + b'", "sourceType": 7, "colour": "red"}'

    response = httpx.post(
        proxy.base_url + GROUPS,
        content=body,
        headers={**live.token_headers(with_user=True), "Content-Type": "application/json"},
    )

    assert response.status_code == 400  # the live API's own answer, passed on
    assert response.headers[DEVIATIONS_HEADER] == "1"
    report = drift(proxy)
    assert report["by_kind"] == {"invalid-request": 1}
    example = report["examples"]["invalid-request"][0]  # type: ignore[index]
    assert example["side"] == "request"
    # The very words the live side (an emulator) answered with: one body validator.
    assert example["message"] == response.json()["msg"]
    for field in ("groupName", "sourceType", "colour"):
        assert field in example["message"]


def test_strict_refuses_a_bad_body_without_forwarding_it(live: RunningEmulator) -> None:
    with running_proxy(live.base_url, credentials=app_credentials(live), strict=True) as strict:
        response = httpx.post(
            strict.base_url + GROUPS,
            json={"sourceType": 0},
            headers=live.token_headers(with_user=True),
        )

    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "KOODRIVE.PROXY"
    assert "groupName is required" in body["error_msg"]
    assert body["deviations"][0]["kind"] == "invalid-request"
    assert live.requests == []


def test_strict_passes_a_good_write_and_holds_its_answer_to_the_spec(
    live: RunningEmulator,
) -> None:
    with running_proxy(live.base_url, credentials=app_credentials(live), strict=True) as strict:
        client = sdk(live, strict, "app", max_retries=0)
        group_id = client.user_groups.create(group_name="Strict", source_type=1)
        client.user_groups.delete(group_id)
        live.faults.code_as_string(times=1, operation="bindDevice")
        with pytest.raises(ServerError, match=r"body\.code is the string '0'"):
            client.devices.bind(machine_code="strict_1")


def test_the_validator_refuses_the_bodies_the_emulator_refuses() -> None:
    validator = Validator()
    rules = validator.rules("bindDevice").body
    headers = {"content-type": "application/json"}
    path = "/koodrive/ose/v1/backup/device"
    for body in (b"", b"[]", b'{"machineCode": 5}', b'{"machineCode": "a", "machineCode": "b"}'):
        _, found = validator.check_request("POST", path, [], headers, body)
        with pytest.raises(ValidationError) as caught:
            rules.parse(body)
        assert [d.message for d in found] == [str(caught.value)]
    _, found = validator.check_request(
        "POST", path, [], {"content-type": "text/plain"}, b'{"machineCode": "a"}'
    )
    assert "Content-Type must be application/json" in found[0].message
    # A read takes no body: one sent is named too.
    _, found = validator.check_request("GET", path, [], {}, b"{}")
    assert "takes no request body" in found[0].message


def test_a_create_answered_without_its_id_is_named(
    live: RunningEmulator, proxy: ProxyServer
) -> None:
    live.faults.add(FaultKind.MISSING_FIELD, operation="createUserGroup", times=1)

    response = httpx.post(
        proxy.base_url + GROUPS,
        json={"groupName": "No Id", "sourceType": 0},
        headers=live.token_headers(with_user=True),
    )

    assert response.status_code == 200  # passed on as the target gave it
    report = drift(proxy)
    assert report["by_kind"] == {"schema": 1}
    example = report["examples"]["schema"][0]  # type: ignore[index]
    assert example["operation"] == "createUserGroup"
    assert "'id' is a required property" in example["message"]


def test_a_secret_in_a_body_is_redacted_in_the_capture(live: RunningEmulator) -> None:
    token = live.credentials.token
    recorder = Recorder(secrets=[token])
    with running_proxy(
        live.base_url, credentials=app_credentials(live), recorder=recorder
    ) as server:
        httpx.post(
            server.base_url + GROUPS,
            json={"groupName": f"see {token}", "sourceType": 0},
            headers=live.token_headers(with_user=True),
        )

    [entry] = recorder.har()["log"]["entries"]
    text = entry["request"]["postData"]["text"]
    assert token not in json.dumps(recorder.har())
    assert json.loads(text)["groupName"] == "see [redacted]"
