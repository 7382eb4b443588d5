"""`http_client=`: the user's own httpx client, with the SDK's auth and hooks installed on it.

Every test sends real requests through the user's client to the emulator on 127.0.0.1;
the recording transports are httpx's own transports, so the bytes really go out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import httpx
import pytest
from koodrive import (
    NOT_GIVEN,
    AsyncKooDrive,
    ConfigurationError,
    KooDrive,
    NotGiven,
    RateLimitError,
    SourceType,
)
from koodrive_emulator.testing import RunningEmulator

Mode = Literal["token", "app"]


class RecordingTransport(httpx.HTTPTransport):
    """httpx's own transport, keeping each request it puts on the wire."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return super().handle_request(request)


class AsyncRecordingTransport(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return await super().handle_async_request(request)


def credentials(emulator: RunningEmulator, mode: Mode) -> dict[str, str]:
    found = emulator.credentials
    if mode == "token":
        return {"token": found.token, "user_id": found.user_id}
    return {"app_id": found.app_id, "app_secret": found.app_secret, "user_id": found.user_id}


def sdk_with(
    emulator: RunningEmulator, http: httpx.Client, *, mode: Mode = "token", **options: object
) -> KooDrive:
    return KooDrive(
        base_url=emulator.base_url,
        http_client=http,
        environ={},
        **credentials(emulator, mode),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )


def expected_authorization(emulator: RunningEmulator, mode: Mode) -> str:
    if mode == "token":
        return f"Bearer {emulator.credentials.token}"
    return (
        f"HMAC-SHA256 AppId={emulator.credentials.app_id},"
        "SignedHeaders=host;x-date;x-user-id,Signature="
    )


@pytest.mark.parametrize("mode", ["token", "app"])
def test_a_user_event_hook_sees_the_signed_request(emulator: RunningEmulator, mode: Mode) -> None:
    seen: list[httpx.Request] = []
    answered: list[int] = []
    transport = RecordingTransport()
    http = httpx.Client(
        transport=transport,
        event_hooks={
            "request": [seen.append],
            "response": [lambda response: answered.append(response.status_code)],
        },
    )

    with sdk_with(emulator, http, mode=mode) as sdk:
        devices = sdk.devices.list()

    assert [d.device_id for d in devices] == [
        d.device_id for d in emulator.backend.devices(emulator.credentials.user_id)
    ]
    (request,) = seen
    assert request.headers["Authorization"].startswith(expected_authorization(emulator, mode))
    assert request.headers["X-User-Id"] == emulator.credentials.user_id
    assert len(request.headers["X-Date"]) == len("20251103T070140Z")
    assert len(request.headers["X-Traceid"]) == 58
    # What the hook saw is what went out, and the emulator accepted it.
    assert transport.sent == [request]
    assert answered == [200]


def test_user_hooks_run_first_and_see_the_error_the_sdk_then_raises(
    emulator: RunningEmulator,
) -> None:
    emulator.faults.throttle(retry_after=0, times=1)
    answered: list[int] = []
    http = httpx.Client(event_hooks={"response": [lambda r: answered.append(r.status_code)]})

    with sdk_with(emulator, http, max_retries=0) as sdk, pytest.raises(RateLimitError):
        sdk.devices.list()

    assert answered == [429]


@pytest.mark.parametrize("mode", ["token", "app"])
def test_the_users_own_requests_carry_no_koodrive_credentials_and_are_left_alone(
    emulator: RunningEmulator, mode: Mode
) -> None:
    transport = RecordingTransport()
    http = httpx.Client(transport=transport)

    with sdk_with(emulator, http, mode=mode) as sdk:
        sdk.devices.list()
        # The same client, used by other code: to another path, and to an operation.
        spec = http.get(f"{emulator.base_url}/openapi.yaml")
        unauthenticated = http.get(
            "/koodrive/ose/v1/usergroups", params={"pageSize": 1, "pageCursor": "", "sourceType": 0}
        )

    sdk_request, *own_requests = transport.sent
    assert "Authorization" in sdk_request.headers
    for request in own_requests:
        assert "Authorization" not in request.headers
        assert "X-User-Id" not in request.headers
    assert spec.status_code == 200
    # Not the SDK's call, so not the SDK's to raise on: httpx hands back the 401 as it is.
    assert unauthenticated.status_code == 401


@pytest.mark.anyio
async def test_async_the_users_own_requests_carry_no_koodrive_credentials(
    emulator: RunningEmulator,
) -> None:
    transport = AsyncRecordingTransport()
    http = httpx.AsyncClient(transport=transport)

    async with AsyncKooDrive(
        base_url=emulator.base_url,
        http_client=http,
        environ={},
        **credentials(emulator, "app"),  # type: ignore[arg-type]
    ) as sdk:
        await sdk.devices.list()
        own = await http.get("/koodrive/ose/v1/backup/device")

    assert transport.sent[0].headers["Authorization"].startswith("HMAC-SHA256 ")
    assert "Authorization" not in transport.sent[1].headers
    assert own.status_code == 401


@pytest.mark.parametrize(("max_retries", "succeeds"), [(1, True), (0, False)])
def test_a_user_hook_that_raises_for_status_still_gets_typed_errors_and_retries(
    emulator: RunningEmulator, sleeps: list[float], max_retries: int, succeeds: bool
) -> None:
    emulator.faults.throttle(retry_after=3, times=1)
    http = httpx.Client(event_hooks={"response": [httpx.Response.raise_for_status]})

    with sdk_with(emulator, http, max_retries=max_retries, sleep=sleeps.append) as sdk:
        if succeeds:
            assert sdk.devices.list() is not None
            assert sleeps == [3.0]  # the Retry-After of the 429 the user's hook raised on
        else:
            with pytest.raises(RateLimitError) as raised:
                sdk.devices.list()
            assert raised.value.status_code == 429
            assert raised.value.retry_after == 3.0


def test_the_user_transport_carries_every_attempt_page_and_derived_client(
    emulator: RunningEmulator, sleeps: list[float]
) -> None:
    emulator.faults.server_error(times=1)
    transport = RecordingTransport()
    http = httpx.Client(transport=transport, headers={"X-Corp-Tag": "finance"})

    with sdk_with(emulator, http, max_retries=1, sleep=sleeps.append) as sdk:
        sdk.devices.list()  # a 500, then a retry
        groups = list(sdk.user_groups.list(source_type=SourceType.GROUP, page_size=2))
        sdk.with_options(max_retries=0).devices.list()

    pages = -(-len(groups) // 2) or 1
    assert len(transport.sent) == 2 + pages + 1
    assert all(r.headers["X-Corp-Tag"] == "finance" for r in transport.sent)
    assert all("Authorization" in r.headers for r in transport.sent)
    assert len(sleeps) == 1


def test_the_sdk_base_url_replaces_the_clients(emulator: RunningEmulator) -> None:
    http = httpx.Client(base_url="http://127.0.0.1:9/elsewhere")

    with sdk_with(emulator, http) as sdk:
        assert sdk.devices.list()
        assert str(http.base_url).rstrip("/") == emulator.base_url


@pytest.mark.parametrize(
    ("headers", "agent_prefix"),
    [({}, "koodrive-sdk-python/"), ({"User-Agent": "corp-sync/2.1"}, "corp-sync/2.1")],
)
def test_a_user_agent_of_the_users_own_is_kept(
    emulator: RunningEmulator, headers: dict[str, str], agent_prefix: str
) -> None:
    transport = RecordingTransport()
    http = httpx.Client(transport=transport, headers=headers)

    with sdk_with(emulator, http) as sdk:
        sdk.devices.list()

    assert transport.sent[0].headers["User-Agent"].startswith(agent_prefix)


@pytest.mark.parametrize(
    ("client_timeout", "argument", "read", "connect"),
    [
        (httpx.Timeout(5.0), NOT_GIVEN, 30.0, 5.0),  # httpx's default: the SDK's default instead
        (httpx.Timeout(12.5), NOT_GIVEN, 12.5, 12.5),  # the user's choice stays
        (httpx.Timeout(12.5), 2.0, 2.0, 2.0),  # timeout= wins
    ],
)
def test_the_clients_own_timeout_is_the_default_for_calls(
    emulator: RunningEmulator,
    client_timeout: httpx.Timeout,
    argument: float | NotGiven,
    read: float,
    connect: float,
) -> None:
    transport = RecordingTransport()
    http = httpx.Client(transport=transport, timeout=client_timeout)

    with sdk_with(emulator, http, timeout=argument) as sdk:
        sdk.devices.list()

        assert (sdk.timeout.read, sdk.timeout.connect) == (read, connect)
    sent = transport.sent[0].extensions["timeout"]
    assert (sent["read"], sent["connect"]) == (read, connect)
    assert http.timeout == client_timeout  # never changed on the client itself


@pytest.mark.parametrize(
    ("client_class", "given", "message"),
    [
        (
            KooDrive,
            httpx.AsyncClient,
            "http_client of KooDrive must be an httpx.Client, not httpx.AsyncClient "
            "(an httpx.AsyncClient goes to AsyncKooDrive)",
        ),
        (
            AsyncKooDrive,
            httpx.Client,
            "http_client of AsyncKooDrive must be an httpx.AsyncClient, not httpx.Client "
            "(an httpx.Client goes to KooDrive)",
        ),
        (
            KooDrive,
            lambda: "http://proxy:3128",
            "http_client of KooDrive must be an httpx.Client, not str",
        ),
    ],
    ids=["async-to-sync", "sync-to-async", "a-string"],
)
def test_the_wrong_kind_of_client_is_a_configuration_error_naming_http_client(
    client_class: type[KooDrive | AsyncKooDrive], given: Callable[[], object], message: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        client_class(base_url="http://127.0.0.1:8750", token="t", http_client=given())  # type: ignore[arg-type]

    assert str(raised.value) == message


def test_a_refused_client_is_left_as_it_was() -> None:
    hook = print
    http = httpx.Client(base_url="http://proxy.example/", event_hooks={"request": [hook]})

    with pytest.raises(ConfigurationError, match="KOODRIVE_TOKEN"):
        KooDrive(base_url="http://127.0.0.1:8750", http_client=http, environ={})

    assert http.auth is None
    assert http.event_hooks == {"request": [hook], "response": []}
    assert str(http.base_url) == "http://proxy.example/"
    assert http.headers["User-Agent"].startswith("python-httpx/")


def test_a_closed_client_is_refused() -> None:
    http = httpx.Client()
    http.close()

    with pytest.raises(ConfigurationError, match="http_client is closed"):
        KooDrive(base_url="http://127.0.0.1:8750", token="t", http_client=http, environ={})


def test_one_client_cannot_serve_two_sdk_clients(emulator: RunningEmulator) -> None:
    transport = RecordingTransport()
    http = httpx.Client(transport=transport)
    with sdk_with(emulator, http, mode="token") as first:
        # The second would put its credentials on the first one's calls.
        with pytest.raises(ConfigurationError, match="http_client already serves another"):
            sdk_with(emulator, http, mode="app")

        first.devices.list()

    assert transport.sent[0].headers["Authorization"] == f"Bearer {emulator.credentials.token}"


def test_closing_the_sdk_closes_the_given_client(emulator: RunningEmulator) -> None:
    http = httpx.Client()

    with sdk_with(emulator, http) as sdk:
        sdk.devices.list()
        assert not http.is_closed

    assert http.is_closed


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["token", "app"])
async def test_async_a_user_hook_sees_the_signed_request_through_the_users_transport(
    emulator: RunningEmulator, mode: Mode
) -> None:
    seen: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        seen.append(request)

    transport = AsyncRecordingTransport()
    http = httpx.AsyncClient(transport=transport, event_hooks={"request": [record]})

    async with AsyncKooDrive(
        base_url=emulator.base_url,
        http_client=http,
        environ={},
        **credentials(emulator, mode),  # type: ignore[arg-type]
    ) as sdk:
        groups = [g.id async for g in sdk.user_groups.list(source_type=1, page_size=2)]

    assert groups == [g.id for g in emulator.backend.groups(emulator.credentials.user_id, 1)]
    assert seen == transport.sent
    assert len(seen) == max(1, -(-len(groups) // 2))
    for request in seen:
        assert request.headers["Authorization"].startswith(expected_authorization(emulator, mode))
    assert http.is_closed
