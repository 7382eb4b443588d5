"""2. Iterating every user group of a user at 1,000, 10,000 and 100,000 groups.

At each size the SDK's iterator is measured beside a bare httpx loop that follows
`nextCursor` itself, against the same emulator. Time and peak memory are measured in
separate passes (tracemalloc slows Python down, so the timed passes run without it).
Linear time shows as a constant time per 1,000 groups; flat memory as a peak that does not
grow with the number of groups. httpx leaves each exchange in reference cycles that only
the cyclic garbage collector frees, so peaks include that garbage on both sides alike.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from koodrive import KooDrive, SourceType
from koodrive_emulator import Credentials

from benchmarks import servers

GROUPS_PATH = "/koodrive/ose/v1/usergroups"
SOURCE_TYPES = (SourceType.GROUP, SourceType.USER_GROUP)


@dataclass(frozen=True)
class Pass:
    seconds: float
    peak_bytes: int


@dataclass(frozen=True)
class PagingRun:
    groups: int
    sdk: Pass
    raw: Pass

    def ms_per_thousand(self, side: Pass) -> float:
        return side.seconds * 1000 / (self.groups / 1000)


def _sdk_iterate(client: KooDrive) -> int:
    count = 0
    for source_type in SOURCE_TYPES:
        for _ in client.user_groups.list(source_type=source_type, page_size=100):
            count += 1
    return count


def _raw_iterate(client: httpx.Client, token: str) -> int:
    count = 0
    headers = {"Authorization": f"Bearer {token}"}
    for source_type in SOURCE_TYPES:
        cursor: str | None = ""
        while cursor is not None:
            params: dict[str, str | int] = {
                "pageSize": 100,
                "pageCursor": cursor,
                "sourceType": int(source_type),
            }
            body = client.get(GROUPS_PATH, params=params, headers=headers).json()
            count += len(body["userGroupList"])
            cursor = body.get("nextCursor")
    return count


def _timed(iterate: Callable[[], int]) -> tuple[int, float]:
    start = time.perf_counter()
    count = iterate()
    return count, time.perf_counter() - start


def _peak(iterate: Callable[[], int]) -> int:
    tracemalloc.start()
    try:
        iterate()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure(sizes: tuple[int, ...]) -> list[PagingRun]:
    development = Credentials.development()
    runs = []
    for size in sizes:
        command = servers.emulator("--groups", str(size), "--devices", "0")
        with (
            servers.serving(command) as url,
            KooDrive(base_url=url, token=development.token, user_id=development.user_id) as sdk,
            httpx.Client(base_url=url) as raw,
        ):

            def sdk_side() -> int:
                return _sdk_iterate(sdk)

            def raw_side() -> int:
                return _raw_iterate(raw, development.token)

            sdk_side(), raw_side()  # warm-up: connections, imports, caches
            seen, sdk_seconds = _timed(sdk_side)
            raw_seen, raw_seconds = _timed(raw_side)
            if seen != raw_seen or seen < size:
                raise RuntimeError(f"SDK saw {seen} groups, raw httpx {raw_seen}, seeded {size}")
            runs.append(
                PagingRun(
                    seen, Pass(sdk_seconds, _peak(sdk_side)), Pass(raw_seconds, _peak(raw_side))
                )
            )
    return runs
