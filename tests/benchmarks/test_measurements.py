"""What scripts/bench reads off a run is read right: the command's rows and first row, the
contract suite's phases, why Prism was not measured, the writes' rows beside the reads, and
the walk under writes (its row, and its correctness at a small size). Real processes on
127.0.0.1; no timing is checked."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from koodrive_emulator import Backend, Credentials

from benchmarks import cli_streaming, contract_time, load, paging_writes, scale, servers
from benchmarks.__main__ import QUICK_NOTICE, TARGET_SHARE_OF_CEILING
from benchmarks.__main__ import run as run_bench


def test_the_command_run_counts_every_group_and_times_its_first_row_first() -> None:
    seeded = 250
    fixtures = len(Backend.default().groups(Credentials.development().user_id))

    # This process made large: a command started from it is charged none of it.
    ballast = bytearray(256 * 1024 * 1024)
    ballast[::4096] = b"x" * len(ballast[::4096])

    runs = cli_streaming.measure(seeded)

    assert [run.mode for run in runs] == ["table", "json"]
    for run in runs:
        assert run.groups == seeded + fixtures
        assert 0 < run.first_row_seconds <= run.total_seconds
        assert 1 < run.peak_rss_mib < 200
    del ballast


def test_the_contract_suite_phases_are_read_from_schemathesis_output() -> None:
    output = (
        " ✅  Examples (in 0.24s)\n ✅  Coverage (in 2.19s)\n"
        " ✅  Fuzzing (in 5.42s)\n ✅  Stateful (in 23.14s)\n"
    )

    phases = dict(contract_time._PHASE.findall(output))

    assert phases == {
        "Examples": "0.24",
        "Coverage": "2.19",
        "Fuzzing": "5.42",
        "Stateful": "23.14",
    }


def test_the_operations_the_contract_suite_tested_are_read() -> None:
    output = "     Base URL:   http://127.0.0.1:1\n     Operations:       11 selected / 12 total\n"

    found = contract_time._OPERATIONS.search(output)

    assert found is not None
    assert (found[1], found[2]) == ("11", "12")


def test_prism_not_measured_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("benchmarks.servers.shutil.which", lambda name: None)

    command, why = servers.prism()

    assert command is None
    assert why == "Node.js is not installed"


def test_paging_under_writes_prints_its_row_and_stays_correct() -> None:
    result = run_bench(quick=True, only="paging-writes")
    lines = result.lines

    assert lines[1] == f"- Mode: QUICK: {QUICK_NOTICE}; " + lines[1].rsplit("; ", 1)[1]
    header = next(i for i, line in enumerate(lines) if line.startswith("### 8. Paging 10,000"))
    row = lines[header + 4].split(" | ")
    assert row[0] == "| 10,000"
    assert 10_000 - paging_writes.SHARED <= int(row[1].replace(",", "")) <= 10_000
    assert int(row[2].replace(",", "")) > 0  # writes were made during the walk
    assert row[-1] == "met |"
    assert not any(line.startswith("MISSED") for line in lines)
    correct = next(f for f in result.figures if f.name.endswith("repeated, skipped or foreign"))
    assert correct.value == 0
    assert correct.met()


def test_a_walk_under_writes_is_correct_at_a_small_size() -> None:
    walk = paging_writes.measure(2_000)

    assert walk.problems == []
    assert walk.writes > 0
    assert 2_000 - paging_writes.SHARED <= walk.listed <= 2_000


def test_the_walk_check_names_a_repeated_a_skipped_and_a_foreign_group() -> None:
    before = {"1", "2", "3", "4"}

    problems = paging_writes._problems(["1", "1", "3", "9"], before, maybe_gone={"4"})

    assert problems == [
        "1 listed more than once (e.g. 1)",
        "1 that existed throughout not listed (e.g. 2)",
        "1 listed that were never in the listing",
    ]
    assert paging_writes._problems(["1", "2", "3"], before, maybe_gone={"4"}) == []


def test_the_writers_delete_of_a_shared_group_leaves_the_walked_listing() -> None:
    document, shared = paging_writes.fixtures(300, shared=5)
    backend = Backend()
    backend.load_fixtures_data(document)
    reader = Credentials.development().user_id

    backend.delete_group(paging_writes.WRITER_USER_ID, shared[0])

    listed = {group.id for group in backend.groups(reader)}
    assert len(listed) == 299
    assert shared[0] not in listed
    assert set(shared[1:]) <= listed
    # A group the writer creates is listed for it alone: never in the walked listing.
    created = backend.create_group(
        paging_writes.WRITER_USER_ID,
        group_name="elsewhere",
        source_type=0,
        now=datetime.now(UTC),
        limit=200,
    )
    assert created.id not in {group.id for group in backend.groups(reader)}


def test_the_shared_groups_are_spread_through_the_listing_and_owned_by_the_writer() -> None:
    document, shared = paging_writes.fixtures(3_000, shared=10)

    reader, writer = document["users"]
    positions = [i for i, group in enumerate(reader["groups"]) if group["id"] in set(shared)]
    assert len(shared) == 10
    assert positions[0] < 300
    assert positions[-1] > 2_700
    assert writer["id"] == paging_writes.WRITER_USER_ID
    assert [group["id"] for group in writer["groups"]] == shared
    assert all(group["ownerId"] == writer["id"] for group in writer["groups"])


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (scripts/bench)")
def test_the_load_tables_judge_the_reads_and_set_each_against_prism(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With Prism where scripts/bench installed it; without, the run says why.
    installed = Path(__file__).resolve().parents[2] / ".bench-tools/prism/node_modules/.bin/prism"
    if installed.exists():
        monkeypatch.setenv("KOODRIVE_BENCH_PRISM", str(installed))
    result = run_bench(quick=True, only="load", echo=False)
    lines = result.lines

    for label in (load.WRITES, load.WRITES_HMAC):
        rows = [line for line in lines if line.startswith(f"| {label} |")]
        assert len(rows) == 2  # in the load table, and in the writes against the reads
        ratio = rows[1].split(" | ")[3]
        assert float(ratio) > 0
    for label in load.READS:
        row = next(line for line in lines if line.startswith(f"| {label} |")).split(" | ")
        share, verdict = float(row[2]), row[6]
        assert verdict == ("met" if share >= TARGET_SHARE_OF_CEILING else "MISSED")
        assert row[7] in ("reached |", "not yet |")
    shares = [f for f in result.figures if f.name.startswith("emulator / ceiling, ")]
    assert [f.name.removeprefix("emulator / ceiling, ") for f in shares] == list(load.READS)
    over_prism = [f for f in result.figures if f.name.startswith("emulator / Prism, ")]
    if servers.prism()[0] is None:
        assert any(line.startswith("Prism: not measured (") for line in lines)
        assert over_prism == []
    else:
        assert [f.name.removeprefix("emulator / Prism, ") for f in over_prism] == list(load.READS)
        for figure in over_prism:
            label = figure.name.removeprefix("emulator / Prism, ")
            row_text = next(line for line in lines if line.startswith(f"| {label} | Prism"))
            cells = row_text.split(" | ")
            assert cells[1] == load.OVER_PRISM[label]
            assert float(cells[2]) == round(figure.value, 2)
            assert cells[4] == ("met |" if figure.value >= 3 else "MISSED |")
    assert any(line.startswith("The writer (a second user) had at most") for line in lines)


@dataclass(frozen=True)
class _Overhead:
    label: str
    pair_ratios: list[float]
    operation: str = "listBoundDevices"
    sdk_calls_per_second: float = 900.0
    raw_calls_per_second: float = 1000.0

    @property
    def ratio(self) -> float:
        return sorted(self.pair_ratios)[len(self.pair_ratios) // 2]


def test_the_sdk_table_has_a_row_per_operation_and_cell_judged_at_095(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    measured = [
        _Overhead("token, sync", [0.90, 0.96, 0.97]),
        _Overhead("hmac, async", [0.90, 0.94, 0.99]),
        _Overhead("token, sync, create+delete", [0.95, 0.95, 0.95], "createUserGroup"),
    ]
    monkeypatch.setattr("benchmarks.sdk_overhead.measure", lambda *a, **k: measured)

    result = run_bench(quick=True, only="sdk", echo=False)

    rows = [line for line in result.lines if line.startswith("| listBoundDevices |")]
    rows += [line for line in result.lines if line.startswith("| createUserGroup |")]
    assert [row.split(" | ")[1] for row in rows] == [o.label for o in measured]
    assert [row.split(" | ")[-1] for row in rows] == ["met |", "MISSED |", "met |"]
    assert [(f.name, f.value, f.met()) for f in result.figures] == [
        ("SDK / raw httpx, listBoundDevices, token, sync", 0.96, True),
        ("SDK / raw httpx, listBoundDevices, hmac, async", 0.94, False),
        ("SDK / raw httpx, createUserGroup, token, sync, create+delete", 0.95, True),
    ]


def test_memberships_at_two_sizes_page_every_sampled_groups_members() -> None:
    small, large = scale.measure_members((1_000, 4_000))

    assert (small.memberships, large.memberships) == (1_000, 4_000)
    assert small.paged == 5 * scale.GROUP_CAPACITY  # all 5 groups of 200
    assert large.paged == 20 * scale.GROUP_CAPACITY
    assert small.passes == scale.MEMBERS_READ // small.paged
    assert large.passes >= scale.MEMBER_PASSES
    assert len(large.pass_seconds) == large.passes
    assert large.rss_started_mib > 1
    assert small.ms_per_thousand > 0
