"""Retrying writes. The vendor has no idempotency key: a write that may have reached the
server is sent again only where openapi.yaml declares it safe to repeat
(`x-koodrive-behaviour` `safe-to-repeat`); a create is not. A request that provably never
left the client, or that the gateway throttled, may be sent again. Against the emulator's
faults on 127.0.0.1 (apply-then-drop: the write is made, then the connection reset) and
a raw server that answers what the emulator never would."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable

import httpx
import pytest
from koodrive import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AsyncKooDrive,
    AttemptInfo,
    Backoff,
    BadRequestError,
    CallHooks,
    GatewayRateLimitError,
    KooDrive,
    MalformedResponseError,
    Outcome,
    RateLimitError,
    ServerError,
    SourceType,
    WriteAppliedError,
)
from koodrive.retries import is_retryable, never_processed
from koodrive_emulator.testing import RunningEmulator
from koodrive_resources.user_groups import _USER_GROUPS_CREATE, _USER_GROUPS_DELETE

from tests.sdk.conftest import MakeAsyncClient, MakeClient, Mode
from tests.sdk.hostile_server import Reply, drip, hostile_server, json_reply

MODES: list[Mode] = ["token", "app"]
USER = "1395476983395324033"


def named(emulator: RunningEmulator, name: str) -> list[str]:
    """The ids of the default user's groups called `name`, in the emulator's own state."""
    user = emulator.credentials.user_id
    return [group.id for group in emulator.backend.groups(user) if group.group_name == name]


# --- what the spec declares ---------------------------------------------------------------------


def test_safe_to_repeat_is_generated_from_the_spec_per_operation() -> None:
    assert _USER_GROUPS_CREATE.safe_to_repeat is False
    assert _USER_GROUPS_DELETE.safe_to_repeat is True
    assert _USER_GROUPS_CREATE.write is not None
    assert _USER_GROUPS_CREATE.write.effect == "create"


def _status(kind: type[APIError], status: int, code: int | str) -> APIError:
    return kind(  # type: ignore[call-arg]
        "x", status_code=status, code=code, trace_id=None, request_id=None, headers=httpx.Headers()
    )


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (APIConnectionError("refused", trace_id=None, request_sent=False), True),
        (APIConnectionError("reset", trace_id=None), False),
        (_status(GatewayRateLimitError, 429, "APIGW.0308"), True),
        (_status(RateLimitError, 429, 13000429), False),  # not the gateway's: may be processed
        (_status(ServerError, 503, "x"), False),  # Retry-After or not: may have been applied
        (_status(ServerError, 500, 13000500), False),
        (_status(BadRequestError, 400, 13000102), False),
    ],
)
def test_what_a_write_not_safe_to_repeat_is_retried_after(error: APIError, retried: bool) -> None:
    assert is_retryable(error, safe_to_repeat=False) is retried
    assert is_retryable(error) is not isinstance(error, BadRequestError)  # a safe one: as reads


# --- a create is not safe to repeat -------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_create_applied_then_dropped_is_raised_not_retried_and_made_once(
    emulator: RunningEmulator, make_client: MakeClient, sleeps: list[float], mode: Mode
) -> None:
    emulator.faults.add("apply-then-drop", operation="createUserGroup", times=1)
    client = make_client(mode, max_retries=3)

    with pytest.raises(APIConnectionError) as raised:
        client.user_groups.create(group_name="Dropped once", source_type=0)

    assert raised.value.request_sent is True
    assert "user_groups.create() is not safe to repeat" in str(raised.value)
    assert "the user group may have been created; look with user_groups.list()" in str(raised.value)
    emulator.verify("createUserGroup", count=1)
    assert len(named(emulator, "Dropped once")) == 1  # made, and made once
    assert sleeps == []


@pytest.mark.anyio
async def test_the_async_client_does_not_repeat_a_create_either(
    emulator: RunningEmulator, make_async_client: MakeAsyncClient
) -> None:
    emulator.faults.add("apply-then-drop", operation="createUserGroup", times=1)
    async with make_async_client("app", max_retries=3) as client:
        with pytest.raises(APIConnectionError, match="not safe to repeat"):
            await client.user_groups.create(group_name="Async dropped", source_type=1)

    emulator.verify("createUserGroup", count=1)
    assert len(named(emulator, "Async dropped")) == 1


@pytest.mark.parametrize(
    "fault", ["unavailable", "server_error", "bad_gateway", "gateway_timeout", "connection_reset"]
)
def test_a_create_is_not_retried_after_what_may_follow_an_applied_write(
    emulator: RunningEmulator, make_client: MakeClient, sleeps: list[float], fault: str
) -> None:
    getattr(emulator.faults, fault)(operation="createUserGroup", times=1)

    with pytest.raises(APIError, match="not safe to repeat"):
        make_client(max_retries=3).user_groups.create(group_name="Once", source_type=0)

    emulator.verify("createUserGroup", count=1)
    assert sleeps == []


def test_a_create_throttled_by_the_gateway_is_retried_after_retry_after(
    emulator: RunningEmulator, make_client: MakeClient, sleeps: list[float]
) -> None:
    emulator.faults.throttle(retry_after=2, times=2, operation="createUserGroup")

    group_id = make_client(max_retries=2).user_groups.create(group_name="Patient", source_type=0)

    assert named(emulator, "Patient") == [group_id]
    assert sleeps == [2.0, 2.0]
    emulator.verify("createUserGroup", count=3)


def test_a_create_that_never_left_the_client_is_retried(sleeps: list[float]) -> None:
    # A port bound but not listening: every connect is refused. Held for the whole test, so
    # no other process (another pytest worker's server) can start listening there meanwhile.
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
        client = KooDrive(
            base_url=f"http://127.0.0.1:{port}",
            token="t",
            user_id=USER,
            max_retries=2,
            sleep=sleeps.append,
            environ={},
        )

        with pytest.raises(APIConnectionError) as raised:
            client.user_groups.create(group_name="Never sent", source_type=0)

    assert raised.value.request_sent is False
    assert "not safe to repeat" not in str(raised.value)
    assert len(sleeps) == 2  # both retries taken


def test_a_pool_timeout_is_never_sent_a_read_timeout_may_be() -> None:
    from koodrive._events import Attempt
    from koodrive._runner import _typed
    from koodrive.hooks import AttemptInfo

    current = Attempt(httpx.Timeout(1.0), 1024, AttemptInfo("createUserGroup", "x", 1, "t"))
    request = httpx.Request("POST", "http://127.0.0.1/x")
    for exc, sent in [
        (httpx.PoolTimeout("pool", request=request), False),
        (httpx.ConnectTimeout("connect", request=request), False),
        (httpx.ConnectError("refused", request=request), False),
        (httpx.ReadTimeout("read", request=request), True),
        (httpx.WriteError("write", request=request), True),
        (httpx.RemoteProtocolError("gone", request=request), True),
    ]:
        error = _typed(exc, "t", current)
        assert isinstance(error, APIConnectionError)
        assert error.request_sent is sent, exc
        assert never_processed(error) is not sent


# --- update, delete, bind, unbind are safe to repeat -------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_an_update_is_retried_like_a_read(
    emulator: RunningEmulator, make_client: MakeClient, sleeps: list[float], mode: Mode
) -> None:
    client = make_client(mode)
    group_id = client.user_groups.create(group_name="Before", source_type=0)
    emulator.faults.add("apply-then-drop", operation="updateUserGroup", times=1)
    emulator.faults.unavailable(retry_after=0, operation="updateUserGroup", times=1)

    client.user_groups.update(group_id, group_name="After", source_type=0)

    assert named(emulator, "After") == [group_id]
    assert len(sleeps) == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_delete_retried_into_not_found_says_an_earlier_attempt_may_have_deleted_it(
    emulator: RunningEmulator, make_client: MakeClient, mode: Mode
) -> None:
    client = make_client(mode)
    group_id = client.user_groups.create(group_name="Doomed", source_type=0)
    emulator.faults.add("apply-then-drop", operation="deleteUserGroup", times=1)

    with pytest.raises(BadRequestError) as raised:
        client.user_groups.delete(group_id)

    assert raised.value.code == 13000309
    assert "an earlier attempt of this call (APIConnectionError, its answer lost) may have" in str(
        raised.value
    )
    assert "deleted the user group already" in str(raised.value)
    assert named(emulator, "Doomed") == []
    emulator.verify("deleteUserGroup", count=2)


@pytest.mark.anyio
async def test_an_unbind_retried_into_not_found_says_so_too(
    emulator: RunningEmulator, make_async_client: MakeAsyncClient
) -> None:
    async with make_async_client("token") as client:
        device = await client.devices.bind(machine_code="doomed_01")
        emulator.faults.add("apply-then-drop", operation="unbindDevice", times=1)
        with pytest.raises(BadRequestError, match="may have deleted the device already"):
            await client.devices.unbind(device.device_id)


def test_a_bind_applied_then_dropped_is_retried_and_answers_the_same_device(
    emulator: RunningEmulator, make_client: MakeClient
) -> None:
    emulator.faults.add("apply-then-drop", operation="bindDevice", times=1)
    client = make_client("app")

    device = client.devices.bind(machine_code="twice_01", device_name="Phone")

    assert [d.device_id for d in client.devices.list() if d.machine_code == "twice_01"] == [
        device.device_id
    ]
    emulator.verify("bindDevice", count=2)


# --- a raw server: what the emulator never answers ----------------------------------------------


def _client(base_url: str, *, max_retries: int = 3) -> KooDrive:
    return KooDrive(
        base_url=base_url,
        token="t",
        user_id=USER,
        max_retries=max_retries,
        sleep=lambda seconds: None,
        environ={},
    )


def test_a_create_answered_without_an_id_says_the_group_was_created_and_is_not_retried() -> None:
    answer = json_reply(b'{"code": 0, "msg": "OK"}')
    with (
        hostile_server(lambda target: answer) as server,
        pytest.raises(WriteAppliedError) as raised,
    ):
        _client(server.base_url).user_groups.create(group_name="No id", source_type=0)

    error = raised.value
    assert isinstance(error, MalformedResponseError)
    assert error.effect == "create"
    assert error.status_code == 200
    assert str(error).startswith(
        "user_groups.create(): the user group WAS created (HTTP 200, code 0), but the response "
        "lacks the required field 'id'; not retried: calling user_groups.create() again makes "
        "a second user group; find this one with user_groups.list()"
    )
    assert len(server.requests) == 1
    assert json.loads(server.bodies[0]) == {"groupName": "No id", "sourceType": 0}


@pytest.mark.anyio
async def test_the_async_create_without_an_id_is_the_same_error() -> None:
    with hostile_server(
        lambda target: json_reply(b'{"code": "0", "msg": "OK", "id": 7}')
    ) as server:
        client = AsyncKooDrive(base_url=server.base_url, token="t", user_id=USER, environ={})
        async with client:
            with pytest.raises(WriteAppliedError, match=r"WAS created .* id must be a string"):
                await client.user_groups.create(group_name="Bad id", source_type=SourceType.GROUP)
    assert len(server.requests) == 1


def test_a_raw_server_that_drops_a_create_gets_it_once() -> None:
    with (
        hostile_server(lambda target: Reply(drop=True)) as server,
        pytest.raises(APIConnectionError, match="may have been created"),
    ):
        _client(server.base_url).user_groups.create(group_name="Lost", source_type=0)
    assert len(server.requests) == 1


def test_a_raw_server_that_drops_a_delete_gets_it_again() -> None:
    with (
        hostile_server(lambda target: Reply(drop=True)) as server,
        pytest.raises(APIConnectionError),
    ):
        _client(server.base_url, max_retries=2).user_groups.delete("17")
    assert len(server.requests) == 3


@pytest.mark.timeout(60)
def test_a_create_past_its_attempt_timeout_is_not_sent_again() -> None:
    """The server got the create and drips its answer: the attempt's deadline ends it, and
    with retries left the create is still not sent again."""
    body = b'{"code": 0, "msg": "OK", "id": "17"}'

    def dripping(target: str) -> Reply:
        return Reply(200, [("Content-Type", "application/json")], drip(body, 0.2), len(body))

    with hostile_server(dripping) as server:
        client = _client(server.base_url, max_retries=3)
        with pytest.raises(APITimeoutError) as raised:
            client.user_groups.create(group_name="Slow", source_type=0, attempt_timeout=0.6)
        assert len(server.requests) == 1

    assert raised.value.request_sent is True
    assert "(attempt_timeout=0.6 s)" in str(raised.value)
    assert "not safe to repeat" in str(raised.value)


def test_a_delete_retried_after_a_server_error_into_not_found_names_that_answer(
    emulator: RunningEmulator, make_client: MakeClient
) -> None:
    """A 500 after the service deleted the group: the retry finds it gone."""
    client = make_client("token")
    group_id = client.user_groups.create(group_name="Half done", source_type=0)
    emulator.backend.delete_group(emulator.credentials.user_id, group_id)  # what the 500 hid
    emulator.faults.server_error(operation="deleteUserGroup", times=1)

    with pytest.raises(
        BadRequestError,
        match=r"\(an earlier attempt of this call \(answered HTTP "
        r"500\) may have deleted the user group already\)",
    ):
        client.user_groups.delete(group_id)


@pytest.mark.timeout(60)
def test_a_create_that_waited_in_vain_for_a_pooled_connection_is_retried(
    emulator: RunningEmulator,
) -> None:
    """One connection, held by a listing the emulator never answers: the create's pool wait
    times out (it never left the client), so it is retried, and made once the connection
    is free."""
    emulator.faults.hang(operation="listBoundDevices", times=1)
    outcomes: list[tuple[int, Outcome]] = []

    class Told(CallHooks):
        def after_response(self, attempt: AttemptInfo) -> None:
            if attempt.operation_id == "createUserGroup":
                outcomes.append((attempt.attempt, attempt.outcome))

        def on_error(self, attempt: AttemptInfo, error: BaseException) -> None:
            self.after_response(attempt)

    found = emulator.credentials
    client = KooDrive(
        base_url=emulator.base_url,
        token=found.token,
        user_id=found.user_id,
        http_client=httpx.Client(limits=httpx.Limits(max_connections=1)),
        timeout=httpx.Timeout(10.0, pool=0.2),
        max_retries=30,
        backoff=Backoff(initial=0.1, maximum=0.1),
        hooks=[Told()],
        environ={},
    )
    held: list[BaseException] = []

    def hold() -> None:
        try:
            client.devices.list(timeout=1.5, max_retries=0)
        except APITimeoutError as error:
            held.append(error)

    holder = threading.Thread(target=hold)
    holder.start()
    assert wait_for(lambda: any(e.operation == "listBoundDevices" for e in emulator.requests))

    group_id = client.user_groups.create(group_name="Pooled", source_type=0)

    holder.join()
    assert len(held) == 1  # the listing held the one connection until its read timed out
    assert named(emulator, "Pooled") == [group_id]
    emulator.verify("createUserGroup", count=1)  # the attempts that timed out never arrived
    assert outcomes[0] == (1, Outcome.RETRY)
    assert outcomes[-1][1] is Outcome.SUCCESS
    assert len(outcomes) >= 3
    client.close()


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True
