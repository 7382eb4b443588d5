"""The writes (issue 28): create, rename and delete a group, bind and unbind a device, sync
and async, in both authentication modes, against the emulator on 127.0.0.1; the body as
sent (compact JSON, UTF-8, signed over the bytes of each attempt); raw responses, extras,
hooks and KOODRIVE_LOG as for the reads."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from koodrive import (
    BadRequestError,
    BoundDeviceEntity,
    ConfigurationError,
    InvalidArgumentError,
    KooDrive,
    RawResponse,
    SourceType,
    UpdateUserGroupRequestTop,
)
from koodrive.hooks import AttemptInfo, CallHooks, Outcome
from koodrive.signing import AppAuthorization, verify
from koodrive_emulator.testing import RunningEmulator

from tests.sdk.conftest import MakeAsyncClient, MakeClient, Mode, credentials

MODES: list[Mode] = ["token", "app"]


def names(client: KooDrive, kind: SourceType = SourceType.GROUP) -> dict[str, str]:
    """Group id -> name, of the user's groups of `kind`."""
    return {group.id: group.group_name for group in client.user_groups.list(source_type=kind)}


# --- the writes, end to end ---------------------------------------------------------------------


def test_a_group_is_created_renamed_and_deleted(any_client: KooDrive) -> None:
    group_id = any_client.user_groups.create(group_name="Design Team", source_type=SourceType.GROUP)

    assert isinstance(group_id, str)
    assert group_id.isdigit()
    assert names(any_client)[group_id] == "Design Team"

    any_client.user_groups.update(
        group_id, group_name="Design", source_type=0, top=UpdateUserGroupRequestTop.PINNED
    )

    assert names(any_client)[group_id] == "Design"

    any_client.user_groups.delete(group_id)
    assert group_id not in names(any_client)


def test_a_device_is_bound_and_unbound(any_client: KooDrive) -> None:
    device = any_client.devices.bind(
        machine_code="sdk_test_01", device_name="Magic v3", device_os="android"
    )

    assert isinstance(device, BoundDeviceEntity)
    assert (device.machine_code, device.device_name, device.device_os) == (
        "sdk_test_01",
        "Magic v3",
        "android",
    )
    assert device.device_id in {d.device_id for d in any_client.devices.list()}
    # Safe to repeat: the same machine code answers the same device.
    assert any_client.devices.bind(machine_code="sdk_test_01").device_id == device.device_id

    unbound = any_client.devices.unbind(device.device_id)

    assert unbound.device_id == device.device_id
    assert device.device_id not in {d.device_id for d in any_client.devices.list()}


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_the_async_client_writes_the_same(
    make_async_client: MakeAsyncClient, mode: Mode
) -> None:
    async with make_async_client(mode) as client:
        group_id = await client.user_groups.create(group_name="Async Team", source_type=1)
        listed = [g async for g in client.user_groups.list(source_type=SourceType.USER_GROUP)]
        assert ("Async Team", group_id) in {(g.group_name, g.id) for g in listed}
        await client.user_groups.update(group_id, group_name="Renamed", source_type=1)
        await client.user_groups.delete(group_id)
        listed = [g async for g in client.user_groups.list(source_type=SourceType.USER_GROUP)]
        assert group_id not in {g.id for g in listed}

        device = await client.devices.bind(machine_code="async_01", device_name="Tab")
        assert device.device_name == "Tab"
        assert (await client.devices.unbind(device.device_id)).device_id == device.device_id


def test_path_arguments_are_positional_and_body_fields_keyword_only(client: KooDrive) -> None:
    group_id = client.user_groups.create(group_name="Positional", source_type=0)
    client.user_groups.update(group_id=group_id, group_name="By keyword too", source_type=0)
    with pytest.raises(TypeError):
        client.user_groups.update(group_id, "no", 0)  # type: ignore[call-arg]
    assert names(client)[group_id] == "By keyword too"


def test_arguments_are_checked_before_anything_is_sent(
    client: KooDrive, emulator: RunningEmulator
) -> None:
    before = len(emulator.requests)
    with pytest.raises(InvalidArgumentError, match=r"source_type must be one of 0 .*; got 7"):
        client.user_groups.create(group_name="x", source_type=7)
    with pytest.raises(InvalidArgumentError, match=r"top must be one of 0 \(.*PINNED\); got 1"):
        client.user_groups.update("1", group_name="x", source_type=0, top=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match=r"group_id must be a path segment, not '\.\.'"):
        client.user_groups.delete("..")
    assert len(emulator.requests) == before


