"""What scripts/bench reads off a run is read right: the command's rows and first row, the
contract suite's phases, why Prism was not measured, the writes' rows beside the reads, and
the walk under writes (its row, and its correctness at a small size). Real processes on
127.0.0.1; no timing is checked."""

from __future__ import annotations

import shutil

import pytest
from koodrive_emulator import Backend, Credentials

from benchmarks import cli_streaming, contract_time, load, paging_writes, servers
from benchmarks.__main__ import run as run_bench


def test_the_command_run_counts_every_group_and_times_its_first_row_first() -> None:
    seeded = 250
    fixtures = len(Backend.default().groups(Credentials.development().user_id))

    runs = cli_streaming.measure(seeded)

    assert [run.mode for run in runs] == ["table", "json"]
    for run in runs:
        assert run.groups == seeded + fixtures
        assert 0 < run.first_row_seconds <= run.total_seconds
        assert run.peak_rss_mib > 1


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


def test_prism_not_measured_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("benchmarks.servers.shutil.which", lambda name: None)

    command, why = servers.prism()

    assert command is None
    assert why == "Node.js is not installed"


def test_paging_under_writes_prints_its_row_and_stays_correct() -> None:
    lines = run_bench(quick=True, only="paging-writes")

    header = next(i for i, line in enumerate(lines) if line.startswith("### 8. Paging 10,000"))
    row = lines[header + 4].split(" | ")
    assert row[0] == "| 10,000"
    assert 10_000 - paging_writes.SHARED <= int(row[1].replace(",", "")) <= 10_000
    assert int(row[2].replace(",", "")) > 0  # writes were made during the walk
    assert row[-1] == "met |"
    assert not any(line.startswith("MISSED") for line in lines)


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
def test_the_load_table_has_the_writes_beside_the_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("benchmarks.servers.prism", lambda: (None, "not in this test"))

    lines = run_bench(quick=True, only="load")

    for label in (load.WRITES, load.WRITES_HMAC):
        rows = [line for line in lines if line.startswith(f"| {label} |")]
        assert len(rows) == 2  # in the load table, and in the writes against the reads
        ratio = rows[1].split(" | ")[3]
        assert float(ratio) > 0
    assert any(line.startswith("The writer (a second user) had at most") for line in lines)
