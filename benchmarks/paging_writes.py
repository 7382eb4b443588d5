"""8. Paging 100,000 groups while another client creates and deletes groups.

One client (the SDK's iterator, both source types, pages of 100) walks the listing of a
user holding 100,000 groups while another client, in its own process, writes. The walk is
timed beside a walk of the same listing without writes, on the same emulator.

What "another client creates and deletes groups of that same user" can mean: groups are
shared (a group is listed for each of its members), but the spec lets a user join at most
200 groups, so the user holding 100,000 can neither create a group nor be added to one (a
batch add naming them fails for them), and a group another user creates has its creator
as its only member, so it lands in its creator's listing only. So the writer is a second
user who keeps creating a group and deleting it (its creates land in its own listing,
beside the walk, never in it: the check below fails the run if one is listed), and who
also owns `SHARED` of the groups in the walked listing, spread evenly through it: groups
both users are members of, which only their owner, the writer, may delete, and whose
delete takes them out of the walked listing. The writer deletes those one by one,
in a random order, one at most after each create and delete and no faster than spreads
them over the time the walk without writes took, so groups vanish ahead of the walk's
cursor and behind it while it pages. The writer joins at most
`SHARED` + 1 groups, below the limit.

Correct means: no group listed twice; every group that existed throughout the walk (all
but the shared groups whose delete was sent before the walk ended) listed; nothing listed
that was not in the walked listing (the writer's own creates above all). The groups are
seeded from a fixtures file written for the run (the walked user's groups generated as
`--groups` does, with the shared ones among them).
"""

from __future__ import annotations

import json
import multiprocessing
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from koodrive import KooDrive, SourceType
from koodrive_emulator import Credentials
from koodrive_emulator.synthetic import synthetic_groups

from benchmarks import servers

WRITER_USER_ID = "1395476983395324034"  # a second user: the writer
SHARED = 150  # groups of the walked listing that the writer owns and deletes
_FIRST_ID = 1_800_000_000_000_000_000
SOURCE_TYPES = (SourceType.GROUP, SourceType.USER_GROUP)


@dataclass(frozen=True)
class WalkUnderWrites:
    groups: int  # in the walked listing at the start
    listed: int  # listed by the walk under writes
    writes: int  # writes the writer completed during that walk
    shared_deleted: int  # of them, deletes of groups in the walked listing (sent)
    seconds: float  # the walk under writes
    quiet_seconds: float  # the walk of the same listing without writes
    problems: list[str]  # empty when the walk was correct

    @property
    def correct(self) -> bool:
        return not self.problems

    @property
    def slowdown(self) -> float:
        return self.seconds / self.quiet_seconds