def test_a_body_the_server_refuses_is_a_bad_request_naming_the_field(client: KooDrive) -> None:
    with pytest.raises(BadRequestError, match="groupName") as raised:
        client.user_groups.create(group_name="a/b", source_type=0)

    assert raised.value.code == 13000102


def test_an_unknown_group_is_a_bad_request_not_found(client: KooDrive) -> None:
    with pytest.raises(BadRequestError) as raised:
        client.user_groups.delete("999999999999")

    assert raised.value.code == 13000309
    assert "earlier attempt" not in str(raised.value)  # nothing was retried


# --- the body as sent ---------------------------------------------------------------------------


class Sent:
    """Every request the SDK sent through an httpx client, as it went out (signed)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> None:
        self.requests.append(request)


def ticking_clock() -> Iterator[datetime]:
    """A clock 7 seconds on at every reading: each attempt has an X-Date of its own."""
    moment = datetime.now(UTC) - timedelta(minutes=5)
    while True:
        yield moment
        moment += timedelta(seconds=7)


def signs(request: httpx.Request, payload: bytes, secret: str) -> bool:
    """Whether the request's app signature is the one for `payload` as its body."""
    return verify(
        AppAuthorization.parse(request.headers["Authorization"]),
        app_secret=secret,
        method=request.method,
        path=request.url.path,
        query=request.url.query.decode(),
        headers={name: request.headers[name] for name in ("host", "x-date", "x-user-id")},
        payload=payload,
    )


@pytest.mark.parametrize("mode", MODES)
def test_the_body_is_compact_utf8_json_signed_over_the_bytes_of_each_attempt(
    emulator: RunningEmulator, mode: Mode
) -> None:
    emulator.faults.throttle(retry_after=0, times=1, operation="createUserGroup")
    sent = Sent()
    ticks = ticking_clock()
    client = KooDrive(
        base_url=emulator.base_url,
        **credentials(emulator, mode),
        http_client=httpx.Client(event_hooks={"request": [sent]}),
        clock=lambda: next(ticks),
        sleep=lambda seconds: None,
        environ={},
    )

    group_id = client.user_groups.create(group_name="设计 Ünïcode", source_type=1)

    assert names(client, SourceType.USER_GROUP)[group_id] == "设计 Ünïcode"
    first, second = sent.requests[:2]  # the throttled attempt and its retry
    received = emulator.verify("createUserGroup", count=2)
    assert [entry.body for entry in received] == ['{"groupName":"设计 Ünïcode","sourceType":1}'] * 2
    for request in (first, second):
        assert request.content == '{"groupName":"设计 Ünïcode","sourceType":1}'.encode()
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["Content-Length"] == str(len(request.content))
    if mode == "app":
        secret = emulator.credentials.app_secret
        assert first.headers["X-Date"] != second.headers["X-Date"]  # each attempt signed anew
        for request in (first, second):
            assert signs(request, request.content, secret)
            assert not signs(request, request.content.replace(b"1}", b"0}"), secret)
    client.close()


# --- raw responses, extras, hooks, KOODRIVE_LOG ------------------------------------------------


def test_a_raw_write_gives_the_response_and_the_result(any_client: KooDrive) -> None:
    raw = any_client.user_groups.with_raw_response.create(group_name="Raw", source_type=0)

    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200
    assert raw.operation_id == "createUserGroup"
    assert raw.request_id == raw.headers["X-Request-Id"]
    group_id = raw.parse()
    assert names(any_client)[group_id] == "Raw"
    deleted = any_client.user_groups.with_raw_response.delete(group_id)
    assert deleted.status_code == 200
    assert deleted.parse() is None
    bound = any_client.devices.with_raw_response.bind(machine_code="raw_01")
    assert isinstance(bound.parse(), BoundDeviceEntity)


@pytest.mark.anyio
async def test_a_raw_async_write(make_async_client: MakeAsyncClient) -> None:
    async with make_async_client("app") as client:
        raw = await client.user_groups.with_raw_response.create(group_name="Raw", source_type=0)
        assert raw.status_code == 200
        assert (await client.user_groups.with_raw_response.delete(raw.parse())).parse() is None


@pytest.mark.parametrize("mode", MODES)
def test_extra_headers_and_query_reach_a_write_signed(
    emulator: RunningEmulator, make_client: MakeClient, mode: Mode
) -> None:
    client = make_client(mode)

    group_id = client.user_groups.create(
        group_name="Extras",
        source_type=0,
        extra_headers={"X-Tenant": "blue"},
        extra_query={"probe": 1},
    )

    assert names(client)[group_id] == "Extras"
    [entry] = emulator.verify("createUserGroup", where={"probe": "1"})
    assert entry.parameter("X-Tenant") == "blue"
    assert entry.auth == "ok"


