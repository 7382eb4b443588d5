"""`with_raw_response`, the request id of a success, and per-call extra headers and query,
against the real emulator (which verifies every app signature over the whole query)."""

from __future__ import annotations

import httpx
import pytest
from koodrive import (
    UNSET,
    AsyncKooDrive,
    InvalidArgumentError,
    KooDrive,
    Page,
    RawResponse,
    UserGroupInfo,
)
from koodrive.hooks import AttemptInfo, CallHooks
from koodrive_emulator.testing import RunningEmulator

from tests.sdk.conftest import MakeAsyncClient, MakeClient, Mode, credentials

TRACE_ID = "c" * 58


class Requests(CallHooks):
    """The requests the SDK sent, as signed."""

    def __init__(self) -> None:
        self.sent: list[httpx.Request] = []

    def before_request(self, attempt: AttemptInfo) -> None:
        assert attempt.request is not None
        self.sent.append(attempt.request)


def hooked(emulator: RunningEmulator, mode: Mode, hook: CallHooks) -> KooDrive:
    return KooDrive(
        base_url=emulator.base_url,
        **credentials(emulator, mode),
        hooks=[hook],
        sleep=lambda seconds: None,
        environ={},
    )


# --- raw responses ---------------------------------------------------------------------------


def test_a_raw_call_gives_status_headers_trace_and_request_id(any_client: KooDrive) -> None:
    raw = any_client.devices.with_raw_response.list(trace_id=TRACE_ID)

    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200
    assert raw.operation_id == "listBoundDevices"
    assert raw.trace_id == TRACE_ID
    assert raw.headers["X-Traceid"] == TRACE_ID
    assert raw.request_id == raw.headers["X-Request-Id"]
    assert len(raw.request_id) == 32
    assert raw.retries_taken == 0
    assert raw.parse() == any_client.devices.list()
    assert raw.http_response.json()["code"] == 0


def test_a_raw_call_reports_the_attempt_that_succeeded(
    client: KooDrive, emulator: RunningEmulator
) -> None:
    emulator.faults.throttle(retry_after=0, times=2)

    raw = client.devices.with_raw_response.list()

    assert raw.retries_taken == 2
    assert raw.status_code == 200
    assert raw.parse()


def test_a_raw_paged_call_fetches_one_page(client: KooDrive) -> None:
    raw = client.user_groups.with_raw_response.list(source_type=0, page_size=2)

    page = raw.parse()
    assert isinstance(page, Page)
    assert len(page.items) == 2
    assert all(isinstance(group, UserGroupInfo) for group in page.items)
    assert page.next_cursor is not None
    assert page.request_id == raw.request_id == raw.headers["X-Request-Id"]
    assert raw.operation_id == "listUserGroups"

    resumed = client.user_groups.with_raw_response.list(
        source_type=0, page_size=2, cursor=page.next_cursor
    )
    assert resumed.parse().items[0].id not in {group.id for group in page.items}
    assert resumed.request_id != raw.request_id


def test_raw_errors_are_raised_as_usual(client: KooDrive, emulator: RunningEmulator) -> None:
    emulator.faults.server_error(times=1)

    with pytest.raises(Exception, match="HTTP 500") as caught:
        client.devices.with_raw_response.list(max_retries=0)

    assert caught.value.request_id == caught.value.headers["X-Request-Id"]  # type: ignore[attr-defined]


def test_every_page_carries_its_own_headers_and_request_id(client: KooDrive) -> None:
    pages = list(client.user_groups.list(source_type=0, page_size=2).pages())

    assert len(pages) > 1
    request_ids = [page.request_id for page in pages]
    assert all(request_ids)
    assert len(set(request_ids)) == len(pages)
    for page in pages:
        assert page.headers["X-Request-Id"] == page.request_id
        assert page.headers["X-Traceid"] == page.trace_id


@pytest.mark.anyio
async def test_async_raw_calls(make_async_client: MakeAsyncClient) -> None:
    async with make_async_client("app") as sdk:
        devices = await sdk.devices.with_raw_response.list()
        groups = await sdk.user_groups.with_raw_response.list(source_type=1, page_size=1)

    assert devices.status_code == 200
    assert devices.request_id
    assert devices.parse()
    assert len(groups.parse().items) == 1
    assert groups.parse().request_id == groups.request_id


def test_repr_of_a_raw_response_shows_no_credentials(any_client: KooDrive) -> None:
    raw = any_client.devices.with_raw_response.list()

    text = repr(raw)
    assert "listBoundDevices" in text
    assert raw.request_id is not None
    assert raw.request_id in text
    assert "koodrive-dev" not in text
    assert "Authorization" not in text


def test_the_sentinel_of_a_field_left_out_is_exported_and_reads_as_unset(
    client: KooDrive,
) -> None:
    last = list(client.user_groups.list(source_type=0, page_size=100).pages())[-1]

    assert last.next_cursor is None  # the pager reads the absent nextCursor as None
    assert repr(UNSET) == "UNSET"
    assert not UNSET