def fixtures(groups: int, *, shared: int = SHARED) -> tuple[dict[str, Any], list[str]]:
    """A fixtures document: the development user with `groups` groups, `shared` of them
    (evenly spread) owned by the writer and held by it too; and the shared groups' ids."""
    reader = Credentials.development().user_id
    every = max(1, groups // shared)
    listed: list[dict[str, Any]] = []
    shared_groups: list[dict[str, Any]] = []
    for index, group in enumerate(synthetic_groups(reader, groups, seed=0, first_id=_FIRST_ID)):
        entry = {**group.to_json(), "sourceType": int(group.source_type)}
        if index % every == every // 2 and len(shared_groups) < shared:
            entry["ownerId"] = WRITER_USER_ID
            shared_groups.append(entry)
        listed.append(entry)
    document = {
        "users": [
            {"id": reader, "groups": listed},
            {"id": WRITER_USER_ID, "groups": shared_groups},
        ]
    }
    return document, [str(entry["id"]) for entry in shared_groups]


def _walk(client: KooDrive) -> list[str]:
    return [
        group.id
        for source_type in SOURCE_TYPES
        for group in client.user_groups.list(source_type=source_type, page_size=100)
    ]


def _write(
    url: str,
    shared: list[str],
    pace: float,
    go: Event,
    stop: Event,
    writes: Synchronized[int],
    shared_sent: Synchronized[int],
) -> None:
    """The writer's process: create a group and delete it, again and again, until `stop`;
    after each, the next shared group when one is due (one each `pace` seconds from `go`)."""
    development = Credentials.development()
    with KooDrive(
        base_url=url,
        app_id=development.app_id,
        app_secret=development.app_secret,
        user_id=WRITER_USER_ID,
    ) as client:
        go.wait()
        started = time.perf_counter()
        turn = 0
        while not stop.is_set():
            created = client.user_groups.create(
                group_name="bench writer", source_type=SOURCE_TYPES[turn % 2]
            )
            client.user_groups.delete(created)
            with writes.get_lock():
                writes.value += 2
            turn += 1
            # One shared delete at most between two creates: the writer keeps creating.
            due = min(len(shared), int((time.perf_counter() - started) / pace) + 1)
            if shared_sent.value < due and not stop.is_set():
                group_id = shared[shared_sent.value]
                with shared_sent.get_lock():
                    shared_sent.value += 1  # counted before it is sent: it may vanish now
                client.user_groups.delete(group_id)
                with writes.get_lock():
                    writes.value += 1


def _problems(listed: list[str], before: set[str], maybe_gone: set[str]) -> list[str]:
    problems = []
    repeated = [group_id for group_id, seen in Counter(listed).items() if seen > 1]
    if repeated:
        problems.append(f"{len(repeated)} listed more than once (e.g. {repeated[0]})")
    skipped = before - maybe_gone - set(listed)
    if skipped:
        problems.append(f"{len(skipped)} that existed throughout not listed (e.g. {min(skipped)})")
    foreign = set(listed) - before
    if foreign:
        problems.append(f"{len(foreign)} listed that were never in the listing")
    return problems


def measure(groups: int) -> WalkUnderWrites:
    document, shared = fixtures(groups)
    order = random.Random(0).sample(shared, len(shared))  # ahead of the cursor and behind
    development = Credentials.development()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "fixtures.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        command = servers.emulator("--fixtures", str(path), "--devices", "0")
        with (
            servers.serving(command) as url,
            KooDrive(base_url=url, token=development.token, user_id=development.user_id) as sdk,
        ):
            before = _walk(sdk)  # also the warm-up
            if len(before) != groups or len(set(before)) != groups:
                raise RuntimeError(f"{groups} groups seeded, {len(before)} listed before writes")
            started = time.perf_counter()
            quiet = _walk(sdk)
            quiet_seconds = time.perf_counter() - started
            problems = _problems(quiet, set(before), set())
            if problems:
                raise RuntimeError("the walk without writes: " + "; ".join(problems))

            context = multiprocessing.get_context("spawn")
            go, stop = context.Event(), context.Event()
            writes, shared_sent = context.Value("q", 0), context.Value("q", 0)
            pace = quiet_seconds / len(order)
            writer = context.Process(
                target=_write, args=(url, order, pace, go, stop, writes, shared_sent)
            )
            writer.start()
            try:
                go.set()
                while writes.value == 0 and writer.is_alive():
                    time.sleep(0.001)  # the walk starts once writes are under way
                writes_before, shared_before = writes.value, shared_sent.value
                started = time.perf_counter()
                listed = _walk(sdk)
                seconds = time.perf_counter() - started
                writes_during = writes.value - writes_before
                sent = shared_sent.value
                stop.set()
            finally:
                stop.set()
                writer.join(timeout=30)
                if writer.is_alive():
                    writer.kill()
            if writer.exitcode != 0:
                raise RuntimeError(f"the writer's process ended with {writer.exitcode}")
    return WalkUnderWrites(
        groups=groups,
        listed=len(listed),
        writes=writes_during,
        shared_deleted=sent - shared_before,
        seconds=seconds,
        quiet_seconds=quiet_seconds,
        problems=_problems(listed, set(before), set(order[:sent])),
    )