def test_a_write_refuses_extras_that_would_change_its_body(client: KooDrive) -> None:
    with pytest.raises(InvalidArgumentError, match="the SDK sends the body as JSON"):
        client.user_groups.create(
            group_name="x", source_type=0, extra_headers={"Content-Type": "text/plain"}
        )
    with pytest.raises(InvalidArgumentError, match="it frames the request"):
        client.devices.bind(machine_code="x", extra_headers={"Content-Length": "3"})


class Attempts(CallHooks):
    def __init__(self) -> None:
        self.ended: list[tuple[str, int, Outcome, int | None]] = []

    def after_response(self, attempt: AttemptInfo) -> None:
        self.ended.append(
            (attempt.operation_id, attempt.attempt, attempt.outcome, attempt.status_code)
        )

    def on_error(self, attempt: AttemptInfo, error: BaseException) -> None:
        self.after_response(attempt)


def test_hooks_are_told_of_every_attempt_of_a_write(emulator: RunningEmulator) -> None:
    emulator.faults.unavailable(retry_after=0, times=1, operation="updateUserGroup")
    hook = Attempts()
    client = KooDrive(
        base_url=emulator.base_url,
        **credentials(emulator, "token"),
        hooks=[hook],
        sleep=lambda seconds: None,
        environ={},
    )

    group_id = client.user_groups.create(group_name="Hooked", source_type=0)
    client.user_groups.update(group_id, group_name="Hooked again", source_type=0)

    assert hook.ended == [
        ("createUserGroup", 1, Outcome.SUCCESS, 200),
        ("updateUserGroup", 1, Outcome.RETRY, 503),
        ("updateUserGroup", 2, Outcome.SUCCESS, 200),
    ]


WRITING = """
from koodrive import KooDrive
client = KooDrive()
group_id = client.user_groups.create(group_name="Logged", source_type=0)
client.user_groups.delete(group_id)
"""


@pytest.mark.parametrize("mode", MODES)
def test_koodrive_log_shows_each_write_attempt_with_credentials_masked(
    emulator: RunningEmulator, mode: Mode
) -> None:
    emulator.faults.unavailable(retry_after=0, times=1, operation="deleteUserGroup")
    found = emulator.credentials
    variables = {
        "KOODRIVE_BASE_URL": emulator.base_url,
        "KOODRIVE_USER_ID": found.user_id,
        "KOODRIVE_LOG": "debug",
        **(
            {"KOODRIVE_TOKEN": found.token}
            if mode == "token"
            else {"KOODRIVE_APP_ID": found.app_id, "KOODRIVE_APP_SECRET": found.app_secret}
        ),
    }
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")}
    done = subprocess.run(
        [sys.executable, "-c", WRITING],
        env={**environ, **variables},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    log = done.stderr
    assert re.search(r"createUserGroup POST \S+/koodrive/ose/v1/usergroups -> 200 \(attempt 1", log)
    assert re.search(r"deleteUserGroup DELETE \S+/usergroups/[0-9]+ -> 503 \(attempt 1.*retry", log)
    assert re.search(r"deleteUserGroup DELETE \S+ -> 200 \(attempt 2, [0-9.]+ ms, success", log)
    for secret in (found.token, found.app_secret):
        assert secret not in log


# --- what the emulator's journal saw ------------------------------------------------------------


def test_a_write_sends_its_trace_id_and_user_on_the_wire(
    emulator: RunningEmulator, client: KooDrive
) -> None:
    client.devices.bind(machine_code="traced", trace_id="d" * 58)

    [entry] = emulator.verify("bindDevice", count=1)
    assert entry.trace_id == "d" * 58
    assert entry.parameter("X-User-Id") == emulator.credentials.user_id
    assert entry.parameter("content-type") == "application/json"


def test_a_write_without_a_user_is_refused_before_sending(emulator: RunningEmulator) -> None:
    client = KooDrive(base_url=emulator.base_url, token=emulator.credentials.token, environ={})

    with pytest.raises(ConfigurationError, match=r"user_groups\.create\(\) acts for one user"):
        client.user_groups.create(group_name="Nobody's", source_type=0)
    with pytest.raises(ConfigurationError, match="KOODRIVE_USER_ID"):
        client.devices.unbind("1")
    assert emulator.requests == []