# --- extra headers and query ---------------------------------------------------------------


@pytest.mark.parametrize("mode", ["token", "app"])
def test_extras_are_sent_and_signed(emulator: RunningEmulator, mode: Mode) -> None:
    requests = Requests()
    sdk = hooked(emulator, mode, requests)

    groups = list(
        sdk.user_groups.list(
            source_type=0,
            page_size=2,
            extra_headers={"X-Egress-Tag": "team-a"},
            extra_query={"tenant": "blue", "shard": 3},
        )
    )

    # Accepted by the emulator, which checks an app signature over the whole query.
    assert groups
    assert len(requests.sent) > 1
    for request in requests.sent:  # every page
        assert request.headers["X-Egress-Tag"] == "team-a"
        assert request.url.params["tenant"] == "blue"
        assert request.url.params["shard"] == "3"
    if mode == "app":
        assert requests.sent[0].headers["Authorization"].startswith("HMAC-SHA256 ")
    # What the emulator received, from its request journal.
    received = emulator.verify("listUserGroups", count=len(requests.sent), where={"tenant": "blue"})
    assert {entry.auth for entry in received} == {"ok"}
    assert all(("x-egress-tag", "team-a") in entry.headers for entry in received)


@pytest.mark.parametrize(
    ("extras", "message"),
    [
        (
            {"extra_headers": {"Authorization": "Bearer x"}},
            r"extra_headers\['Authorization'\].*auth flow",
        ),
        (
            {"extra_headers": {"x-date": "20250101T000000Z"}},
            r"extra_headers\['x-date'\].*auth flow",
        ),
        ({"extra_headers": {"X-User-Id": "1"}}, r"extra_headers\['X-User-Id'\].*auth flow"),
        ({"extra_headers": {"Host": "evil.example"}}, r"extra_headers\['Host'\].*auth flow"),
        ({"extra_headers": {"X-Traceid": TRACE_ID}}, r"extra_headers\['X-Traceid'\].*trace_id="),
        ({"extra_headers": {"language": "zh-CN"}}, r"extra_headers\['language'\].*language="),
        ({"extra_headers": {"X-Bad": "a\r\nInjected: 1"}}, r"printable ASCII"),
        ({"extra_headers": {"X-Bad": "caf\u00e9"}}, r"printable ASCII"),
        ({"extra_headers": {"Content-Length": "99"}}, r"frames the request"),
        ({"extra_headers": {"Transfer-Encoding": "chunked"}}, r"frames the request"),
        ({"extra_headers": {"Connection": "close"}}, r"frames the request"),
        ({"extra_headers": {"Bad Name": "x"}}, r"is not a header name"),
        ({"extra_headers": {"X-Number": 1}}, r"must be a string"),
        ({"extra_query": {"pageSize": 5}}, r"extra_query\['pageSize'\].*pass page_size="),
        ({"extra_query": {"pageCursor": "x"}}, r"extra_query\['pageCursor'\].*cursor="),
        ({"extra_query": {"sourceType": 1}}, r"extra_query\['sourceType'\].*source_type="),
        ({"extra_query": {"flag": True}}, r"extra_query\['flag'\] must be a string or a number"),
        ({"extra_query": ["tenant"]}, r"extra_query must be a mapping"),
    ],
)
def test_extras_that_would_override_the_sdk_are_refused_before_sending(
    client: KooDrive, emulator: RunningEmulator, extras: dict[str, object], message: str
) -> None:
    requests = Requests()
    sdk = hooked(emulator, "token", requests)

    with pytest.raises(InvalidArgumentError, match=message):
        sdk.user_groups.list(source_type=0, **extras)  # type: ignore[arg-type]

    assert requests.sent == []


def test_devices_own_no_query_parameters_but_the_auth_headers(client: KooDrive) -> None:
    assert client.devices.list(extra_query={"pageSize": "7"})  # not a parameter of devices
    with pytest.raises(InvalidArgumentError, match="X-User-Id"):
        client.devices.list(extra_headers={"X-User-Id": "2"})


@pytest.mark.anyio
async def test_async_extras_are_signed(emulator: RunningEmulator) -> None:
    requests = Requests()
    async with AsyncKooDrive(
        base_url=emulator.base_url,
        **credentials(emulator, "app"),
        hooks=[requests],
        environ={},
    ) as sdk:
        devices = await sdk.devices.list(extra_query={"tenant": "blue"})

    assert devices
    assert requests.sent[0].url.params["tenant"] == "blue"


def test_extras_on_a_client_of_ones_own_are_signed(
    emulator: RunningEmulator, make_client: MakeClient
) -> None:
    own = httpx.Client()
    sdk = KooDrive(
        base_url=emulator.base_url, **credentials(emulator, "app"), http_client=own, environ={}
    )

    assert sdk.devices.list(extra_query={"tenant": "blue"}, extra_headers={"X-Tag": "1"})
    sdk.close()
