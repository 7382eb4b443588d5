"""Members and batches against deliberately odd servers on 127.0.0.1 (tests/sdk/
hostile_server.py): the other readings the spec's decisions name (`subResponseList`, ids
as numbers or strings, `code` as digits), offset paging under totals that are off or an
offset that is ignored, and the user ids refused before anything is sent. The emulator,
which answers as the spec says, is in tests/sdk/test_members.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from koodrive import (
    AsyncKooDrive,
    BatchMembersError,
    BatchResult,
    BatchStatus,
    InvalidArgumentError,
    KooDrive,
    MemberInfo,
    MemberRole,
    PaginationError,
    ServerError,
    SourceType,
    WriteAppliedError,
)
from koodrive.retries import Backoff

from tests.sdk.hostile_server import Hostile, Reply, hostile_server, json_reply

USER = "1395476983395324033"
GROUP = "1407237551361847809"
MEMBERS = f"/koodrive/ose/v1/usergroups/{GROUP}/members"


def member(number: int) -> dict[str, Any]:
    return {
        "userId": str(1000 + number),
        "userName": f"user {number}",
        "createdTime": "2024-04-25T06:49:49.000Z",
        "updatedTime": "2024-04-25T06:49:49.000Z",
        "role": 2,
        "top": 0,
    }


def client_for(base_url: str, **options: Any) -> KooDrive:
    options.setdefault("max_retries", 0)
    return KooDrive(base_url=base_url, token="t", user_id=USER, environ={}, **options)


@contextmanager
def serving(answer: Callable[[str], Reply], **options: Any) -> Iterator[tuple[Hostile, KooDrive]]:
    """An odd server answering `answer`, and a client of it."""
    with hostile_server(answer) as server, client_for(server.base_url, **options) as client:
        yield server, client


def query(target: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(target).query).items()}


def members_server(count: int, total: Callable[[int], int]) -> Callable[[str], Reply]:
    """`count` members, offset-paged honestly, but answering `total(count)` as the total."""

    def answer(target: str) -> Reply:
        asked = query(target)
        offset, limit = int(asked["offset"]), int(asked["limit"])
        page = [member(n) for n in range(offset, min(offset + limit, count))]
        body = {"code": 0, "msg": "OK", "total": total(count), "userGroupMemberInfos": page}
        return json_reply(json.dumps(body).encode())

    return answer


def offsets(requests: list[str]) -> list[int]:
    return [int(query(target)["offset"]) for target in requests]


# --- offset paging ------------------------------------------------------------------------------


def test_members_are_walked_by_offset_until_the_total() -> None:
    with serving(members_server(250, lambda n: n)) as (server, client):
        listing = client.user_groups.members.list(GROUP, keyword="user", limit=100)
        found = [m.user_id for m in listing]
        pages = list(listing.pages())
    assert found == [str(1000 + n) for n in range(250)]
    assert offsets(server.requests[:3]) == [0, 100, 200]  # no request past the total
    assert len(server.requests) == 6  # two walks of three pages
    assert query(server.requests[0])["keyWord"] == "user"
    assert [(p.offset, len(p.items), p.total, p.next_cursor) for p in pages] == [
        (0, 100, 250, None),
        (100, 100, 250, None),
        (200, 50, 250, None),
    ]
    assert isinstance(pages[0].items[0], MemberInfo)
    assert pages[0].items[0].role == MemberRole.MEMBER


def test_a_total_too_low_is_followed_until_a_short_page_nothing_skipped() -> None:
    with serving(members_server(250, lambda n: 150)) as (server, client):
        found = [m.user_id for m in client.user_groups.members.list(GROUP, limit=100)]
    assert len(found) == 250
    assert len(set(found)) == 250
    assert offsets(server.requests) == [0, 100, 200]


def test_a_total_too_high_ends_on_the_empty_page_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        serving(members_server(250, lambda n: 400)) as (server, client),
        caplog.at_level("INFO", "koodrive"),
    ):
        found = [m.user_id for m in client.user_groups.members.list(GROUP, limit=100)]
    assert len(found) == 250
    assert offsets(server.requests) == [0, 100, 200, 250]  # the last one answered empty
    assert "total says 400" in caplog.text


def test_an_empty_listing_costs_one_request() -> None:
    with serving(members_server(0, lambda n: n)) as (server, client):
        assert list(client.user_groups.members.list(GROUP)) == []
    assert offsets(server.requests) == [0]
    assert query(server.requests[0])["limit"] == "100"  # the spec's maximum by default


def test_a_server_ignoring_the_offset_is_a_pagination_error_not_an_endless_walk() -> None:
    def answer(target: str) -> Reply:
        body = {"code": 0, "msg": "OK", "total": 10**6, "userGroupMemberInfos": [member(1)]}
        return json_reply(json.dumps(body).encode())

    with (
        serving(answer) as (server, client),
        pytest.raises(PaginationError, match="ignores the offset"),
    ):
        list(client.user_groups.members.list(GROUP, limit=1))
    assert len(server.requests) == 2


def test_a_total_that_is_no_count_is_malformed() -> None:
    def answer(target: str) -> Reply:
        body = {"code": 0, "msg": "OK", "total": -1, "userGroupMemberInfos": []}
        return json_reply(json.dumps(body).encode())

    with (
        serving(answer) as (_server, client),
        pytest.raises(Exception, match="total must be a count"),
    ):
        list(client.user_groups.members.list(GROUP))


@pytest.mark.anyio
async def test_async_members_walk_and_resume_at_an_offset() -> None:
    with hostile_server(members_server(120, lambda n: n)) as server:
        async with AsyncKooDrive(
            base_url=server.base_url, token="t", user_id=USER, environ={}
        ) as client:
            found = [m.user_id async for m in client.user_groups.members.list(GROUP, limit=50)]
            rest = [m.user_id async for m in client.user_groups.members.list(GROUP, offset=100)]
            pages = [p.offset async for p in client.user_groups.members.list(GROUP).pages()]
    assert found == [str(1000 + n) for n in range(120)]
    assert rest == [str(1000 + n) for n in range(100, 120)]
    assert pages == [0, 100]


# --- batch answers, read as the decisions allow ---------------------------------------------------


def batch_server(body: dict[str, Any] | str) -> Callable[[str], Reply]:
    raw = body if isinstance(body, str) else json.dumps(body)
    return lambda target: json_reply(raw.encode())


@pytest.mark.parametrize(
    ("answer", "failed"),
    [
        ({"code": 0, "msg": "OK", "status": 1, "failedList": ["1002"]}, ("1002",)),
        ({"code": 0, "msg": "OK", "status": 1, "failedList": [1002]}, ("1002",)),
        ({"code": "0", "msg": "OK", "status": 1, "failedList": [1002]}, ("1002",)),
        (
            {"code": 0, "msg": "OK", "status": 1, "subResponseList": [{"userId": 1002}]},
            ("1002",),
        ),
        (
            {"code": 0, "msg": "OK", "status": 1, "subResponseList": [{"userId": "1002"}]},
            ("1002",),
        ),
        ('{"code": 0, "msg": "OK", "status": 1, "failedList": [1002]}', ("1002",)),
        # A 19-digit id as a JSON number stays exact.
        (
            '{"code": 0, "msg": "OK", "status": 1, "failedList": [9223372036854775807]}',
            ("9223372036854775807",),
        ),
    ],
    ids=["strings", "numbers", "code-digits", "subResponse-numbers", "subResponse-strings",
         "raw", "int64"],
)  # fmt: skip
def test_a_partial_batch_is_read_in_every_reading_and_raised(
    answer: dict[str, Any] | str, failed: tuple[str, ...]
) -> None:
    with serving(batch_server(answer)) as (server, client):
        with pytest.raises(BatchMembersError) as caught:
            client.user_groups.members.add(GROUP, [1001, "1002"])
        result = client.user_groups.members.add(GROUP, [1001, "1002"], allow_failures=True)
    assert caught.value.result.failed_user_ids == failed
    assert caught.value.status is BatchStatus.PARTLY_SUCCEEDED
    assert "PARTLY_SUCCEEDED" in str(caught.value)
    assert failed[0] in str(caught.value)
    assert isinstance(result, BatchResult)
    assert result.status is BatchStatus.PARTLY_SUCCEEDED
    assert result.failed_user_ids == failed
    assert not result.ok
    assert result.user_ids == ("1001", "1002")
    with pytest.raises(BatchMembersError):
        result.raise_for_failures()
    sent = json.loads(server.bodies[0])
    assert sent == {"amendModRoles": [{"userId": 1001}, {"userId": 1002}]}  # JSON integers


def test_a_batch_that_all_failed_and_one_that_all_succeeded() -> None:
    failed = {"code": 0, "msg": "OK", "status": 2, "failedList": ["1001"]}
    with serving(batch_server(failed)) as (server, client):
        result = client.user_groups.members.remove(GROUP, ["1001"], allow_failures=True)
    assert result.status is BatchStatus.ALL_FAILED
    assert result.succeeded_user_ids == ()
    done = {"code": 0, "msg": "OK", "status": 0, "failedList": []}
    with serving(batch_server(done)) as (server, client):
        result = client.user_groups.members.remove(GROUP, [1001, 1001, "1001"])
    assert result.ok
    assert result.raise_for_failures() is result
    assert result.succeeded_user_ids == ("1001",)
    assert json.loads(server.bodies[0]) == {"amendModRoles": [{"userId": 1001}]}  # once


@pytest.mark.parametrize(
    "answer",
    [
        {"code": 0, "msg": "OK", "status": 0, "failedList": ["1001"]},  # named under success
        {"code": 0, "msg": "OK", "status": 1, "failedList": []},  # a failure naming nobody
    ],
)
def test_a_status_and_a_list_that_disagree_are_a_failure_never_a_success(
    answer: dict[str, Any],
) -> None:
    with serving(batch_server(answer)) as (_server, client), pytest.raises(BatchMembersError):
        client.user_groups.members.add(GROUP, [1001])


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"code": 0, "msg": "OK", "status": 7, "failedList": []}, "status 7"),
        ({"code": 0, "msg": "OK", "status": 1}, "which users failed is unknown"),
        ({"code": 0, "msg": "OK", "status": 1, "failedList": ["x1"]}, "failedList[0]"),
    ],
)
def test_an_unreadable_batch_answer_says_the_batch_was_applied(
    answer: dict[str, Any], problem: str
) -> None:
    with (
        serving(batch_server(answer)) as (_server, client),
        pytest.raises(WriteAppliedError) as caught,
    ):
        client.user_groups.members.add(GROUP, [1001])
    assert problem in str(caught.value)
    assert "the members WERE added" in str(caught.value)


@pytest.mark.anyio
async def test_async_batches_raise_and_allow_failures() -> None:
    answer = {"code": 0, "msg": "OK", "status": 1, "subResponseList": [{"userId": 1002}]}
    with hostile_server(batch_server(answer)) as server:
        async with AsyncKooDrive(
            base_url=server.base_url, token="t", user_id=USER, environ={}
        ) as client:
            with pytest.raises(BatchMembersError) as caught:
                await client.user_groups.members.remove(GROUP, [1001, 1002])
            result = await client.user_groups.members.add(
                GROUP, ["1001", 1002], allow_failures=True
            )
    assert caught.value.failed_user_ids == ("1002",)
    assert result.failed_user_ids == ("1002",)


# --- user ids, refused before anything is sent ------------------------------------------------


@pytest.mark.parametrize(
    ("user_ids", "named"),
    [
        (["12a"], "user_ids[0]"),
        ([1001, -5], "user_ids[1]"),
        ([1001, 0], "user_ids[1]"),
        ([True], "user_ids[0]"),
        ([1.5], "user_ids[0]"),
        ([None], "user_ids[0]"),
        ([2**63], "user_ids[0]"),
        (["\uff11\uff12"], "user_ids[0]"),  # full-width digits are not ASCII digits
        ("1001", "user_ids must be a list"),
        (1001, "user_ids must be a list"),
        ([], "at least 1"),
        (range(1, 202), "at most 200"),
    ],
)
def test_a_bad_user_id_is_refused_before_any_request(user_ids: Any, named: str) -> None:
    with serving(batch_server({})) as (server, client):
        with pytest.raises(InvalidArgumentError) as caught:
            client.user_groups.members.add(GROUP, user_ids)
        assert isinstance(caught.value, ValueError)
        assert named in str(caught.value)
        with pytest.raises(InvalidArgumentError, match="user_id must be a user id"):
            client.user_groups.update(GROUP, group_name="g", source_type=0, user_id="x", role="1")
    assert server.requests == []


def test_update_sends_the_user_id_as_digits_and_needs_the_role_with_it() -> None:
    ok = {"code": 0, "msg": "OK"}
    with serving(batch_server(ok)) as (server, client):
        client.user_groups.update(
            GROUP, group_name="g", source_type=SourceType.GROUP, user_id=1001, role="1"
        )
        with pytest.raises(InvalidArgumentError, match="user_id and role go together"):
            client.user_groups.update(GROUP, group_name="g", source_type=0, user_id=1001)
        with pytest.raises(InvalidArgumentError, match="role must be one of"):
            client.user_groups.update(GROUP, group_name="g", source_type=0, user_id=1, role="0")
    assert json.loads(server.bodies[0]) == {
        "groupName": "g",
        "sourceType": 0,
        "userId": "1001",
        "role": "1",
    }
    assert len(server.requests) == 1


# --- retries follow the spec's safe-to-repeat ---------------------------------------------------


def test_a_batch_is_retried_after_a_5xx_and_a_create_never() -> None:
    answers = iter(
        [
            json_reply(b'{"code": 500, "msg": "busy"}', status=503),
            json_reply(b'{"code": 0, "msg": "OK", "status": 0, "failedList": []}'),
        ]
    )
    sleeps: list[float] = []
    retrying = {"max_retries": 2, "backoff": Backoff(), "sleep": sleeps.append}
    with serving(lambda target: next(answers), **retrying) as (server, client):
        assert client.user_groups.members.add(GROUP, [1001]).ok
    assert len(server.requests) == 2
    assert len(sleeps) == 1

    busy = json_reply(b'{"code": 500, "msg": "busy"}', status=503)
    with serving(lambda target: busy, **retrying) as (server, client):
        with pytest.raises(ServerError, match="not safe to repeat"):
            client.user_groups.create(group_name="g", source_type=0)
        with pytest.raises(ServerError):
            client.user_groups.members.remove(GROUP, [1001])
    creates = [t for t in server.requests if not t.endswith("batchDelete")]
    assert len(creates) == 1  # the create: sent once
    assert len(server.requests) - len(creates) == 3  # the batch: sent, then retried twice
