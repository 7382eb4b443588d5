"""The SDK against servers that misbehave on purpose, on 127.0.0.1: bodies that never end
or inflate without bound, cursors that loop, bodies of the wrong shape."""

from __future__ import annotations

import gzip
import json
import math
import tracemalloc
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from koodrive import (
    AsyncKooDrive,
    ConfigurationError,
    KooDrive,
    MalformedResponseError,
    PaginationError,
    ResponseTooLargeError,
    SourceType,
)
from koodrive._types import DEFAULT_MAX_RESPONSE_BYTES
from koodrive.pagination import MAX_EMPTY_PAGES_IN_A_ROW

from tests.sdk.hostile_server import Reply, endless, hostile_server, json_reply

USER = "1395476983395324033"
GROUP = {
    "id": "1407237551361847809",
    "groupName": "g",
    "ownerId": USER,
    "createdTime": "2024-04-25T06:49:49.000Z",
    "updatedTime": "2024-04-25T06:49:49.000Z",
}
DEVICE = {
    "deviceId": "1775406005920779393",
    "machineCode": "20250911",
    "deviceOS": "android",
    "deviceName": "Magic v3",
    "createTime": "2024-04-25T06:49:49.000Z",
}


def client_for(base_url: str, **options: Any) -> KooDrive:
    return KooDrive(
        base_url=base_url, token="t", user_id=USER, max_retries=0, environ={}, **options
    )


