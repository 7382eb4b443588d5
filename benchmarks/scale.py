"""7. A million groups: the emulator's start time and memory, and the SDK's paging time.

For each size the emulator starts as a user starts it (`koodrive-emulator --groups N`),
timed from the command to its first answered request; its resident memory is read from
/proc once it answers and again after the SDK has paged through every group of both
source types. The SDK's time per 1,000 groups at the large size is set against the same
at the small one: flat means paging costs the same per group however many there are.
Each size is paged once to warm up first (the emulator encodes each record's JSON when it
first sends it, a cost of the first pass only), and a small listing is then paged again
and again until 100,000 groups have been read, so that its time outlasts the noise.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from koodrive import KooDrive, SourceType
from koodrive_emulator import Credentials

from benchmarks import servers


@dataclass(frozen=True)
class ScaleRun:
    groups: int  # groups seeded and paged (both source types)
    passes: int  # times the SDK paged through them all
    start_seconds: float
    rss_started_mib: float
    rss_paged_mib: float
    sdk_seconds: float

    @property
    def ms_per_thousand(self) -> float:
        return self.sdk_seconds * 1000 / (self.groups * self.passes / 1000)


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _page_everything(client: KooDrive) -> int:
    count = 0
    for source_type in (SourceType.GROUP, SourceType.USER_GROUP):
        for _ in client.user_groups.list(source_type=source_type, page_size=100):
            count += 1
    return count


def measure(sizes: tuple[int, ...]) -> list[ScaleRun]:
    development = Credentials.development()
    runs = []
    for size in sizes:
        command = servers.emulator("--groups", str(size), "--devices", "0")
        started = time.perf_counter()
        with servers.serving_process(command) as (url, pid):
            start_seconds = time.perf_counter() - started
            rss_started = _rss_mib(pid)
            with KooDrive(
                base_url=url, token=development.token, user_id=development.user_id
            ) as sdk:
                passes = max(1, 100_000 // size)
                _page_everything(sdk)
                paging_started = time.perf_counter()
                seen = sum(_page_everything(sdk) for _ in range(passes))
                sdk_seconds = time.perf_counter() - paging_started
            if seen < size * passes:
                raise RuntimeError(f"the SDK saw {seen} groups of {size * passes} seeded")
            runs.append(
                ScaleRun(
                    seen // passes, passes, start_seconds, rss_started, _rss_mib(pid), sdk_seconds
                )
            )
    return runs
