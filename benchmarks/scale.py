"""7. A million groups: the emulator's start time and memory, and the SDK's paging time.

For each size the emulator starts as a user starts it (`koodrive-emulator --groups N`),
timed from the command to its first answered request; its resident memory is read from
/proc once it answers and again after the SDK has paged through every group of both
source types. The SDK's time per 1,000 groups at the large size is set against the same
at the small one: flat means paging costs the same per group however many there are.
Each size is paged once to warm up first, and a small listing is then paged again and
again until 100,000 groups have been read, so that its time outlasts the noise. Before
each pass, untimed, the SDK binds the same device again: a write, which empties what the
emulator keeps until the next write (pages read, answers sent). Without it the small
listing's repeated passes were served from what was kept and the large one's could not
be, so that the comparison set a cache against the database.

A million memberships (`measure_members`): the emulator started with only generated data
(an empty fixtures file), `--groups N/200 --members N - N/200`, so that the state holds N
memberships in groups of 200 members each, the owner included (the spec's capacity of a
group), their members generated users who join up to 200 groups each (the spec's limit).
Start time and memory as above; then the SDK pages the members of `SAMPLED` groups spread
evenly through the owner's listing (the offset scheme, 100 a page), after a warm-up pass,
again and again until 20,000 members have been read and at least `MEMBER_PASSES` times,
each pass after the same untimed bind. The time per 1,000 members is the median pass's:
a pass lasts a fraction of a second, so one slow pass (the machine busy for a moment)
moved a sum over a single pass by a third. Flat means a group's members cost the same to
page however many memberships the state holds.
"""

from __future__ import annotations

import json
import statistics
import tempfile
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


# The device bound again before each timed pass (see the docstring).
COLD_PAGES_DEVICE = "bench_cold_pages"


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
                seen, sdk_seconds = 0, 0.0
                for _ in range(passes):
                    sdk.devices.bind(machine_code=COLD_PAGES_DEVICE)  # the kept pages go
                    paging_started = time.perf_counter()
                    seen += _page_everything(sdk)
                    sdk_seconds += time.perf_counter() - paging_started
            if seen < size * passes:
                raise RuntimeError(f"the SDK saw {seen} groups of {size * passes} seeded")
            runs.append(
                ScaleRun(
                    seen // passes, passes, start_seconds, rss_started, _rss_mib(pid), sdk_seconds
                )
            )
    return runs


GROUP_CAPACITY = 200  # members of a group, the owner included (the spec's limit-per-group)
SAMPLED = 100  # groups whose members are paged, spread through the listing
MEMBERS_READ = 20_000  # members read per size, at least
MEMBER_PASSES = 5  # timed passes per size, at least


@dataclass(frozen=True)
class MembersRun:
    memberships: int  # in the state, the owners' included
    paged: int  # members paged in one pass (every sampled group's)
    start_seconds: float
    rss_started_mib: float
    rss_paged_mib: float
    pass_seconds: tuple[float, ...]  # each timed pass's

    @property
    def passes(self) -> int:
        return len(self.pass_seconds)

    @property
    def ms_per_thousand(self) -> float:
        """The median pass's time per 1,000 members."""
        return statistics.median(self.pass_seconds) * 1000 / (self.paged / 1000)


def _sampled_groups(client: KooDrive) -> list[str]:
    ids = [
        group.id
        for source_type in (SourceType.GROUP, SourceType.USER_GROUP)
        for group in client.user_groups.list(source_type=source_type, page_size=100)
    ]
    step = max(1, len(ids) // SAMPLED)
    return ids[step // 2 :: step][:SAMPLED]


def _page_members(client: KooDrive, groups: list[str]) -> int:
    return sum(1 for group in groups for _ in client.user_groups.members.list(group, limit=100))


def measure_members(sizes: tuple[int, ...]) -> list[MembersRun]:
    """For each size, N memberships in N / 200 full groups (see the module's docstring)."""
    development = Credentials.development()
    runs = []
    with tempfile.TemporaryDirectory() as directory:
        empty = Path(directory) / "empty.json"
        empty.write_text(json.dumps({"users": []}), encoding="utf-8")
        for size in sizes:
            groups = max(1, size // GROUP_CAPACITY)
            command = servers.emulator(
                "--fixtures",
                str(empty),
                "--groups",
                str(groups),
                "--members",
                str(size - groups),
                "--devices",
                "0",
            )
            started = time.perf_counter()
            with servers.serving_process(command) as (url, pid):
                start_seconds = time.perf_counter() - started
                rss_started = _rss_mib(pid)
                with KooDrive(
                    base_url=url, token=development.token, user_id=development.user_id
                ) as sdk:
                    sampled = _sampled_groups(sdk)
                    paged = _page_members(sdk, sampled)  # also the warm-up
                    if paged != len(sampled) * GROUP_CAPACITY:
                        raise RuntimeError(
                            f"{paged} members paged in {len(sampled)} groups of "
                            f"{GROUP_CAPACITY} each"
                        )
                    passes = max(MEMBER_PASSES, MEMBERS_READ // paged)
                    pass_seconds = []
                    for _ in range(passes):
                        sdk.devices.bind(machine_code=COLD_PAGES_DEVICE)  # the kept answers go
                        paging_started = time.perf_counter()
                        _page_members(sdk, sampled)
                        pass_seconds.append(time.perf_counter() - paging_started)
                runs.append(
                    MembersRun(
                        size,
                        paged,
                        start_seconds,
                        rss_started,
                        _rss_mib(pid),
                        tuple(pass_seconds),
                    )
                )
    return runs