def _gzip_bomb(inflated: int) -> Iterator[bytes]:
    """A gzip stream of `inflated` zero bytes, compressed as it is sent (about 1000:1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1024 * 1024)
    for _ in range(inflated // len(block)):
        out = compressor.compress(block)
        if out:
            yield out
    yield compressor.flush()


# --- bounded reads -------------------------------------------------------------------------


def test_a_gzip_bomb_stops_at_the_cap_with_a_typed_error_and_bounded_memory() -> None:
    def answer(target: str) -> Reply:
        headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
        return Reply(200, headers, _gzip_bomb(2 * 1024**3))  # 2 GiB inflated, chunked

    with hostile_server(answer) as server, client_for(server.base_url) as client:
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLargeError) as caught:
                client.devices.list()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert caught.value.limit == DEFAULT_MAX_RESPONSE_BYTES
    assert "max_response_bytes" in str(caught.value)
    # The cap plus one inflated chunk, never the 2 GiB.
    assert peak < DEFAULT_MAX_RESPONSE_BYTES + 200 * 1024 * 1024, peak


def test_a_declared_length_past_the_cap_is_refused_before_reading() -> None:
    def answer(target: str) -> Reply:
        return Reply(200, [("Content-Type", "application/json")], endless(b" " * 65536), 50 * 10**6)

    with (
        hostile_server(answer) as server,
        client_for(server.base_url, max_response_bytes=10**6) as client,
        pytest.raises(ResponseTooLargeError, match="Content-Length 50000000"),
    ):
        client.devices.list()


def test_a_body_that_never_ends_stops_at_the_cap() -> None:
    def answer(target: str) -> Reply:
        return Reply(200, [("Content-Type", "application/json")], endless(b"[" * 65536))

    with (
        hostile_server(answer) as server,
        client_for(server.base_url, max_response_bytes=2 * 10**6) as client,
        pytest.raises(ResponseTooLargeError, match="more than 2000000 bytes"),
    ):
        client.devices.list()


@pytest.mark.anyio
async def test_the_async_client_reads_under_the_same_cap() -> None:
    def answer(target: str) -> Reply:
        return Reply(200, [("Content-Type", "application/json")], endless(b"[" * 65536))

    with hostile_server(answer) as server:
        async with AsyncKooDrive(
            base_url=server.base_url,
            token="t",
            user_id=USER,
            environ={},
            max_retries=0,
            max_response_bytes=10**6,
        ) as client:
            with pytest.raises(ResponseTooLargeError):
                await client.devices.list()


def test_a_compressed_body_under_the_cap_is_read_as_usual() -> None:
    body = gzip.compress(json.dumps({"code": 0, "msg": "ok", "data": [DEVICE]}).encode())

    def answer(target: str) -> Reply:
        headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
        return Reply(200, headers, [body], len(body))

    with hostile_server(answer) as server, client_for(server.base_url) as client:
        assert [d.device_id for d in client.devices.list()] == [DEVICE["deviceId"]]


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "10"])
def test_max_response_bytes_must_be_a_positive_whole_number(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="max_response_bytes"):
        client_for("http://127.0.0.1:9", max_response_bytes=value)


# --- paging that cannot loop ---------------------------------------------------------------


def _pages_by_cursor(pages: dict[str, dict[str, Any]]) -> Any:
    def answer(target: str) -> Reply:
        cursor = target.split("pageCursor=")[1].split("&")[0]
        return json_reply(json.dumps(pages[cursor]).encode())

    return answer


def _page(cursor: str | None, items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {"code": 0, "msg": "OK", "total": 9, "userGroupList": items or []}
    if cursor is not None:
        page["nextCursor"] = cursor
    return page


def test_cursors_alternating_a_b_a_are_a_pagination_error() -> None:
    pages = {"": _page("A", [GROUP]), "A": _page("B", [GROUP]), "B": _page("A", [GROUP])}
    with hostile_server(_pages_by_cursor(pages)) as server, client_for(server.base_url) as c:
        listing = c.user_groups.list(source_type=SourceType.GROUP)
        with pytest.raises(PaginationError, match="page 3 carries a nextCursor it had already"):
            list(listing)
    assert len(server.requests) == 3


def test_an_empty_next_cursor_is_not_followed_as_a_fresh_start() -> None:
    pages = {"": _page("A", [GROUP]), "A": _page("", [GROUP])}
    with (
        hostile_server(_pages_by_cursor(pages)) as server,
        client_for(server.base_url) as c,
        pytest.raises(MalformedResponseError, match="nextCursor must be a non-empty"),
    ):
        list(c.user_groups.list(source_type=SourceType.GROUP))


def test_endless_empty_pages_with_fresh_cursors_end_in_a_pagination_error() -> None:
    def answer(target: str) -> Reply:
        cursor = target.split("pageCursor=")[1].split("&")[0]
        return json_reply(json.dumps(_page(f"c{len(cursor)}{cursor[:8]}x" + cursor)).encode())

    with hostile_server(answer) as server, client_for(server.base_url) as c:
        listing = c.user_groups.list(source_type=SourceType.GROUP)
        with pytest.raises(PaginationError, match="empty pages in a row"):
            list(listing)
    assert len(server.requests) == MAX_EMPTY_PAGES_IN_A_ROW + 1


def test_many_empty_pages_before_the_end_are_followed() -> None:
    count = MAX_EMPTY_PAGES_IN_A_ROW
    pages = {"": _page("c0")}
    pages.update({f"c{n}": _page(f"c{n + 1}") for n in range(count - 1)})
    pages[f"c{count - 1}"] = _page(None, [GROUP])
    with hostile_server(_pages_by_cursor(pages)) as server, client_for(server.base_url) as c:
        assert [g.id for g in c.user_groups.list(source_type=SourceType.GROUP)] == [GROUP["id"]]


# --- every failure typed -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (
            {"code": 0, "msg": "ok", "data": [{**DEVICE, "deviceId": 17754}]},
            "data[0].deviceId must be a string, not the number 17754",
        ),
        ({"code": 0, "msg": "ok", "data": {}}, "data must be a JSON array, not an object"),
        (
            {"code": 0, "msg": "ok", "data": [{**DEVICE, "deviceName": None}]},
            "data[0].deviceName must be a string, not null",
        ),
    ],
    ids=["deviceId a number", "data an object", "deviceName null"],
)
def test_a_device_body_of_the_wrong_shape_is_malformed_naming_the_field(
    body: dict[str, Any], named: str
) -> None:
    with (
        hostile_server(lambda _: json_reply(json.dumps(body).encode())) as server,
        client_for(server.base_url) as client,
        pytest.raises(MalformedResponseError) as caught,
    ):
        client.devices.list()
    assert named in str(caught.value)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            {"userGroupList": [{**GROUP, "id": ["1407"]}]},
            "userGroupList[0].id must be a string, not an array",
        ),
        ({"total": "9"}, "total must be an integer, not a string"),
        ({"total": True}, "total must be an integer, not true/false"),
        ({"nextCursor": 5}, "nextCursor must be a string, not the number 5"),
    ],
)
def test_a_groups_page_of_the_wrong_shape_is_malformed_naming_the_field(
    change: dict[str, Any], named: str
) -> None:
    body = {**_page(None, [GROUP]), **change}
    with (
        hostile_server(lambda _: json_reply(json.dumps(body).encode())) as server,
        client_for(server.base_url) as client,
        pytest.raises(MalformedResponseError) as caught,
    ):
        list(client.user_groups.list(source_type=SourceType.GROUP))
    assert named in str(caught.value)


def test_json_nested_beyond_recursion_is_malformed_not_a_recursion_error() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    with (
        hostile_server(lambda _: json_reply(deep)) as server,
        client_for(server.base_url) as c,
        pytest.raises(MalformedResponseError, match="is not JSON"),
    ):
        c.devices.list()


# --- timeouts ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [-1, 0, math.nan, math.inf, float("1e400"), "3", True])
def test_a_timeout_that_is_not_a_positive_finite_number_is_a_configuration_error(
    value: Any,
) -> None:
    with pytest.raises(ConfigurationError, match="timeout"):
        client_for("http://127.0.0.1:9", timeout=value)
    client = client_for("http://127.0.0.1:9")
    with pytest.raises(ConfigurationError, match="timeout"):
        client.with_options(timeout=value)
    with pytest.raises(ConfigurationError, match="timeout"):
        client.devices.list(timeout=value)
