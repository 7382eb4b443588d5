"""client.user_groups.list(): every group across pages, filters, page-level access."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest
from koodrive import (
    AsyncKooDrive,
    BadRequestError,
    InvalidArgumentError,
    KooDrive,
    SourceType,
    UserGroupInfo,
)
from koodrive_emulator.testing import RunningEmulator

USER_GROUP = SourceType.USER_GROUP
GROUP = SourceType.GROUP


def expected_ids(emulator: RunningEmulator, kind: SourceType, name: str | None = None) -> list[str]:
    return [g.id for g in emulator.backend.groups(emulator.credentials.user_id, kind, name)]


@pytest.mark.parametrize("kind", list(SourceType))
def test_lists_every_group_of_a_kind_in_order(
    any_client: KooDrive, emulator: RunningEmulator, kind: SourceType
) -> None:
    groups = list(any_client.user_groups.list(source_type=kind, page_size=2))

    assert all(isinstance(group, UserGroupInfo) for group in groups)
    assert [group.id for group in groups] == expected_ids(emulator, kind)


def test_source_type_may_be_given_as_a_plain_int(
    client: KooDrive, emulator: RunningEmulator
) -> None:
    groups = client.user_groups.list(source_type=1)

    assert [g.id for g in groups] == expected_ids(emulator, USER_GROUP)


def test_group_name_filters_case_insensitively(client: KooDrive, emulator: RunningEmulator) -> None:
    names = [g.group_name for g in client.user_groups.list(source_type=GROUP, group_name="TEAM")]

    assert names
    assert all("team" in name.lower() for name in names)
    assert len(names) == len(expected_ids(emulator, GROUP, "TEAM"))


def test_a_non_ascii_group_name_filter_round_trips(
    any_client: KooDrive, emulator: RunningEmulator
) -> None:
    groups = list(any_client.user_groups.list(source_type=GROUP, group_name="客户"))

    assert [g.group_name for g in groups] == ["客户服务"]


def test_pages_give_total_and_cursors(client: KooDrive, emulator: RunningEmulator) -> None:
    pages = list(client.user_groups.list(source_type=GROUP, page_size=3).pages())

    expected = expected_ids(emulator, GROUP)
    assert {page.total for page in pages} == {len(expected)}
    assert [g.id for page in pages for g in page.items] == expected
    assert all(page.next_cursor for page in pages[:-1])
    assert pages[-1].next_cursor is None


def test_a_listing_resumes_from_a_pages_next_cursor(
    client: KooDrive, emulator: RunningEmulator
) -> None:
    first = next(iter(client.user_groups.list(source_type=GROUP, page_size=4).pages()))
    assert first.next_cursor is not None

    rest = client.user_groups.list(source_type=GROUP, page_size=4, cursor=first.next_cursor)

    assert [g.id for g in first.items] + [g.id for g in rest] == expected_ids(emulator, GROUP)


def test_nothing_is_fetched_before_iteration_and_each_iteration_starts_over(
    client: KooDrive, emulator: RunningEmulator
) -> None:
    emulator.faults.server_error(times=1)  # would fail a request made too early
    listing = client.with_options(max_retries=0).user_groups.list(source_type=USER_GROUP)
    emulator.faults.clear()

    assert [g.id for g in listing] == [g.id for g in listing] == expected_ids(emulator, USER_GROUP)


def test_an_empty_listing_is_one_empty_page(client: KooDrive, emulator: RunningEmulator) -> None:
    pages = list(client.user_groups.list(source_type=GROUP, group_name="no such group").pages())

    assert [(page.items, page.total, page.next_cursor) for page in pages] == [([], 0, None)]


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["token", "app"])
def test_pages_over_ten_thousand_groups_with_short_and_empty_pages(
    make_client: Callable[..., KooDrive], emulator: RunningEmulator, mode: str
) -> None:
    user = emulator.credentials.user_id
    emulator.backend.seed_synthetic(user, groups=30_500)  # a third are user groups
    emulator.paging.short_pages = 0.6
    expected = expected_ids(emulator, USER_GROUP)
    assert len(expected) >= 10_000

    sizes: list[int] = []
    seen: list[str] = []
    for page in make_client(mode).user_groups.list(source_type=USER_GROUP, page_size=100).pages():
        sizes.append(len(page.items))
        seen.extend(group.id for group in page.items)
        assert page.total == len(expected)

    assert seen == expected  # every group once, in order, nothing skipped or repeated
    middle = sizes[:-1]
    assert 0 in middle, "the emulator served no empty page before the end"
    assert any(0 < size < 100 for size in middle), "no short page before the end"


def test_iteration_holds_one_page_at_a_time(client: KooDrive, emulator: RunningEmulator) -> None:
    emulator.backend.seed_synthetic(emulator.credentials.user_id, groups=600)
    alive: list[weakref.ref[UserGroupInfo]] = []
    previous_page: list[weakref.ref[UserGroupInfo]] = []
    page_size = 50

    for index, group in enumerate(client.user_groups.list(source_type=GROUP, page_size=page_size)):
        if index % page_size == 0:
            gc.collect()
            assert all(ref() is None for ref in previous_page), "an earlier page is still held"
            previous_page, alive = alive, []
        alive.append(weakref.ref(group))
    assert index > 4 * page_size


@contextmanager
def responses_left_to_the_cyclic_gc() -> Iterator[list[httpx.Response]]:
    """The httpx responses that only a cyclic GC pass would free, once the block ends.

    Automatic collection is off inside, so what refcounting cannot free stays put until
    the collection at the end, which saves it in gc.garbage for us to look at.
    """
    gc.collect()
    found: list[httpx.Response] = []
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield found
        gc.collect()
        found.extend(item for item in gc.garbage if isinstance(item, httpx.Response))
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def test_each_page_is_freed_when_dropped_not_left_to_the_cyclic_gc(
    client: KooDrive, emulator: RunningEmulator
) -> None:
    # httpx's response <-> bound stream cycle (encode/httpx#3733) would keep every page's
    # body until a full collection: a long paging run would pile them up.
    emulator.backend.seed_synthetic(emulator.credentials.user_id, groups=300)

    with responses_left_to_the_cyclic_gc() as leftovers:
        count = sum(1 for _ in client.user_groups.list(source_type=GROUP, page_size=20))

    assert count > 100
    assert leftovers == []


@pytest.mark.anyio
async def test_async_pages_are_freed_when_dropped_too(
    make_async_client: Callable[..., AsyncKooDrive], emulator: RunningEmulator
) -> None:
    emulator.backend.seed_synthetic(emulator.credentials.user_id, groups=300)

    async with make_async_client() as client:
        with responses_left_to_the_cyclic_gc() as leftovers:
            count = 0
            async for _ in client.user_groups.list(source_type=GROUP, page_size=20):
                count += 1

    assert count > 100
    assert leftovers == []


def test_a_forged_cursor_is_a_bad_request(client: KooDrive) -> None:
    listing = client.user_groups.list(source_type=GROUP, cursor="forged-cursor")

    with pytest.raises(BadRequestError, match="pageCursor"):
        list(listing)


def test_a_cursor_used_with_other_filters_is_a_bad_request(client: KooDrive) -> None:
    page = next(iter(client.user_groups.list(source_type=GROUP, page_size=2).pages()))
    assert page.next_cursor is not None
    listing = client.user_groups.list(source_type=USER_GROUP, cursor=page.next_cursor)

    with pytest.raises(BadRequestError, match="pageCursor"):
        list(listing)


@pytest.mark.parametrize("page_size", [0, 101])
def test_a_page_size_out_of_range_is_a_bad_request_naming_it(
    client: KooDrive, page_size: int
) -> None:
    with pytest.raises(BadRequestError, match="pageSize") as caught:
        list(client.user_groups.list(source_type=GROUP, page_size=page_size))
    assert caught.value.status_code == 400
    assert caught.value.code == 13000102


def test_an_unknown_source_type_names_the_allowed_values(client: KooDrive) -> None:
    with pytest.raises(InvalidArgumentError, match=r"source_type must be one of 0 .*1 "):
        client.user_groups.list(source_type=7)
