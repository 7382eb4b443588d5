"""AsyncKooDrive: the same methods, awaited; `async for` over every group."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from koodrive import (
    APIConnectionError,
    APITimeoutError,
    AsyncKooDrive,
    BadRequestError,
    BoundDeviceEntity,
    ConfigurationError,
    GatewayError,
    MalformedResponseError,
    RateLimitError,
    SourceType,
)
from koodrive_emulator.testing import RunningEmulator

pytestmark = pytest.mark.anyio
MakeAsync = Callable[..., AsyncKooDrive]


def expected_ids(emulator: RunningEmulator, kind: SourceType) -> list[str]:
    return [g.id for g in emulator.backend.groups(emulator.credentials.user_id, kind)]


@pytest.mark.parametrize("mode", ["token", "app"])
async def test_devices(make_async_client: MakeAsync, emulator: RunningEmulator, mode: str) -> None:
    async with make_async_client(mode) as sdk:
        devices = await sdk.devices.list()

    assert all(isinstance(device, BoundDeviceEntity) for device in devices)
    expected = emulator.backend.devices(emulator.credentials.user_id)
    assert [d.device_id for d in devices] == [e.device_id for e in expected]


async def test_devices_without_a_user_is_a_configuration_error(emulator: RunningEmulator) -> None:
    async with AsyncKooDrive(
        base_url=emulator.base_url, token=emulator.credentials.token, environ={}
    ) as sdk:
        with pytest.raises(ConfigurationError, match="KOODRIVE_USER_ID"):
            await sdk.devices.list()


@pytest.mark.parametrize("mode", ["token", "app"])
async def test_async_for_lists_every_group(
    make_async_client: MakeAsync, emulator: RunningEmulator, mode: str
) -> None:
    async with make_async_client(mode) as sdk:
        ids = [g.id async for g in sdk.user_groups.list(source_type=SourceType.GROUP, page_size=3)]

    assert ids == expected_ids(emulator, SourceType.GROUP)


async def test_pages_give_total(make_async_client: MakeAsync, emulator: RunningEmulator) -> None:
    async with make_async_client() as sdk:
        pages = [p async for p in sdk.user_groups.list(source_type=1, page_size=2).pages()]

    expected = expected_ids(emulator, SourceType.USER_GROUP)
    assert {page.total for page in pages} == {len(expected)}
    assert [g.id for page in pages for g in page.items] == expected
    assert pages[-1].next_cursor is None


@pytest.mark.slow
async def test_async_paging_over_ten_thousand_groups_with_short_and_empty_pages(
    make_async_client: MakeAsync, emulator: RunningEmulator
) -> None:
    emulator.backend.seed_synthetic(emulator.credentials.user_id, groups=30_500)
    emulator.paging.short_pages = 0.6
    expected = expected_ids(emulator, SourceType.USER_GROUP)
    assert len(expected) >= 10_000

    sizes: list[int] = []
    seen: list[str] = []
    async with make_async_client("app") as sdk:
        async for page in sdk.user_groups.list(source_type=1, page_size=100).pages():
            sizes.append(len(page.items))
            seen.extend(group.id for group in page.items)

    assert seen == expected
    assert 0 in sizes[:-1]
    assert any(0 < size < 100 for size in sizes[:-1])


async def test_retries_honour_retry_after(
    make_async_client: MakeAsync,
    emulator: RunningEmulator,
    sleeps: list[float],
    requests_seen: Callable[[], int],
) -> None:
    emulator.faults.throttle(retry_after=2, times=1)
    emulator.faults.truncated(times=1)

    async with make_async_client() as sdk:
        assert await sdk.devices.list()

    assert requests_seen() == 3
    assert sleeps[0] == 2.0
    assert len(sleeps) == 2


async def test_errors_are_typed_and_not_retried_when_they_should_not_be(
    make_async_client: MakeAsync,
    emulator: RunningEmulator,
    sleeps: list[float],
) -> None:
    async with make_async_client(max_retries=1) as sdk:
        emulator.faults.throttle(retry_after=0)
        with pytest.raises(RateLimitError) as throttled:
            await sdk.devices.list()
        emulator.faults.clear()
        assert isinstance(throttled.value, GatewayError)
        assert sleeps == [0.0]

        with pytest.raises(BadRequestError, match="pageSize"):
            [g async for g in sdk.user_groups.list(source_type=0, page_size=101)]
        assert sleeps == [0.0]

        emulator.faults.missing_field(times=1)
        with pytest.raises(MalformedResponseError, match="'data'"):
            await sdk.devices.list()

        emulator.faults.truncated()
        with pytest.raises(APIConnectionError):
            await sdk.devices.list(max_retries=0)


async def test_a_per_call_timeout(make_async_client: MakeAsync, emulator: RunningEmulator) -> None:
    emulator.faults.latency(2.0, times=1)

    async with make_async_client() as sdk:
        with pytest.raises(APITimeoutError):
            await sdk.devices.list(timeout=0.1, max_retries=0)
        assert await sdk.with_options(timeout=10.0).devices.list()
